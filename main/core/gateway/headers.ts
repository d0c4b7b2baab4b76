import type { IncomingMessage } from 'node:http';
import type { App } from '../../common/apps.js';
import { COOKIE_PREFIX } from './cookies.js';
import type { UpstreamTarget } from './upstreams.js';

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
  // undici re-frames the body itself and has no 100-continue support.
  'expect',
  // Set by the gateway from its own knowledge of the request.
  'host',
]);

/**
 * Names only the gateway may set: every identity header of every preset, the forwarding
 * headers it rebuilds, and its own. Compared after normalizing, so `X_Forwarded_User`,
 * `x.forwarded.user` and `X-FORWARDED-USER` are one name (oauth2-proxy
 * GHSA-vjrc-mh2v-45x6, Traefik GHSA-rf44-j88r-hh8c).
 */
const RESERVED_PREFIXES = ['x-forwarded-', 'x-latchkey-', 'x-webauth-', 'remote-', 'x-auth-request-', 'x-remote-'];
const RESERVED_NAMES = new Set(['forwarded', 'x-real-ip', 'x-original-url', 'x-original-uri', 'x-rewrite-url']);

export function normalizeHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') || lower.includes('.') ? lower.replace(/[_.]/g, '-') : lower;
}

export function isReservedHeader(normalized: string): boolean {
  return RESERVED_NAMES.has(normalized) || RESERVED_PREFIXES.some((p) => normalized.startsWith(p));
}

/** Counts raw header lines by name: Node's `req.headers` keeps only the first Host. */
export function countHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === lowerName) count += 1;
  }
  return count;
}

function connectionTokens(rawHeaders: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] as string).split(',')) {
      const name = normalizeHeaderName(token.trim());
      if (name) (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

/** Removes the gateway's own cookies (`latchkey_<port>…`) so they never reach an app. */
export function stripGatewayCookies(cookieHeader: string, cookiePrefix: string): string {
  if (!cookieHeader.includes(cookiePrefix)) return cookieHeader;
  return cookieHeader
    .split(';')
    .filter((pair) => !pair.trim().startsWith(cookiePrefix))
    .join(';')
    .trim();
}

/** Latchkey's own token schemes (SPEC §5); any other Authorization belongs to the app. */
const LATCHKEY_AUTHORIZATION = /^\s*(?:bearer\s+latchkey-|latchkey\s)/i;

/**
 * The client's headers as a flat [name, value, …] list fit to forward: hop-by-hop and
 * Connection-named headers, and every reserved name in every spelling, removed. The
 * gateway adds its own forwarding and identity headers after this, so a client cannot
 * remove them by naming them in Connection (Traefik CVE-2024-45410).
 */
export function forwardableHeaders(rawHeaders: readonly string[], cookiePrefix: string): string[] {
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const normalized = normalizeHeaderName(name);
    if (HOP_BY_HOP.has(normalized) || isReservedHeader(normalized) || named?.has(normalized)) continue;
    let value = rawHeaders[i + 1] as string;
    if (normalized === 'authorization' && LATCHKEY_AUTHORIZATION.test(value)) continue;
    if (normalized === 'cookie') {
      value = stripGatewayCookies(value, cookiePrefix);
      if (value === '') continue;
    }
    out.push(name, value);
  }
  return out;
}

const RESPONSE_DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  // The gateway grants no CORS, and an upstream must not open it either (SPEC §7).
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
  'access-control-allow-private-network',
]);

/**
 * Whether a Set-Cookie line would set a Latchkey cookie. The name is what precedes the
 * first `=`; a nameless cookie (`=latchkey_7780=x`) is sent back by browsers as
 * `latchkey_7780=x`, so nameless cookies are refused too.
 */
export function setsGatewayCookie(setCookie: string, cookiePrefix: string): boolean {
  const pair = setCookie.split(';', 1)[0] ?? '';
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? '' : pair.slice(0, eq)).trim().toLowerCase();
  return name === '' || name.startsWith(cookiePrefix.toLowerCase());
}

/**
 * An upstream's response headers fit to send to the browser: no hop-by-hop or CORS
 * headers, and no Set-Cookie for a Latchkey cookie name.
 */
export function forwardableResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  cookiePrefix: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',') : [];
  const droppedByConnection = new Set(named.map((t) => t.trim()).filter(Boolean));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || RESPONSE_DROPPED.has(name) || droppedByConnection.has(name)) continue;
    if (name === 'set-cookie') {
      const kept = (Array.isArray(value) ? value : [value]).filter((c) => !setsGatewayCookie(c, cookiePrefix));
      if (kept.length > 0) out[name] = kept;
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** The client's headers made fit to forward, then the gateway's own, identity last. */
export function upstreamHeaders(
  req: IncomingMessage,
  app: App,
  upstream: UpstreamTarget,
  identityHeaders: string[],
): string[] {
  const host = req.headers.host as string;
  const headers = forwardableHeaders(req.rawHeaders, COOKIE_PREFIX);
  headers.push(
    'host',
    app.preserveHost ? host : upstream.host,
    'x-forwarded-for',
    req.socket.remoteAddress ?? '',
    'x-forwarded-host',
    host,
    'x-forwarded-proto',
    'http',
    ...identityHeaders,
  );
  return headers;
}
