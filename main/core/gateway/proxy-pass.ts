import type { ServerResponse } from 'node:http';
import type { App } from '../../common/apps.js';
import { COOKIE_PREFIX } from './cookies.js';
import type { PassDeps } from './deps.js';
import { ANSWERED, type Exchange, type Pass, type Protocol, type Verdict } from './exchange.js';
import type { Refusal } from './fetch-metadata.js';
import { upstreamHeaders } from './headers.js';
import { assertedHeaders } from './identify.js';
import { launchedUpgradeTarget, launchedUpstream } from './launched.js';
import { proxyHttp } from './proxy-http.js';
import { GOING_AWAY, POLICY_VIOLATION, proxyWebSocket } from './proxy-ws.js';
import { stillAdmitted, watchStream } from './stream-watch.js';
import { targetOf, type UpstreamTarget } from './upstreams.js';

/** How long a request waits for an app that is starting, unless the gateway says otherwise. */
const UPSTREAM_TIMEOUT_MS = 60_000;

/**
 * Whether the requester is an Admin acting as itself: only it is told what the console
 * keeps for Admins (an app's address, its log), in the answer for an app that fails.
 */
function isAdminAsItself(ex: Exchange): boolean {
  const { identity } = ex.access;
  return identity?.role === 'Admin' && identity.viewer === undefined;
}

/**
 * A request that waited for its app to start was decided on arrival; up to the upstream
 * timeout later, a token may be revoked, a user disabled, a policy changed. It goes on
 * only if it is still let in as it was; sent again, it gets the answer of now.
 */
const ENDED_WHILE_STARTING: Refusal = {
  code: 'FORBIDDEN',
  message: 'the access this request came with ended while the app was starting; send it again',
};

function isRunning(app: App, deps: PassDeps): boolean {
  return deps.launcher?.status(app.slug)?.state === 'running';
}

function notRunHere(app: App): Refusal {
  return { code: 'APP_NOT_RUNNING', message: `${app.name} is run by Latchkey, and nothing runs it here` };
}

/**
 * The last pass: the identity asserted, the upstream found (an app Latchkey runs is
 * started if need be), then the request proxied or the socket relayed, and the stream
 * watched while it lasts so that it ends with the identity or mode it was let in with.
 */
export const proxyPass: Pass<PassDeps> = {
  name: 'proxy',
  async run(ex, deps) {
    const { identity } = ex.access;
    const identityHeaders = identity ? await assertedHeaders(identity, ex.routed, deps.auth, ex.ctx) : [];
    if (ex.protocol.kind === 'http') return proxyRequest(ex, ex.protocol.res, identityHeaders, deps);
    return relaySocket(ex, ex.protocol, identityHeaders, deps);
  },
};

async function proxyRequest(
  ex: Exchange,
  res: ServerResponse,
  identityHeaders: string[],
  deps: PassDeps,
): Promise<Verdict> {
  const { req, routed: app, forwarded } = ex;
  let upstream: UpstreamTarget | undefined;
  if (!app.run) upstream = targetOf(app);
  else if (!deps.launcher) return notRunHere(app);
  else {
    const waitMs = deps.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS;
    const waited = !isRunning(app, deps);
    upstream = await launchedUpstream(req, res, app, deps.launcher, waitMs, isAdminAsItself(ex));
    if (upstream && waited && !(await stillAdmitted(ex, deps))) return ENDED_WHILE_STARTING;
  }
  // Else the launcher has answered: the app is starting or failed to.
  if (!upstream) return ANSWERED;
  // A client gone while the decision was made has nothing left to watch.
  if (!res.destroyed) {
    // Ends the response mid-stream; the upstream request is aborted with it.
    const release = watchStream(ex, deps, () => res.destroy());
    res.once('close', release);
  }
  proxyHttp(req, res, {
    app,
    target: forwarded.path + forwarded.query,
    upstream,
    headers: upstreamHeaders(req, app, upstream, identityHeaders),
    pools: deps.pools,
    maxBodyBytes: deps.maxBodyBytes,
    cookiePrefix: COOKIE_PREFIX,
    showUpstream: isAdminAsItself(ex),
  });
  return ANSWERED;
}

async function relaySocket(
  ex: Exchange,
  { socket, head }: Extract<Protocol, { kind: 'upgrade' }>,
  identityHeaders: string[],
  deps: PassDeps,
): Promise<Verdict> {
  const { req, routed: app, forwarded } = ex;
  let upstream: UpstreamTarget | undefined;
  if (!app.run) upstream = targetOf(app);
  else if (!deps.launcher) return notRunHere(app);
  else {
    const waited = !isRunning(app, deps);
    upstream = await launchedUpgradeTarget(socket, app, deps.launcher, deps.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS);
    if (upstream && waited && !(await stillAdmitted(ex, deps))) return ENDED_WHILE_STARTING;
  }
  if (!upstream) return ANSWERED;
  const headers = upstreamHeaders(req, app, upstream, identityHeaders);
  const end = proxyWebSocket(socket, head, upstream, forwarded.path + forwarded.query, headers, COOKIE_PREFIX);
  // Watched from the handshake on: an upstream may also decline to switch and stream
  // its answer instead, which must not outlive the identity either.
  if (socket.destroyed) return ANSWERED;
  const release = watchStream(ex, deps, (why) =>
    why === 'gateway-stopping'
      ? end(GOING_AWAY, 'Latchkey is stopping')
      : end(POLICY_VIOLATION, 'the identity or mode this socket was opened with has ended'),
  );
  socket.once('close', release);
  return ANSWERED;
}
