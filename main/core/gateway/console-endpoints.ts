import type { ServerResponse } from 'node:http';
import type { GlobalConfigResponse } from '../../common/identn.js';
import type { Snapshot } from '../live-state.js';
import { EVENTS_PATH, serveEvents } from './api-events.js';
import { apiMethodFor, apiMethodsAt, serveApi } from './api-http.js';
import { consoleAuthRoute } from './auth-routes.js';
import type { PassDeps } from './deps.js';
import { ANSWERED, type Exchange, type Verdict } from './exchange.js';
import { identify, visibleApps } from './identify.js';
import { standing } from './live-streams.js';
import { appsPage } from './pages.js';
import { isNavigation, sendError, sendHtml, sendJson, sendMethodNotAllowed, wantsHtml } from './respond.js';
import { sendBuiltPage } from './static-pages.js';

const GLOBAL_CONFIG_PATH = '/api/v1/global/config';

export function globalConfig(snapshot: Snapshot, version: string, signupEnabled: boolean): GlobalConfigResponse {
  const { impersonation, tokenizer, apikey } = snapshot.identn;
  return {
    data: {
      identN: { impersonation, tokenizer, apikey },
      signup: { enabled: signupEnabled && tokenizer.enabled },
      version,
    },
  };
}

const answered = (work: Promise<void>): Promise<Verdict> => work.then(() => ANSWERED);

/**
 * The root host (`localhost`) and the console host (`latchkey.localhost`) are the
 * gateway's own: the public config, a redirect from the root to the console, and on the
 * console host its sign-in routes, the API and its events, and its home page.
 */
export function consoleHostEndpoint(ex: Exchange, res: ServerResponse, deps: PassDeps): Verdict | Promise<Verdict> {
  const { req, target, snapshot, ctx } = ex;
  const { path } = ex.forwarded;
  const method = req.method as string;
  const read = method === 'GET' || method === 'HEAD';
  if (path === GLOBAL_CONFIG_PATH && read) {
    sendJson(res, 200, globalConfig(snapshot, deps.version, deps.auth.signupRole !== undefined));
    return ANSWERED;
  }
  if (target.kind === 'root' && method === 'GET' && wantsHtml(req)) {
    res.writeHead(303, { location: `${ctx.consoleOrigin}/`, 'cache-control': 'no-store' });
    res.end();
    return ANSWERED;
  }
  if (target.kind === 'console') {
    if (path.startsWith('/.latchkey/')) return answered(consoleAuthRoute(req, res, path, deps.auth, ctx));
    if (deps.api) {
      if (path === EVENTS_PATH && method === 'GET') return answered(consoleEvents(ex, res, deps));
      const apiMethod = apiMethodFor(method, path);
      if (apiMethod) return answered(serveApi(req, res, apiMethod, deps.api, deps.auth, ctx));
    }
    if (path === '/' && read) return answered(consoleHome(ex, res, deps));
    const allowed = deps.api ? apiMethodsAt(path) : [];
    if (allowed.length > 0) {
      sendMethodNotAllowed(req, res, allowed);
      return ANSWERED;
    }
  }
  return { code: 'NOT_FOUND', message: `nothing at ${path}` };
}

/** The change feed for the console, as events (SPEC §8); it ends when the mode changes. */
function consoleEvents(ex: Exchange, res: ServerResponse, deps: PassDeps): Promise<void> {
  const modeOf = (s: Snapshot) => standing(s, { kind: 'allow', identity: undefined });
  return serveEvents(ex.req, res, {
    auth: deps.auth,
    feed: deps.feed,
    streams: deps.streams,
    ctx: ex.ctx,
    mode: modeOf(ex.snapshot),
    readmit: async () => {
      const again = await deps.readmit(ex);
      if (!again || again.target.kind !== 'console') return undefined;
      return { ctx: deps.hostContext(again.target, again.snapshot), mode: modeOf(again.snapshot) };
    },
  });
}

/**
 * The console host's home: the console app where it is built and has its API (it asks
 * the API who may do what); else the list of apps, for whoever may see them.
 */
async function consoleHome(ex: Exchange, res: ServerResponse, deps: PassDeps): Promise<void> {
  const { req, snapshot, ctx } = ex;
  const built = deps.api ? deps.pages.page('index.html') : undefined;
  if (built) return sendBuiltPage(res, built);
  const who = await identify(req, snapshot, deps.auth, ctx, false);
  if (who.kind === 'user') {
    sendHtml(res, 200, appsPage(visibleApps(snapshot.appList, who.identity), ctx.port));
  } else if (ctx.tokenizerOn && isNavigation(req)) {
    res.writeHead(303, { location: '/.latchkey/login?rd=%2F', 'cache-control': 'no-store' });
    res.end();
  } else {
    sendError(req, res, 'NOT_SIGNED_IN', 'sign in to see the apps');
  }
}
