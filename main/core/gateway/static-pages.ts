import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORM_ACTION } from './pages.js';

/**
 * The content type of each kind of file the renderer build makes. The gateway and the
 * desktop console's own scheme serve the same files: both answer with these.
 */
const BUILT_FILE_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** The content type of a built file, by its name; undefined for a kind the build does not make. */
export function builtFileType(name: string): string | undefined {
  const ext = extname(name);
  return Object.hasOwn(BUILT_FILE_TYPES, ext) ? BUILT_FILE_TYPES[ext] : undefined;
}

/** Pages built from renderer/: scripts and styles from our own origin only. */
export const BUILT_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; font-src 'self'; " +
  `base-uri 'none'; ${FORM_ACTION}; frame-ancestors 'none'`;

const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|woff2|png)$/;

/** The folder of the built renderer: `dist/renderer` at the package root. */
export function defaultRendererDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'renderer');
}

/**
 * The built pages and their assets, read from disk once and kept in memory: a few tens
 * of kilobytes, served with long caching since their names carry a content hash. What is
 * held is bounded by the files of the build, never by the names requests ask for: the
 * asset folder is listed once, and a name not in it is answered without being remembered.
 */
export class StaticPages {
  /** Keyed by the gateway's own page names (`login.html`, `index.html`), never a request's. */
  private readonly pages = new Map<string, Buffer | null>();
  /** Asset name → contents; undefined until first read, null when the read failed. */
  private assets: Map<string, Buffer | null | undefined> | undefined;

  constructor(private readonly dir: string) {}

  /** A built page such as `login.html`, or undefined when the renderer was not built. */
  page(name: string): Buffer | undefined {
    if (!this.pages.has(name)) this.pages.set(name, this.read(join(this.dir, name)));
    return this.pages.get(name) ?? undefined;
  }

  /** Answers `/.latchkey/assets/<name>`; false when there is no such asset. */
  serveAsset(name: string, res: ServerResponse): boolean {
    if (!ASSET_NAME.test(name)) return false;
    const assets = this.builtAssets();
    if (!assets.has(name)) return false;
    let body = assets.get(name);
    if (body === undefined) {
      body = this.read(join(this.dir, 'assets', name));
      assets.set(name, body);
    }
    if (!body) return false;
    res.writeHead(200, {
      'content-type': builtFileType(name) as string,
      'content-length': body.length,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
    return true;
  }

  /** How many entries are held in memory: pages asked for plus the build's asset names. */
  heldEntries(): number {
    return this.pages.size + (this.assets?.size ?? 0);
  }

  /** The build's asset names, listed once; their contents are read on first use. */
  private builtAssets(): Map<string, Buffer | null | undefined> {
    if (!this.assets) {
      let names: string[] = [];
      try {
        names = readdirSync(join(this.dir, 'assets')).filter((n) => ASSET_NAME.test(n));
      } catch {
        // No build: no assets.
      }
      this.assets = new Map(names.map((n) => [n, undefined]));
    }
    return this.assets;
  }

  private read(file: string): Buffer | null {
    try {
      return readFileSync(file);
    } catch {
      return null;
    }
  }
}

/** Answers with a built page, under the CSP that allows only our own scripts and styles. */
export function sendBuiltPage(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, {
    'content-type': BUILT_FILE_TYPES['.html'],
    'content-length': body.length,
    'content-security-policy': BUILT_PAGE_CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
  });
  res.end(body);
}
