import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SeenRequest } from '../../helpers/upstream.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', name: 'Echo', upstream: up.url },
      { slug: 'own-host', upstream: up.url, preserveHost: false },
      { slug: 'grafana', upstream: up.url, headers: 'grafana' },
      { slug: 'dead', name: 'Dead Tool', upstream: 'http://127.0.0.1:9' },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const headerLines = (seen: SeenRequest, name: string) =>
  seen.rawHeaders.filter((_, i) => i % 2 === 1 && seen.rawHeaders[i - 1]?.toLowerCase() === name);

describe('proxying to an app', () => {
  it('asserts the root admin with the generic identity headers', async () => {
    const res = await gw.request({ host: gw.host('echo'), path: '/echo?x=1' });
    expect(res.status).toBe(200);
    const seen = res.json<SeenRequest>();
    expect(seen.url).toBe('/echo?x=1');
    expect(seen.headers).toMatchObject({
      host: gw.host('echo'),
      'x-forwarded-user': 'admin',
      'x-forwarded-email': 'admin@localhost.localdomain',
      'x-forwarded-groups': 'Admin',
      'x-forwarded-preferred-username': 'admin',
      'x-forwarded-host': gw.host('echo'),
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
    });
  });

  it("sends the upstream's own Host when the app does not preserve Host", async () => {
    const seen = (await gw.request({ host: gw.host('own-host'), path: '/echo' })).json<SeenRequest>();
    expect(seen.headers.host).toBe(`127.0.0.1:${up.port}`);
    expect(seen.headers['x-forwarded-host']).toBe(gw.host('own-host'));
  });

  it("adds the preset's headers (Grafana auth proxy)", async () => {
    const seen = (await gw.request({ host: gw.host('grafana'), path: '/echo' })).json<SeenRequest>();
    expect(seen.headers).toMatchObject({ 'x-webauth-user': 'admin', 'x-webauth-role': 'Admin' });
  });

  it("passes the app's own /api/v1/global/config to the app (SigNoz serves one)", async () => {
    const seen = (await gw.request({ host: gw.host('echo'), path: '/api/v1/global/config' })).json<SeenRequest>();
    expect(seen.url).toBe('/api/v1/global/config');
  });

  it('passes every method, the body and the status through', async () => {
    const res = await gw.request({
      host: gw.host('echo'),
      path: '/echo',
      method: 'PATCH',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.json<SeenRequest>()).toMatchObject({ method: 'PATCH', bodyBytes: 7 });
  });

  it('keeps /.latchkey/ for Latchkey', async () => {
    const before = up.seen.length;
    const res = await gw.request({ host: gw.host('echo'), path: '/.latchkey/anything' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'RESERVED_PATH' } });
    expect(up.seen.length).toBe(before);
  });

  it('streams a 64 MiB download through', async () => {
    const size = 64 * 1024 * 1024;
    const got = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gw.port,
        path: `/bytes?n=${size}`,
        headers: { host: gw.host('echo') },
      });
      req.on('response', (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toBe(size);
  });

  it('streams an upload: the upstream sees the first bytes before the client has sent the rest', async () => {
    const chunk = Buffer.alloc(256 * 1024, 1);
    const start = up.bytesReceived();
    const result = await new Promise<SeenRequest>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gw.port,
        method: 'POST',
        path: '/upload',
        headers: { host: gw.host('echo'), 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body) as SeenRequest));
      });
      req.on('error', reject);
      req.write(chunk);
      const waitForUpstream = setInterval(() => {
        if (up.bytesReceived() - start >= chunk.length) {
          clearInterval(waitForUpstream);
          for (let i = 0; i < 15; i += 1) req.write(chunk);
          req.end();
        }
      }, 5);
    });
    expect(result.bodyBytes).toBe(16 * chunk.length);
  });

  it('relays server-sent events as they happen', async () => {
    const arrivals: number[] = [];
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: '/sse', headers: { host: gw.host('echo') } });
      req.on('response', (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let body = '';
        res.on('data', (c: Buffer) => {
          arrivals.push(Date.now());
          body += c.toString();
        });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).toBe('data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\n');
    expect(arrivals.length).toBe(3); // one event per chunk: nothing held back until the end
  });

  it('relays a WebSocket both ways, with the identity on the handshake', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/socket`, {
      headers: { host: gw.host('echo'), origin: gw.origin('echo') },
    });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello through the gateway'));
      ws.on('message', (data) => resolve(String(data)));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('hello through the gateway');
    const handshake = up.seen.filter((s) => s.method === 'WS').at(-1);
    expect(handshake && headerLines(handshake, 'x-forwarded-user')).toEqual(['admin']);
  });
});

describe('pages', () => {
  it('an unknown slug gets a 404 page listing the apps', async () => {
    const res = await gw.request({ host: gw.host('nope'), headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('No app at nope.localhost');
    expect(res.body).toContain(`http://echo.localhost:${gw.port}/`);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('an unknown slug gets JSON for programs', async () => {
    const res = await gw.request({ host: gw.host('nope') });
    expect(res.json()).toMatchObject({ error: { code: 'APP_UNKNOWN' } });
  });

  it('a dead upstream gets a 502 page naming the app and its address, and the gateway goes on', async () => {
    const res = await gw.request({ host: gw.host('dead'), headers: { accept: 'text/html' } });
    expect(res.status).toBe(502);
    expect(res.body).toContain('Dead Tool is not answering');
    expect(res.body).toContain('http://127.0.0.1:9');
    expect((await gw.request({ host: gw.host('echo'), path: '/echo' })).status).toBe(200);
  });

  it('the console host serves the console; localhost sends browsers there', async () => {
    const home = await gw.request({ host: gw.host(), headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toContain('text/html');
    const root = await gw.request({ host: `localhost:${gw.port}`, headers: { accept: 'text/html' } });
    expect(root.status).toBe(303);
    expect(root.headers.location).toBe(`http://latchkey.localhost:${gw.port}/`);
  });

  it('without the console API (the desktop app), the console host lists the apps', async () => {
    const desktop = await startGateway({
      httpControlPlane: false,
      apps: [{ slug: 'echo', name: 'Echo', upstream: up.url }],
    });
    try {
      const home = await desktop.request({ host: desktop.host(), headers: { accept: 'text/html' } });
      expect(home.status).toBe(200);
      expect(home.body).toContain('Echo');
      expect(home.body).toContain(`http://echo.localhost:${desktop.port}/`);
    } finally {
      await desktop.close();
    }
  });

  it('answers /api/v1/global/config on the console host, localhost and 127.0.0.1', async () => {
    for (const host of [gw.host(), `localhost:${gw.port}`, `127.0.0.1:${gw.port}`]) {
      const res = await gw.request({ host, path: '/api/v1/global/config' });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({
        data: {
          identN: { impersonation: { enabled: true }, tokenizer: { enabled: false }, apikey: { enabled: false } },
        },
      });
    }
  });
});
