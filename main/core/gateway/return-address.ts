import { classifyHost } from './hosts.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL_OR_SPACE = /[\x00-\x20\x7f\\]|\s/;

/**
 * A return address on the console host: a path starting with exactly one `/`, with no
 * whitespace, control character or backslash anywhere, before or after percent-decoding
 * (oauth2-proxy CVE-2020-5233, CVE-2020-11053, CVE-2021-21291). Anything else is `/`.
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
  // Resolving against a fixed origin must keep that origin.
  const base = 'http://return.invalid';
  const resolved = new URL(value, base);
  return resolved.origin === base ? resolved.pathname + resolved.search : '/';
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
