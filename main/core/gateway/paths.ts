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

const RESERVED_APP_PATHS = ['/.latchkey/', '/.well-known/latchkey/'];

/** Paths on an app host that are Latchkey's, never the app's (SPEC §0). */
export function isReservedAppPath(path: string): boolean {
  const lower = path.toLowerCase();
  return RESERVED_APP_PATHS.some((p) => lower.startsWith(p) || lower === p.slice(0, -1));
}
