import type { IncomingMessage } from 'node:http';
import type { App } from '../../common/apps.js';
import type { ErrorCode } from '../../common/errors.js';
import type { Snapshot } from '../state.js';
import type { HostContext } from './auth-routes.js';
import { allows, assertedHeaders, identify, isPublicPath } from './identify.js';
import { isHeaderSafe } from './identity-headers.js';
import { forbiddenPage } from './pages.js';
import { isNavigation, type AuthDeps } from './sign-in.js';

export type Access =
  /** Proxy, adding these identity headers (none on a public path without identity). */
  | { kind: 'allow'; identityHeaders: string[] }
  /** A browser without a session: send it to sign in. */
  | { kind: 'sign-in' }
  | { kind: 'refuse'; status: number; code: ErrorCode; message: string; html?: string };

/**
 * The one decision for a request to an app — proxied, WebSocket or forward auth: who is
 * asking, and whether the app's policy lets them in. Public paths need no identity.
 */
export async function decideAccess(
  req: IncomingMessage,
  app: App,
  path: string,
  snapshot: Snapshot,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<Access> {
  const publicPath = isPublicPath(app, path);
  const who = await identify(req, snapshot, auth, ctx, true);
  if (who.kind === 'refused') {
    if (publicPath) return { kind: 'allow', identityHeaders: [] };
    return {
      kind: 'refuse',
      status: who.status,
      code: who.status === 403 ? 'FORBIDDEN' : 'TOKEN_INVALID',
      message: who.reason,
    };
  }
  if (who.kind === 'none') {
    if (publicPath) return { kind: 'allow', identityHeaders: [] };
    if (ctx.tokenizerOn && isNavigation(req)) return { kind: 'sign-in' };
    return {
      kind: 'refuse',
      status: 401,
      code: 'NOT_SIGNED_IN',
      message: 'this gateway needs a sign-in and the request carries none',
    };
  }
  const { identity } = who;
  if (!allows(app, identity)) {
    if (publicPath) return { kind: 'allow', identityHeaders: [] };
    const viewing = identity.viewer ? ` (viewed by ${identity.viewer})` : '';
    return {
      kind: 'refuse',
      status: 403,
      code: 'FORBIDDEN',
      message: `${app.name} does not allow ${identity.username}${viewing}`,
      html: forbiddenPage(app, identity.username, identity.viewer),
    };
  }
  // Usernames are checked when created; a row that slipped past (an older database) gets
  // a clear refusal rather than a header Node would refuse with a 500.
  if (!isHeaderSafe(identity.username) || (identity.viewer !== undefined && !isHeaderSafe(identity.viewer))) {
    return {
      kind: 'refuse',
      status: 403,
      code: 'FORBIDDEN',
      message: 'this account has a username Latchkey cannot assert; an Admin must re-create it',
    };
  }
  return { kind: 'allow', identityHeaders: await assertedHeaders(identity, app, auth, ctx) };
}
