import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../../common/apps.js';
import type { ErrorCode } from '../../common/errors.js';
import type { GlobalConfigResponse } from '../../common/identn.js';
import type { Snapshot } from '../state.js';
import type { Refusal } from './fetch-metadata.js';
import { isRefusal, whenAdmitted, type Admitted, type AdmissionDeps } from './admission.js';
import { forwardableHeaders } from './headers.js';
import { identityHeaders, type Identity } from './identity-headers.js';
import { appsPage, unknownAppPage } from './pages.js';
import { isReservedAppPath, normalizeTarget } from './paths.js';
import { proxyHttp } from './proxy-http.js';
import { proxyWebSocket } from './proxy-ws.js';
import { rawError, sendError, sendHtml, sendJson, wantsHtml } from './respond.js';
import { targetOf, type UpstreamPools } from './upstreams.js';
import { appAuthRoute, changePasswordRoute, consoleAuthRoute, startHandoff, type HostContext } from './auth-routes.js';
import { originOf, type HostTarget } from './hosts.js';
import { isNavigation, sessionOf, type AuthDeps } from './sign-in.js';
import type { StaticPages } from './static-pages.js';

/** Every Latchkey cookie, of this gateway or another on the same machine, starts so. */
export const COOKIE_PREFIX = 'latchkey_';
const GLOBAL_CONFIG_PATH = '/api/v1/global/config';

export interface RouterDeps extends AdmissionDeps {
  auth: AuthDeps;
  pages: StaticPages;
  pools: UpstreamPools;
  maxBodyBytes: number;
  version: string;
}

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

