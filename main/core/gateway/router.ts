import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { App } from '../../common/apps.js';
import type { ErrorCode } from '../../common/errors.js';
import type { GlobalConfigResponse } from '../../common/identn.js';
import type { ApiMethod } from '../../common/api.js';
import { EVENTS_PATH, serveEvents } from '../api/events.js';
import { apiMethodFor, serveApi } from '../api/http.js';
import type { ChangeFeed } from '../feed.js';
import { storeError } from '../db/errors.js';
import type { ConsoleApi } from '../api/service.js';
import type { Snapshot } from '../state.js';
import { admission, admitConnection, isRefusal, whenAdmitted, type Admitted, type AdmissionDeps } from './admission.js';
import { decide, decideAccess } from './app-access.js';
import { appAuthRoute, consoleAuthRoute, startHandoff, type HostContext } from './auth-routes.js';
import type { Refusal } from './fetch-metadata.js';
import { COOKIE_PREFIX } from './cookies.js';
import { upstreamHeaders } from './headers.js';
import { originOf, type HostTarget } from './hosts.js';
import { identify, visibleApps } from './identify.js';
import { standing, type LiveStreams } from './live-streams.js';
import { appsPage, unknownAppPage } from './pages.js';
import { isReservedAppPath, normalizeTarget } from './paths.js';
import { proxyHttp } from './proxy-http.js';
import { GOING_AWAY, POLICY_VIOLATION, proxyWebSocket } from './proxy-ws.js';
import { rawError, sendError, sendHtml, sendJson, wantsHtml } from './respond.js';
import { isNavigation, type AuthDeps } from './sign-in.js';
import { sendBuiltPage, type StaticPages } from './static-pages.js';
import { targetOf, type UpstreamPools, type UpstreamTarget } from './upstreams.js';
import type { Launcher } from '../launcher/launcher.js';
import { launchedUpgradeTarget, launchedUpstream } from './launched.js';

const GLOBAL_CONFIG_PATH = '/api/v1/global/config';
const JWKS_PATH = '/.well-known/latchkey/jwks.json';
const FORWARD_AUTH_PATH = '/.latchkey/auth';

export interface RouterDeps extends AdmissionDeps {
  auth: AuthDeps;
  /** The console API over HTTP; undefined where the control plane has no HTTP route. */
  api: ConsoleApi | undefined;
  pages: StaticPages;
  pools: UpstreamPools;
  maxBodyBytes: number;
  version: string;
  /** Open WebSockets and streaming responses, decided again while they last. */
  streams: LiveStreams;
  /** What changed, served as events to the console where the API is served. */
  feed: ChangeFeed;
  /** Runs the apps that carry a run definition; undefined where nothing is run. */
  launcher?: Launcher | undefined;
  /** How long a request waits for an app that is starting. */
  upstreamTimeoutMs?: number;
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
    impersonation: snapshot.identn.impersonation.enabled,
    pages: deps.pages,
    controlPlane: deps.api !== undefined,
  };
}

/** Refusals on an upgrade socket, where there is no ServerResponse to answer with. */
function refuser(socket: Duplex) {
  return (status: number, reason: string, code: ErrorCode, message: string) =>
    socket.end(rawError(status, reason, code, message));
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  421: 'Misdirected Request',
  503: 'Service Unavailable',
};

