import type { IncomingMessage } from 'node:http';
import type { App } from '../../common/apps.js';
import type { AssertedIdentity } from '../auth/assertion.js';
import { checkToken, presentedToken, type TokenUse } from '../auth/service-accounts.js';
import { sessionViewAs } from '../auth/view-as.js';
import type { Snapshot } from '../live-state.js';
import type { HostContext } from './auth-routes.js';
import { identityHeaders } from './identity-headers.js';
import { isUnambiguousPath } from './paths.js';
import type { AuthDeps } from '../auth/index.js';
import { sessionOf } from './session-binding.js';

export type Identification =
  | { kind: 'user'; identity: AssertedIdentity }
  | { kind: 'refused'; code: 'TOKEN_INVALID' | 'FORBIDDEN'; reason: string }
  | { kind: 'none' };

const NONE: Identification = { kind: 'none' };

/**
 * Who is asking, by the identN chain (SPEC §1): impersonation, then a session cookie,
 * then a service-account token. View-as replaces the user and names the Admin as viewer.
 * Tokens count only where `tokens` says so: never on the control plane.
 */
export async function identify(
  req: IncomingMessage,
  snapshot: Snapshot,
  auth: AuthDeps,
  ctx: HostContext,
  tokens: boolean,
  /**
   * Look without noting a use: a stream's re-decision is the gateway's, not the user's, so
   * it must neither keep a session from idling out nor stamp a token's last use.
   */
  { peek = false }: { peek?: boolean } = {},
): Promise<Identification> {
  const now = auth.store.clock.now();
  const { identn } = snapshot;
  if (identn.impersonation.enabled) {
    const root = snapshot.root;
    const viewAs = snapshot.viewAs && snapshot.viewAs.until > now ? snapshot.viewAs.user : undefined;
    const user = viewAs ?? root;
    return { kind: 'user', identity: { ...pick(user), viewer: viewAs ? root.username : undefined } };
  }
  if (identn.tokenizer.enabled) {
    const signedIn = await sessionOf(req, auth, ctx.origin, ctx.port, { peek });
    if (signedIn) {
      const viewAs = sessionViewAs(auth.store, signedIn.session, now);
      const user = viewAs ?? signedIn.user;
      return { kind: 'user', identity: { ...pick(user), viewer: viewAs ? signedIn.user.username : undefined } };
    }
  }
  if (identn.apikey.enabled && tokens) {
    const token = presentedToken(req.rawHeaders);
    if (token !== undefined) {
      const check = checkToken(auth.store, token, peek ? lookOnly(auth.bookkeeping) : auth.bookkeeping);
      return 'user' in check ? { kind: 'user', identity: pick(check.user) } : { kind: 'refused', ...check };
    }
  }
  return NONE;
}

/** The token uses noted so far, read without noting one more. */
function lookOnly(use: TokenUse): TokenUse {
  return { tokenLastUsed: (id) => use.tokenLastUsed(id), tokenUsed: () => undefined };
}

function pick(user: AssertedIdentity): AssertedIdentity {
  return { username: user.username, email: user.email, role: user.role };
}

// The policy lives in auth, where the console's launcher reads it too.
export { allows, visibleApps } from '../auth/app-policy.js';

/**
 * Whether a normalized path is one of the app's public paths, or below one. Never the
 * query, and never a path an upstream could read as another (SPEC §7): such a path is an
 * ordinary path of the app, for whoever may use the app.
 */
export function isPublicPath(app: App, path: string): boolean {
  if (app.publicPaths.length === 0 || !isUnambiguousPath(path)) return false;
  return app.publicPaths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/**
 * The preset's identity headers per app and user, made once: an app object lasts as long
 * as the settings snapshot it came from, so a changed preset is a new app and a new entry.
 */
const presetHeaders = new WeakMap<App, Map<string, readonly string[]>>();
/** Users remembered per app; past this many the entries start again from none. */
const USERS_PER_APP = 256;

function presetHeadersOf(identity: AssertedIdentity, app: App): readonly string[] {
  let byUser = presetHeaders.get(app);
  if (!byUser) presetHeaders.set(app, (byUser = new Map()));
  const key = `${identity.username}\n${identity.email}\n${identity.role}`;
  let headers = byUser.get(key);
  if (!headers) {
    headers = identityHeaders(identity, app.headers);
    if (byUser.size >= USERS_PER_APP) byUser.clear();
    byUser.set(key, headers);
  }
  return headers;
}

/** The identity headers of the app's preset, the signed assertion, and the viewer if any. */
export async function assertedHeaders(
  identity: AssertedIdentity,
  app: App,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<string[]> {
  const preset = presetHeadersOf(identity, app);
  const assertion = await auth.signer.sign(identity, ctx.origin, ctx.consoleOrigin);
  // A new list each time: the shared one must never carry one request's assertion or viewer.
  const headers = [...preset, 'x-latchkey-jwt-assertion', assertion];
  if (identity.viewer) headers.push('x-latchkey-impersonator', identity.viewer);
  return headers;
}