/** Who the request is, by the identN chain; undefined when nobody is signed in. */
async function identify(
  req: IncomingMessage,
  snapshot: Snapshot,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<Identity | undefined> {
  if (snapshot.identn.impersonation.enabled) {
    const { username, email, role } = snapshot.root;
    return { username, email, role };
  }
  if (snapshot.identn.tokenizer.enabled) {
    const signedIn = await sessionOf(req, auth, ctx.origin, ctx.port);
    if (signedIn) {
      const { username, email, role } = signedIn.user;
      return { username, email, role };
    }
  }
  return undefined;
}

/** The console host that goes with a host: `latchkey.` on the same base name. */
function hostContext(target: HostTarget, port: number, deps: RouterDeps, snapshot: Snapshot): HostContext {
  const base = target.kind === 'root' ? target.name : target.name.slice(target.name.indexOf('.') + 1);
  const consoleName = /^[\d[]/.test(base) ? 'latchkey.localhost' : `latchkey.${base}`;
  return {
    port,
    origin: originOf(target, port),
    consoleOrigin: originOf({ kind: 'console', name: consoleName }, port),
    baseNames: deps.baseNames,
    tokenizerOn: snapshot.identn.tokenizer.enabled,
    pages: deps.pages,
  };
}

function upstreamHeaders(req: IncomingMessage, app: App, identity: Identity): string[] {
  const host = req.headers.host as string;
  const headers = forwardableHeaders(req.rawHeaders, COOKIE_PREFIX);
  headers.push(
    'host',
    app.preserveHost ? host : targetOf(app).host,
    'x-forwarded-for',
    req.socket.remoteAddress ?? '',
    'x-forwarded-host',
    host,
    'x-forwarded-proto',
    'http',
    ...identityHeaders(identity, app.headers),
  );
  return headers;
}

/** Refusals on an upgrade socket, where there is no ServerResponse to answer with. */
function refuser(socket: Duplex) {
  return (status: number, reason: string, code: ErrorCode, message: string) =>
    socket.end(rawError(status, reason, code, message));
}

export function createRouter(deps: RouterDeps) {
  const notSignedIn = 'this gateway needs a sign-in and the request carries none';

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    whenAdmitted(req, false, deps, (admitted) => route(req, res, admitted));
  }

  /** Runs an async handler; an unexpected error is logged and answered, never thrown. */
  function settle(req: IncomingMessage, res: ServerResponse, work: Promise<void>): void {
    work.catch((error: unknown) => {
      deps.log.error(`request ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      sendError(req, res, 500, 'GATEWAY_UNAVAILABLE', 'Latchkey failed to answer this request');
    });
  }

  function route(req: IncomingMessage, res: ServerResponse, admitted: Admitted | Refusal): void {
    if (isRefusal(admitted)) {
      sendError(req, res, admitted.status, admitted.code, admitted.message);
      return;
    }
    const { target, snapshot, app } = admitted;
    const port = deps.port();
    const ctx = hostContext(target, port, deps, snapshot);
    const method = req.method as string;

    if (target.kind !== 'app') {
      const path = normalizeTarget(req.url as string).path;
      const read = method === 'GET' || method === 'HEAD';
      if (path === GLOBAL_CONFIG_PATH && read) {
        sendJson(res, 200, globalConfig(snapshot, deps.version, deps.auth.signupRole !== undefined));
      } else if (target.kind === 'root' && method === 'GET' && wantsHtml(req)) {
        res.writeHead(303, { location: `${ctx.consoleOrigin}/`, 'cache-control': 'no-store' });
        res.end();
      } else if (target.kind === 'console' && path.startsWith('/.latchkey/')) {
        settle(req, res, consoleAuthRoute(req, res, path, deps.auth, ctx));
      } else if (target.kind === 'console' && path === '/api/v1/account/password' && method === 'POST') {
        settle(req, res, changePasswordRoute(req, res, deps.auth, ctx));
      } else if (target.kind === 'console' && path === '/' && read) {
        settle(req, res, consoleHome(req, res, snapshot, ctx));
      } else {
        sendError(req, res, 404, 'NOT_FOUND', `nothing at ${path}`);
      }
      return;
    }

    if (!app) {
      const html = unknownAppPage(req.headers.host as string, snapshot.appList, port);
      sendError(req, res, 404, 'APP_UNKNOWN', `no app is called "${target.slug}"`, html);
      return;
    }
    const forwarded = normalizeTarget(req.url as string);
    if (forwarded.path.startsWith('/.latchkey/')) {
      settle(req, res, appAuthRoute(req, res, forwarded.path, deps.auth, ctx));
      return;
    }
    if (isReservedAppPath(forwarded.path)) {
      sendError(req, res, 404, 'RESERVED_PATH', `${forwarded.path} is reserved for Latchkey`);
      return;
    }
    settle(
      req,
      res,
      identify(req, snapshot, deps.auth, ctx).then((identity) => {
        if (!identity) {
          if (ctx.tokenizerOn && isNavigation(req)) startHandoff(req, res, ctx);
          else sendError(req, res, 401, 'NOT_SIGNED_IN', notSignedIn);
          return;
        }
        proxyHttp(req, res, {
          app,
          target: forwarded.path + forwarded.query,
          upstream: targetOf(app),
          headers: upstreamHeaders(req, app, identity),
          pools: deps.pools,
          maxBodyBytes: deps.maxBodyBytes,
          cookiePrefix: COOKIE_PREFIX,
        });
      }),
    );
  }

  /** The console host's home: the apps, for whoever may see them. */
  async function consoleHome(req: IncomingMessage, res: ServerResponse, snapshot: Snapshot, ctx: HostContext) {
    if (await identify(req, snapshot, deps.auth, ctx)) {
      sendHtml(res, 200, appsPage(snapshot.appList, ctx.port));
    } else if (ctx.tokenizerOn && isNavigation(req)) {
      res.writeHead(303, { location: '/.latchkey/login?rd=%2F', 'cache-control': 'no-store' });
      res.end();
    } else {
      sendError(req, res, 401, 'NOT_SIGNED_IN', notSignedIn);
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = refuser(socket);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuse(400, 'Bad Request', 'UPGRADE_REFUSED', 'only WebSocket upgrades are served');
      return;
    }
    socket.pause();
    whenAdmitted(req, true, deps, (admitted) => routeUpgrade(req, socket, head, admitted));
  }

  function routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, admitted: Admitted | Refusal): void {
    const refuse = refuser(socket);
    if (isRefusal(admitted)) {
      const reason =
        admitted.status === 400 ? 'Bad Request' : admitted.status === 421 ? 'Misdirected Request' : 'Forbidden';
      refuse(admitted.status, reason, admitted.code, admitted.message);
      return;
    }
    const { app, snapshot } = admitted;
    if (!app) {
      refuse(404, 'Not Found', 'APP_UNKNOWN', 'no app serves WebSockets at this host');
      return;
    }
    const forwarded = normalizeTarget(req.url as string);
    if (isReservedAppPath(forwarded.path)) {
      refuse(404, 'Not Found', 'RESERVED_PATH', `${forwarded.path} is reserved for Latchkey`);
      return;
    }
    const ctx = hostContext(admitted.target, deps.port(), deps, snapshot);
    identify(req, snapshot, deps.auth, ctx).then(
      (identity) => {
        if (!identity) return refuse(401, 'Unauthorized', 'NOT_SIGNED_IN', notSignedIn);
        const headers = upstreamHeaders(req, app, identity);
        proxyWebSocket(socket, head, targetOf(app), forwarded.path + forwarded.query, headers, COOKIE_PREFIX);
      },
      () => socket.destroy(),
    );
  }

  return { onRequest, onUpgrade };
}