export function createRouter(deps: RouterDeps) {
  /** Runs an async handler; an unexpected error is logged and answered, never thrown. */
  function settle(req: IncomingMessage, res: ServerResponse, work: Promise<void>): void {
    work.catch((error: unknown) => {
      // The store failing (busy, full, read-only, damaged) is "not now": 503, never 500.
      const store = storeError(error);
      if (store) {
        deps.log.warn(`request ${req.method} ${req.url}: ${store.message}`);
        if (!res.headersSent) res.setHeader('retry-after', String(store.retryAfter ?? 1));
        sendError(req, res, 503, store.code, store.message);
        return;
      }
      deps.log.error(`request ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      sendError(req, res, 500, 'GATEWAY_UNAVAILABLE', 'Latchkey failed to answer this request');
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    whenAdmitted(req, false, deps, (admitted) => route(req, res, admitted));
  }

  function route(req: IncomingMessage, res: ServerResponse, admitted: Admitted | Refusal): void {
    if (isRefusal(admitted)) {
      sendError(req, res, admitted.status, admitted.code, admitted.message);
      return;
    }
    const { target, snapshot, app } = admitted;
    const ctx = hostContext(target, deps.port(), deps, snapshot);
    const method = req.method as string;
    const forwarded = normalizeTarget(req.url as string);
    const path = forwarded.path;
    const read = method === 'GET' || method === 'HEAD';

    if (path === JWKS_PATH && read) {
      sendJson(res, 200, deps.auth.signer.jwks(), { 'cache-control': 'public, max-age=300' });
      return;
    }
    if (target.kind !== 'app') {
      if (path === GLOBAL_CONFIG_PATH && read) {
        sendJson(res, 200, globalConfig(snapshot, deps.version, deps.auth.signupRole !== undefined));
      } else if (target.kind === 'root' && method === 'GET' && wantsHtml(req)) {
        res.writeHead(303, { location: `${ctx.consoleOrigin}/`, 'cache-control': 'no-store' });
        res.end();
      } else if (target.kind === 'console' && path.startsWith('/.latchkey/')) {
        settle(req, res, consoleAuthRoute(req, res, path, deps.auth, ctx));
      } else if (target.kind === 'console' && deps.api && path === EVENTS_PATH && method === 'GET') {
        settle(req, res, consoleEvents(req, res, snapshot, ctx));
      } else if (target.kind === 'console' && deps.api && apiMethodFor(method, path)) {
        settle(req, res, serveApi(req, res, apiMethodFor(method, path) as ApiMethod, deps.api, deps.auth, ctx));
      } else if (target.kind === 'console' && path === '/' && read) {
        settle(req, res, consoleHome(req, res, snapshot, ctx));
      } else {
        sendError(req, res, 404, 'NOT_FOUND', `nothing at ${path}`);
      }
      return;
    }

    if (!app) {
      settle(req, res, unknownApp(req, res, target.slug, snapshot, ctx));
      return;
    }
    if (path === FORWARD_AUTH_PATH && read) {
      settle(req, res, forwardAuth(req, res, app, snapshot, ctx));
      return;
    }
    if (path.startsWith('/.latchkey/')) {
      settle(req, res, appAuthRoute(req, res, path, deps.auth, ctx));
      return;
    }
    if (isReservedAppPath(path)) {
      sendError(req, res, 404, 'RESERVED_PATH', `${path} is reserved for Latchkey`);
      return;
    }
    settle(req, res, serveApp(req, res, app, snapshot, ctx, forwarded));
  }

  async function serveApp(
    req: IncomingMessage,
    res: ServerResponse,
    app: App,
    snapshot: Snapshot,
    ctx: HostContext,
    forwarded: { path: string; query: string },
  ): Promise<void> {
    const access = await decideAccess(req, app, forwarded.path, snapshot, deps.auth, ctx);
    if (access.kind === 'sign-in') return startHandoff(req, res, ctx);
    if (access.kind === 'refuse') return sendError(req, res, access.status, access.code, access.message, access.html);
    const upstream = await upstreamOf(app, req, res);
    if (!upstream) return;
    // A client gone while the decision was made has nothing left to watch.
    if (!res.destroyed) {
      const admittedAs = standing(snapshot, access);
      const release = deps.streams.add({
        stillAllowed: () => stillAllowed(req, false, app.slug, forwarded.path, admittedAs),
        // Ends the response mid-stream; the upstream request is aborted with it.
        close: () => res.destroy(),
      });
      res.once('close', release);
    }
    proxyHttp(req, res, {
      app,
      target: forwarded.path + forwarded.query,
      upstream,
      headers: upstreamHeaders(req, app, upstream, access.identityHeaders),
      pools: deps.pools,
      maxBodyBytes: deps.maxBodyBytes,
      cookiePrefix: COOKIE_PREFIX,
    });
  }

  /** The change feed for the console, as events (SPEC §8); it ends when the mode changes. */
  function consoleEvents(req: IncomingMessage, res: ServerResponse, snapshot: Snapshot, ctx: HostContext) {
    const modeOf = (s: Snapshot) => standing(s, { kind: 'allow', identity: undefined });
    return serveEvents(req, res, {
      auth: deps.auth,
      feed: deps.feed,
      streams: deps.streams,
      ctx,
      mode: modeOf(snapshot),
      readmit: async () => {
        const again = await admission(req, false, deps);
        if (isRefusal(again) || again.target.kind !== 'console') return undefined;
        return { ctx: hostContext(again.target, deps.port(), deps, again.snapshot), mode: modeOf(again.snapshot) };
      },
    });
  }

  /** An app's fixed upstream, or where the launcher runs it (starting it if need be). */
  async function upstreamOf(app: App, req: IncomingMessage, res: ServerResponse) {
    if (!app.run) return targetOf(app);
    if (!deps.launcher) {
      sendError(req, res, 503, 'APP_NOT_RUNNING', `${app.name} is run by Latchkey, and nothing runs it here`);
      return undefined;
    }
    return launchedUpstream(req, res, app, deps.launcher, deps.upstreamTimeoutMs ?? 60_000);
  }

  /** A host no app answers: a 404 that lists only the apps the requester may open. */
  async function unknownApp(
    req: IncomingMessage,
    res: ServerResponse,
    slug: string,
    snapshot: Snapshot,
    ctx: HostContext,
  ) {
    const who = await identify(req, snapshot, deps.auth, ctx, true);
    const apps = who.kind === 'user' ? visibleApps(snapshot.appList, who.identity) : undefined;
    const html = unknownAppPage(req.headers.host as string, apps, ctx.port);
    sendError(req, res, 404, 'APP_UNKNOWN', `no app is called "${slug}"`, html);
  }

  /**
   * `GET /.latchkey/auth` for nginx `auth_request`, Caddy `forward_auth` and Traefik
   * `forwardAuth`: 200 with the identity headers, or 401/403 by the app's policy.
   */
  async function forwardAuth(
    req: IncomingMessage,
    res: ServerResponse,
    app: App,
    snapshot: Snapshot,
    ctx: HostContext,
  ) {
    const access = await decideAccess(req, app, FORWARD_AUTH_PATH, snapshot, deps.auth, ctx);
    if (access.kind === 'allow') {
      const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-length': '0' };
      for (let i = 0; i < access.identityHeaders.length; i += 2) {
        headers[access.identityHeaders[i] as string] = access.identityHeaders[i + 1] as string;
      }
      res.writeHead(200, headers);
      res.end();
    } else if (access.kind === 'sign-in') {
      sendError(req, res, 401, 'NOT_SIGNED_IN', 'this gateway needs a sign-in and the request carries none');
    } else {
      sendError(req, res, access.status, access.code, access.message);
    }
  }

  /**
   * The console host's home: the console app where it is built and has its API (it asks
   * the API who may do what); else the list of apps, for whoever may see them.
   */
  async function consoleHome(req: IncomingMessage, res: ServerResponse, snapshot: Snapshot, ctx: HostContext) {
    const built = deps.api ? deps.pages.page('index.html') : undefined;
    if (built) return sendBuiltPage(res, built);
    const who = await identify(req, snapshot, deps.auth, ctx, false);
    if (who.kind === 'user') {
      sendHtml(res, 200, appsPage(visibleApps(snapshot.appList, who.identity), ctx.port));
    } else if (ctx.tokenizerOn && isNavigation(req)) {
      res.writeHead(303, { location: '/.latchkey/login?rd=%2F', 'cache-control': 'no-store' });
      res.end();
    } else {
      sendError(req, res, 401, 'NOT_SIGNED_IN', 'sign in to see the apps');
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuser(socket)(400, 'Bad Request', 'UPGRADE_REFUSED', 'only WebSocket upgrades are served');
      return;
    }
    socket.pause();
    whenAdmitted(req, true, deps, (admitted) => {
      routeUpgrade(req, socket, head, admitted).catch(() => socket.destroy());
    });
  }

  async function routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, admitted: Admitted | Refusal) {
    const refuse = refuser(socket);
    if (isRefusal(admitted)) {
      return refuse(admitted.status, REASONS[admitted.status] ?? 'Forbidden', admitted.code, admitted.message);
    }
    const { app, snapshot } = admitted;
    if (!app) return refuse(404, 'Not Found', 'APP_UNKNOWN', 'no app serves WebSockets at this host');
    const forwarded = normalizeTarget(req.url as string);
    if (isReservedAppPath(forwarded.path)) {
      return refuse(404, 'Not Found', 'RESERVED_PATH', `${forwarded.path} is reserved for Latchkey`);
    }
    const ctx = hostContext(admitted.target, deps.port(), deps, snapshot);
    const access = await decideAccess(req, app, forwarded.path, snapshot, deps.auth, ctx);
    if (access.kind === 'sign-in') {
      return refuse(401, 'Unauthorized', 'NOT_SIGNED_IN', 'this gateway needs a sign-in and the request carries none');
    }
    if (access.kind === 'refuse') {
      return refuse(access.status, REASONS[access.status] ?? 'Forbidden', access.code, access.message);
    }
    let upstream: UpstreamTarget | undefined = app.run ? undefined : targetOf(app);
    if (app.run && deps.launcher) {
      upstream = await launchedUpgradeTarget(socket, app, deps.launcher, deps.upstreamTimeoutMs ?? 60_000);
      if (!upstream) return;
    }
    if (!upstream) return refuse(503, 'Service Unavailable', 'APP_NOT_RUNNING', `${app.name} is not running`);
    const headers = upstreamHeaders(req, app, upstream, access.identityHeaders);
    const end = proxyWebSocket(socket, head, upstream, forwarded.path + forwarded.query, headers, COOKIE_PREFIX);
    // Watched from the handshake on: an upstream may also decline to switch and stream
    // its answer instead, which must not outlive the identity either.
    if (socket.destroyed) return;
    const admittedAs = standing(snapshot, access);
    const release = deps.streams.add({
      stillAllowed: () => stillAllowed(req, true, app.slug, forwarded.path, admittedAs),
      close: (why) =>
        why === 'gateway-stopping'
          ? end(GOING_AWAY, 'Latchkey is stopping')
          : end(POLICY_VIOLATION, 'the identity or mode this socket was opened with has ended'),
    });
    socket.once('close', release);
  }

  /**
   * The decision for an open stream, taken again from its request as on arrival: the same
   * passes (host, state, mode, peer, browser rules), the same app, the same access
   * decision. True only while it lets the stream in with the identity and mode it had.
   */
  async function stillAllowed(
    req: IncomingMessage,
    isUpgrade: boolean,
    slug: string,
    path: string,
    admittedAs: string,
  ): Promise<boolean> {
    const admitted = await admission(req, isUpgrade, deps);
    if (isRefusal(admitted) || admitted.target.kind !== 'app' || admitted.app?.slug !== slug) return false;
    const { snapshot, app } = admitted;
    const ctx = hostContext(admitted.target, deps.port(), deps, snapshot);
    const decision = await decide(req, app, path, snapshot, deps.auth, ctx, { peek: true });
    return decision.kind === 'allow' && standing(snapshot, decision) === admittedAs;
  }

  return { onConnection: (socket: Socket) => admitConnection(socket, deps), onRequest, onUpgrade };
}
