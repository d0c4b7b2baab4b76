import type { IncomingMessage } from 'node:http';
import type { App } from '../../common/apps.js';
import type { ErrorCode } from '../../common/errors.js';
import type { AssertedIdentity } from '../auth/assertion.js';
import type { Snapshot } from '../live-state.js';
import type { HostContext } from './auth-routes.js';
import { allows, assertedHeaders, identify, isPublicPath, type Identification } from './identify.js';
import { isHeaderSafe } from './identity-headers.js';
import { forbiddenPage } from './pages.js';
import type { AuthDeps } from '../auth/index.js';
import { isNavigation } from './respond.js';

/** Who a request to an app is let in as: undefined on a public path without identity. */
export type Admission = { kind: 'allow'; identity: AssertedIdentity | undefined };

export type Decision =
  | Admission
  /** A browser without a session: send it to sign in. */
  | { kind: 'sign-in' }
  | { kind: 'refuse'; code: ErrorCode; message: string; html?: string };

export type Access =
  /** Proxy, adding these identity headers (none on a public path without identity). */
  (Admission & { identityHeaders: string[] }) | Exclude<Decision, Admission>;

const PUBLIC: Admission = { kind: 'allow', identity: undefined };

/**
 * The one decision for a request to an app — proxied, WebSocket, forward auth, and the
 * re-decision of a stream still open: who is asking, and whether the app's policy lets
 * them in. Public paths need no identity. Nothing is signed here: a re-decision needs
 * only the verdict.
 */
export async function decide(
  req: IncomingMessage,
  app: App,
  path: string,
  snapshot: Snapshot,
  auth: AuthDeps,
  ctx: HostContext,
  /** A stream's re-decision looks without touching: it is not the user's activity. */
  { peek = false }: { peek?: boolean } = {},
): Promise<Decision> {
  const who = await identify(req, snapshot, auth, ctx, true, { peek });
  return judge(req, app, path, who, ctx);
}

/** The app's policy (SPEC §6) applied to who is asking; public paths let anyone in. */
export function judge(req: IncomingMessage, app: App, path: string, who: Identification, ctx: HostContext): Decision {
  const publicPath = isPublicPath(app, path);
  if (who.kind === 'refused') {
    if (publicPath) return PUBLIC;
    return {
      kind: 'refuse',
      code: who.code,
      message: who.reason,
    };
  }
  if (who.kind === 'none') {
    if (publicPath) return PUBLIC;
    if (ctx.tokenizerOn && isNavigation(req)) return { kind: 'sign-in' };
    return {
      kind: 'refuse',
      code: 'NOT_SIGNED_IN',
      message: 'this gateway needs a sign-in and the request carries none',
    };
  }
  const { identity } = who;
  if (!allows(app, identity)) {
    if (publicPath) return PUBLIC;
    const viewing = identity.viewer ? ` (viewed by ${identity.viewer})` : '';
    return {
      kind: 'refuse',
      code: 'FORBIDDEN',
      message: `${app.name} does not allow ${identity.username}${viewing}`,
      html: forbiddenPage(app, { ...identity, impersonation: ctx.impersonation }),
    };
  }
  // Usernames are checked when created; a row that slipped past (an older database) gets
  // a clear refusal rather than a header Node would refuse with a 500.
  if (!isHeaderSafe(identity.username) || (identity.viewer !== undefined && !isHeaderSafe(identity.viewer))) {
    return {
      kind: 'refuse',
      code: 'FORBIDDEN',
      message: 'this account has a username Latchkey cannot assert; an Admin must re-create it',
    };
  }
  return { kind: 'allow', identity };
}

/** The decision of `decide`, with the identity headers to add when it lets the request in. */
export async function decideAccess(
  req: IncomingMessage,
  app: App,
  path: string,
  snapshot: Snapshot,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<Access> {
  const decision = await decide(req, app, path, snapshot, auth, ctx);
  if (decision.kind !== 'allow') return decision;
  const { identity } = decision;
  return { kind: 'allow', identity, identityHeaders: identity ? await assertedHeaders(identity, app, auth, ctx) : [] };
}
