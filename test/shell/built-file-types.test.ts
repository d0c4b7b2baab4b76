import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendBuiltPage, StaticPages } from '../../main/core/gateway/static-pages.js';
import { serveConsoleFile } from '../../main/shell/protocol.js';
import { tempDataDir } from '../helpers/data-dir.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

/** One built file of every kind the renderer build makes. */
const ASSETS = ['console-a1.js', 'console-a1.css', 'logo-a1.svg', 'inter-a1.woff2', 'icon-a1.png'];

const renderer = tempDataDir();
let pages: StaticPages;
let server: Server;

beforeAll(async () => {
  mkdirSync(join(renderer.dir, 'assets'));
  writeFileSync(join(renderer.dir, 'index.html'), '<!doctype html><title>console</title>');
  for (const name of ASSETS) writeFileSync(join(renderer.dir, 'assets', name), 'x');
  pages = new StaticPages(renderer.dir);
  // The gateway's two ways of answering built files: a page, and an asset.
  server = createServer((req, res) => {
    const name = (req.url as string).slice(1);
    const page = name === 'index.html' ? pages.page(name) : undefined;
    if (page) sendBuiltPage(res, page);
    else if (!pages.serveAsset(name.replace(/^assets\//, ''), res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  renderer.remove();
});

function gatewayType(path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path: `/${path}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? res.headers['content-type'] : undefined));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the content type of a built file', () => {
  it.each(['index.html', ...ASSETS.map((name) => `assets/${name}`)])(
    '%s is served with the same content type by the gateway and the desktop console',
    async (path) => {
      const desktop = await serveConsoleFile(renderer.dir, `latchkey-app://console/.latchkey/${path}`);
      expect(desktop.status).toBe(200);
      const fromGateway = await gatewayType(path);
      expect(fromGateway).toMatch(/^[a-z]+\/[a-z0-9+.-]+/);
      expect(desktop.headers.get('content-type')).toBe(fromGateway);
    },
  );
});
