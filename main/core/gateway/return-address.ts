import { classifyHost } from './hosts.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL_OR_SPACE = /[\x00-\x20\x7f\\]|\s/;

/** More layers of percent-encoding than this in a return address is itself refused. */
const MAX_DECODINGS = 4;

/**
 * Whether a resolved pathname stays on its origin however it is read again: at no depth
 * of percent-decoding does it start with `//` or `/\` (another host to a browser), hold a
 * backslash, or a dot-segment, also one with a `;` parameter (`/..;/`, which Tomcat and
 * Jetty resolve). A browser, the console's script or an app may decode it once more.
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
 * A return address on the console host: a path starting with exactly one `/`, with no
 * whitespace, control character or backslash anywhere, before or after percent-decoding
 * (oauth2-proxy CVE-2020-5233, CVE-2020-11053, CVE-2021-21291), and whose full resolution
 * is a path that stays on this origin: `/a/..//evil.com` resolves to `//evil.com`, which a
 * browser reads as another host. Anything else is `/`. The sign-in page's script
 * (renderer/src/login/return-to.ts) applies the same rule.
 */
export function safeLocalPath(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//')) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return '/';
  }
  for (const text of [value, decoded]) {
    if (CONTROL_OR_SPACE.test(text) || text.startsWith('//') || text.startsWith('/\\')) return '/';
  }
  // Resolving against a fixed origin must keep that origin, and give a path that does too.
  const base = 'http://return.invalid';
  const resolved = new URL(value, base);
  if (resolved.origin !== base || !staysLocal(resolved.pathname)) return '/';
  return resolved.pathname + resolved.search;
}

/** Where the sign-in hand-over may send a browser: an app host of this very gateway. */
export function appTarget(
  value: string | null | undefined,
  port: number,
  baseNames: ReadonlySet<string>,
): { origin: string; path: string } | undefined {
  if (!value || CONTROL_OR_SPACE.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || url.username || url.password) return undefined;
  const target = classifyHost(url.host, port, baseNames);
  if (target?.kind !== 'app') return undefined;
  return { origin: url.origin, path: safeLocalPath(url.pathname + url.search) };
}
