import { appHostEndpoint } from './app-endpoints.js';
import { consoleHostEndpoint } from './console-endpoints.js';
import type { PassDeps } from './deps.js';
import { ANSWERED, type Exchange, type Pass, type Verdict } from './exchange.js';
import { isReservedAppPath, normalizeTarget } from './paths.js';
import { sendJson } from './respond.js';

const JWKS_PATH = '/.well-known/latchkey/jwks.json';

/** The gateway's own answers over HTTP: on every host, then by the kind of host. */
function gatewayEndpoint(ex: Exchange, deps: PassDeps): Verdict | Promise<Verdict> {
  if (ex.protocol.kind !== 'http') return undefined;
  const { res } = ex.protocol;
  const method = ex.req.method;
  if (ex.forwarded.path === JWKS_PATH && (method === 'GET' || method === 'HEAD')) {
    sendJson(res, 200, deps.auth.signer.jwks(), { 'cache-control': 'public, max-age=300' });
    return ANSWERED;
  }
  const { target } = ex;
  if (target.kind !== 'app') return consoleHostEndpoint(ex, res, deps);
  return appHostEndpoint(ex, target.slug, res, deps);
}

/**
 * Where the request goes: one of the gateway's own endpoints (HTTP only: the console and
 * root hosts, the sign-in routes and forward auth on app hosts, the 404 of an unknown app),
 * else an app, never on a path reserved for Latchkey (SPEC §0). The path routed on is the
 * normalized one, which is also the one forwarded.
 */
export const routePass: Pass<PassDeps> = {
  name: 'route',
  run(ex, deps) {
    ex.ctx = deps.hostContext(ex.target, ex.snapshot);
    ex.forwarded = normalizeTarget(ex.req.url as string);
    const own = gatewayEndpoint(ex, deps);
    if (own !== undefined) return own;
    // Over HTTP every host without an app was answered above.
    if (!ex.app) return { code: 'APP_UNKNOWN', message: 'no app serves WebSockets at this host' };
    const { path } = ex.forwarded;
    if (isReservedAppPath(path)) return { code: 'RESERVED_PATH', message: `${path} is reserved for Latchkey` };
    ex.routed = ex.app;
    return undefined;
  },
};
