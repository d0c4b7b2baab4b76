import { SLUG_PATTERN } from '../../common/apps.js';

export const CONSOLE_SLUG = 'latchkey';

export type HostTarget =
  { kind: 'root'; name: string } | { kind: 'console'; name: string } | { kind: 'app'; name: string; slug: string };

const LOOPBACK_LITERALS = new Set(['127.0.0.1', '[::1]']);
const NAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

/**
 * Classifies a Host header value, or returns undefined when this gateway does not serve
 * it. Exact matches on the parsed name and port only: no substring or suffix tricks
 * (`localhost.evil.com`), no "any IP" rule (`127.0.0.2`, `0.0.0.0`), no trailing dot
 * (`localhost.` is another name to the browser's cookie jar), and the port must be ours.
 */
export function classifyHost(
  value: string,
  port: number,
  baseNames: ReadonlySet<string> = DEFAULT_BASE_NAMES,
): HostTarget | undefined {
  const host = value.toLowerCase();
  let name: string;
  let portText: string | undefined;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return undefined;
    name = host.slice(0, end + 1);
    const rest = host.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = host.indexOf(':');
    name = colon < 0 ? host : host.slice(0, colon);
    portText = colon < 0 ? undefined : host.slice(colon + 1);
  }
  if (portText === undefined ? port !== 80 : portText !== String(port)) return undefined;

  if (LOOPBACK_LITERALS.has(name)) return { kind: 'root', name };
  if (!NAME.test(name)) return undefined;
  if (baseNames.has(name)) return { kind: 'root', name };
  const dot = name.indexOf('.');
  if (dot < 0 || !baseNames.has(name.slice(dot + 1))) return undefined;
  const label = name.slice(0, dot);
  if (label === CONSOLE_SLUG) return { kind: 'console', name };
  return SLUG_PATTERN.test(label) ? { kind: 'app', name, slug: label } : undefined;
}

export const DEFAULT_BASE_NAMES: ReadonlySet<string> = new Set(['localhost']);

export function baseNames(extra: readonly string[]): ReadonlySet<string> {
  return new Set(['localhost', ...extra]);
}

/**
 * Whether browsers treat the host as a trustworthy origin and so send it fetch metadata:
 * the loopback literals, `localhost` and `*.localhost`. Extra names (`devbox.lan`) get
 * none, so the browser rules of impersonation mode cannot hold there.
 */
export function getsFetchMetadata(target: HostTarget): boolean {
  return LOOPBACK_LITERALS.has(target.name) || target.name === 'localhost' || target.name.endsWith('.localhost');
}

/** The origin a browser uses for a served host: the key of the same-origin rule. */
export function originOf(target: HostTarget, port: number): string {
  return port === 80 ? `http://${target.name}` : `http://${target.name}:${port}`;
}
