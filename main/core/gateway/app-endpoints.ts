import type { ServerResponse } from 'node:http';
import type { App } from '../../common/apps.js';
import { decideAccess } from './app-access.js';
import { appAuthRoute } from './auth-routes.js';
import type { PassDeps } from './deps.js';
import { ANSWERED, type Exchange, type Verdict } from './exchange.js';
import { identify, visibleApps } from './identify.js';
import { unknownAppPage } from './pages.js';
import { sendError } from './respond.js';

const FORWARD_AUTH_PATH = '/.latchkey/auth';

const answered = (work: Promise<void>): Promise<Verdict> => work.then(() => ANSWERED);

/**
 * The gateway's own answers on an app host: the 404 of a host no app answers, forward
 * auth, and the sign-in routes under `/.latchkey/`. Undefined for a request to the app.
 */
export function appHostEndpoint(
  ex: Exchange,
  slug: string,
  res: ServerResponse,
  deps: PassDeps,
): Verdict | Promise<Verdict> {
  const { app, req } = ex;
  const { path } = ex.forwarded;
  if (!app) return answered(unknownApp(ex, slug, res, deps));
  if (path === FORWARD_AUTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
    return answered(forwardAuth(ex, res, app, deps));
  }
  if (path.startsWith('/.latchkey/')) return answered(appAuthRoute(req, res, path, deps.auth, ex.ctx));
  return undefined;
}

/** A host no app answers: a 404 that lists only the apps the requester may open. */
async function unknownApp(ex: Exchange, slug: string, res: ServerResponse, deps: PassDeps): Promise<void> {
  const { req, snapshot, ctx } = ex;
  const who = await identify(req, snapshot, deps.auth, ctx, true);
  const apps = who.kind === 'user' ? visibleApps(snapshot.appList, who.identity) : undefined;
  const html = unknownAppPage(req.headers.host as string, apps, ctx.port);
  sendError(req, res, 'APP_UNKNOWN', `no app is called "${slug}"`, html);
}

/**
 * `GET /.latchkey/auth` for nginx `auth_request`, Caddy `forward_auth` and Traefik
 * `forwardAuth`: 200 with the identity headers, or 401/403 by the app's policy.
 */
async function forwardAuth(ex: Exchange, res: ServerResponse, app: App, deps: PassDeps): Promise<void> {
  const { req, snapshot, ctx } = ex;
  const access = await decideAccess(req, app, FORWARD_AUTH_PATH, snapshot, deps.auth, ctx);
  if (access.kind === 'allow') {
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-length': '0' };
    for (let i = 0; i < access.identityHeaders.length; i += 2) {
      headers[access.identityHeaders[i] as string] = access.identityHeaders[i + 1] as string;
    }
    res.writeHead(200, headers);
    res.end();
  } else if (access.kind === 'sign-in') {
    sendError(req, res, 'NOT_SIGNED_IN', 'this gateway needs a sign-in and the request carries none');
  } else {
    sendError(req, res, access.code, access.message);
  }
}
