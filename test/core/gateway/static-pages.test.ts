import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticPages } from '../../../main/core/gateway/static-pages.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const dir = tempDataDir();
let pages: StaticPages;
let server: Server;

beforeAll(async () => {
  mkdirSync(join(dir.dir, 'assets'));
  writeFileSync(join(dir.dir, 'assets', 'login-Ab12.js'), 'console.log(1)');
  pages = new StaticPages(dir.dir);
  server = createServer((req, res) => {
    if (!pages.serveAsset(decodeURIComponent((req.url as string).slice(1)), res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

function get(name: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path: `/${encodeURIComponent(name)}`, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('StaticPages', () => {
  it('serves a built asset with its type and long caching', async () => {
    expect(await get('login-Ab12.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });

  it('memory flood: asking for hundreds of missing asset names remembers none of them', async () => {
    const before = pages.heldEntries();
    for (let i = 0; i < 500; i += 1) expect((await get(`missing-${i}.js`)).status).toBe(404);
    expect(pages.heldEntries()).toBe(before);
    expect(await get('login-Ab12.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });
});
