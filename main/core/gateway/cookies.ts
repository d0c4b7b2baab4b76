/** Every Latchkey cookie, of this gateway or another on the same machine, starts so. */
export const COOKIE_PREFIX = 'latchkey_';

/** Cookie names carry the port: browsers ignore ports, two gateways must not collide. */
export const sessionCookieName = (port: number) => `latchkey_${port}`;
export const stateCookieName = (port: number) => `latchkey_${port}_state`;
export const consoleCookieName = (port: number) => `latchkey_${port}_console`;

/** The first value of a cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  path?: string;
}

/** HttpOnly, SameSite=Lax, host-only (no Domain): the only kind Latchkey sets. */
export function cookie(name: string, value: string, { maxAgeSeconds, path = '/' }: CookieOptions): string {
  return `${name}=${value}; Path=${path}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax`;
}

export function clearCookie(name: string, path = '/'): string {
  return cookie(name, '', { maxAgeSeconds: 0, path });
}
