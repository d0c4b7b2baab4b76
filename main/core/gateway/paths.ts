/**
 * The path an app is asked for, normalized the way its server would read it: `%2e` as
 * `.`, then dot-segments resolved (RFC 3986 §5.2.4). Routing decisions are made on this
 * path and this is the path forwarded, so `/x/../.latchkey/` cannot mean one thing to the
 * gateway and another to the app (Envoy CVE-2019-9901).
 */
export function normalizeTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  const decoded = rawPath.replace(/%2e/gi, '.');
  const segments = decoded.split('/');
  if (!segments.some((s) => s === '.' || s === '..')) return { path: decoded, query };
  const out: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..' && out.length > 1) out.pop();
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  });
  return { path: out.join('/') || '/', query };
}

/** More layers of percent-encoding than any server undoes is itself a sign of an attack. */
const MAX_DECODINGS = 4;
/**
 * What a server may take for structure once decoded: `/` and `\` (separators), `;` (path
 * parameters: Tomcat and Jetty read `/a/..;/b` as `/b`), `?` and `#` (end of the path),
 * anything outside printable ASCII (NUL, controls, spaces that Windows trims, and Unicode
 * look-alikes such as a fullwidth solidus that NFKC turns into `/`).
 */
const STRUCTURE_AFTER_DECODING = /[\\;?#]|[^\x21-\x7e]/;
const ENCODED_STRUCTURE = /%(?:2f|5c|3b|3f|23)|%u/i;

function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => /^\.+$/.test(segment));
}

/**
 * Whether no upstream could read this (normalized) path as another one. A per-path
 * exception (a public path) is granted only then: `/healthz/..%2fadmin` is under
 * `/healthz` to the gateway but `/admin` to a server that decodes `%2f` (Envoy
 * CVE-2019-9901, oauth2-proxy CVE-2025-54576). Refused, at every layer of percent-decoding
 * up to MAX_DECODINGS: an encoded or raw `\`, an encoded `/`, `;`, `?` or `#`, IIS's `%u`
 * form, a dot-segment, anything outside printable ASCII, and anything that does not decode
 * as UTF-8 (overlong forms such as `%c0%af`, which lenient decoders read as `/`).
 */
export function isUnambiguousPath(path: string): boolean {
  let layer = path;
  for (let decodings = 0; ; decodings += 1) {
    if (STRUCTURE_AFTER_DECODING.test(layer) || hasDotSegment(layer)) return false;
    if (!layer.includes('%')) return true;
    if (ENCODED_STRUCTURE.test(layer) || decodings === MAX_DECODINGS) return false;
    try {
      layer = decodeURIComponent(layer);
    } catch {
      return false;
    }
  }
}

const RESERVED_APP_PATHS = ['/.latchkey/', '/.well-known/latchkey/'];

/** Paths on an app host that are Latchkey's, never the app's (SPEC §0). */
export function isReservedAppPath(path: string): boolean {
  const lower = path.toLowerCase();
  return RESERVED_APP_PATHS.some((p) => lower.startsWith(p) || lower === p.slice(0, -1));
}
