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

/** Every Latchkey cookie, of this gateway or another on the same machine, starts so. */
export const COOKIE_PREFIX = 'latchkey_';
const GLOBAL_CONFIG_PATH = '/api/v1/global/config';

export interface RouterDeps extends AdmissionDeps {
  pools: UpstreamPools;
  maxBodyBytes: number;
  version: string;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function globalConfig(snapshot: Snapshot, version: string): GlobalConfigResponse {
  const { impersonation, tokenizer, apikey } = snapshot.identn;
  return { data: { identN: { impersonation, tokenizer, apikey }, version } };
}

/** Who the request is, by the identN chain; undefined when nobody is signed in. */
function identify(snapshot: Snapshot): Identity | undefined {
  if (snapshot.identn.impersonation.enabled) {
    const { username, email, role } = snapshot.root;
    return { username, email, role };
  }
  return undefined;
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

  function route(req: IncomingMessage, res: ServerResponse, admitted: Admitted | Refusal): void {
    if (isRefusal(admitted)) {
      sendError(req, res, admitted.status, admitted.code, admitted.message);
      return;
    }
    const { target, snapshot, app } = admitted;
    const path = pathOf(req.url as string);
    const method = req.method as string;

    if (target.kind !== 'app') {
      if (path === GLOBAL_CONFIG_PATH && (method === 'GET' || method === 'HEAD')) {
        sendJson(res, 200, globalConfig(snapshot, deps.version));
      } else if (target.kind === 'root' && method === 'GET' && wantsHtml(req)) {
        res.writeHead(303, { location: `http://latchkey.localhost:${deps.port()}/`, 'cache-control': 'no-store' });
        res.end();
      } else if (target.kind === 'console' && path === '/' && (method === 'GET' || method === 'HEAD')) {
        sendHtml(res, 200, appsPage(snapshot.appList, deps.port()));
      } else {
        sendError(req, res, 404, 'NOT_FOUND', `nothing at ${path}`);
      }
      return;
    }

    if (!app) {
      const html = unknownAppPage(req.headers.host as string, snapshot.appList, deps.port());
      sendError(req, res, 404, 'APP_UNKNOWN', `no app is called "${target.slug}"`, html);
      return;
    }
    const forwarded = normalizeTarget(req.url as string);
    if (isReservedAppPath(forwarded.path)) {
      sendError(req, res, 404, 'RESERVED_PATH', `${forwarded.path} is reserved for Latchkey`);
      return;
    }
    const identity = identify(snapshot);
    if (!identity) {
      sendError(req, res, 401, 'NOT_SIGNED_IN', notSignedIn);
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
    const identity = identify(snapshot);
    if (!identity) {
      refuse(401, 'Unauthorized', 'NOT_SIGNED_IN', notSignedIn);
      return;
    }
    const headers = upstreamHeaders(req, app, identity);
    proxyWebSocket(socket, head, targetOf(app), forwarded.path + forwarded.query, headers, COOKIE_PREFIX);
  }

  return { onRequest, onUpgrade };
}
