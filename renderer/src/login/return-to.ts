/** More layers of percent-encoding than this in a return address is itself refused. */
const MAX_DECODINGS = 4;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL_OR_SPACE = /[\x00-\x20\x7f\\]|\s/;

/**
 * Whether a resolved pathname stays on its origin however it is read again: at no depth
 * of percent-decoding does it start with `//` or `/\`, hold a backslash, or a dot-segment
 * (also `..;`). The same rule as the gateway's return-address.ts, which this page cannot
 * import; test/security/open-redirect.test.ts runs one table of cases against both.
 */
function staysLocal(pathname: string): boolean {
  let layer = pathname;
  for (let decodings = 0; ; decodings += 1) {
    if (/^\/[/\\]/.test(layer) || layer.includes('\\')) return false;
    if (layer.split('/').some((segment) => /^\.+$/.test(segment.split(';', 1)[0] as string))) return false;
    if (!layer.includes('%')) return true;
    if (decodings === MAX_DECODINGS) return false;
    try {
      layer = decodeURIComponent(layer);
    } catch {
      return false;
    }
  }
}

/**
 * Where to go after signing in: the `rd` parameter when it is a path that, fully resolved,
 * stays on this origin (`/a/..//evil.com` resolves to `//evil.com`: another host). The
 * gateway checks it again on the form path; this keeps the script from navigating
 * anywhere else either.
 */
export function returnTo(search: string, origin: string): string {
  const rd = new URLSearchParams(search).get('rd') ?? '/';
  if (!rd.startsWith('/') || rd.startsWith('//')) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rd);
  } catch {
    return '/';
  }
  for (const text of [rd, decoded]) {
    if (CONTROL_OR_SPACE.test(text) || text.startsWith('//') || text.startsWith('/\\')) return '/';
  }
  const url = new URL(rd, origin);
  return url.origin === origin && staysLocal(url.pathname) ? url.pathname + url.search : '/';
}

/** The app host a sign-in continues to, when the return address is a hand-over to one. */
export function destination(next: string): string | undefined {
  if (!next.startsWith('/.latchkey/handoff?')) return undefined;
  try {
    return new URL(new URLSearchParams(next.slice(next.indexOf('?') + 1)).get('target') ?? '').host;
  } catch {
    return undefined;
  }
}
