import type { Protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { BUILT_PAGE_CSP, builtFileType } from '../core/index.js';

/** The console is served from its own scheme, never `file://` (which can read any file). */
export const SCHEME = 'latchkey-app';
export const CONSOLE_ORIGIN = `${SCHEME}://console`;
export const CONSOLE_URL = `${CONSOLE_ORIGIN}/`;

/** The same CSP as the gateway's built pages: our own scripts and styles only. */
export const CONSOLE_CSP = BUILT_PAGE_CSP;

/** Before `ready`: a standard, secure scheme, so the console has an origin of its own. */
export function registerScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The file under `rendererDir` that a console URL names, or undefined: other hosts,
 * paths out of the folder and unknown file types are not served. The renderer is built
 * with base `/.latchkey/` (as the gateway serves it), so that prefix is dropped.
 */
export function fileFor(rendererDir: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${SCHEME}:` || parsed.host !== 'console') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  path = path.replace(/^\/\.latchkey(?=\/)/, '');
  if (path === '/' || path === '') path = '/index.html';
  const file = normalize(join(rendererDir, path));
  if (!file.startsWith(normalize(rendererDir) + sep)) return undefined;
  return builtFileType(file) ? file : undefined;
}

/** Answers one request of the console's scheme from the built renderer. */
export async function serveConsoleFile(rendererDir: string, url: string): Promise<Response> {
  const file = fileFor(rendererDir, url);
  const headers = { 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff' };
  if (file) {
    try {
      const body = await readFile(file);
      return new Response(body, {
        status: 200,
        headers: { ...headers, 'content-type': builtFileType(file) as string, 'cache-control': 'no-store' },
      });
    } catch {
      // Not built, or not there: a 404 like any other.
    }
  }
  return new Response('not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain' } });
}

/** After `ready`: serves the scheme from the built renderer. */
export function handleConsoleProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(SCHEME, (request) => serveConsoleFile(rendererDir, request.url));
}
