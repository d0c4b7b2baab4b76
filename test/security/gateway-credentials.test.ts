/**
 * SPEC §0, §5 and §7: the gateway's own credentials (its `latchkey_<port>…` cookies and
 * Latchkey tokens) never reach an upstream, and an upstream cannot plant or overwrite a
 * Latchkey cookie with Set-Cookie. Apps' own cookies and Authorization pass untouched.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, linesNamed, marker, rawValues, reached } from './support.js';

let up: Upstream;
let gw: TestGateway;
/** An upstream that answers `Set-Cookie: <the cookie query parameter>`, on HTTP and on the WebSocket 101. */
let cookieUp: Server;
let cookieWss: WebSocketServer;

beforeAll(async () => {
  up = await startUpstream();
  cookieUp = createServer((req, res) => {
    const cookie = new URL(req.url ?? '/', 'http://x').searchParams.get('cookie') ?? '';
    res.setHeader('set-cookie', [cookie, 'theme=dark; Path=/']);
    res.end('ok');
  });
  cookieWss = new WebSocketServer({ server: cookieUp });
  cookieWss.on('headers', (headers, req) => {
    const cookie = new URL(req.url ?? '/', 'http://x').searchParams.get('cookie') ?? '';
    headers.push(`Set-Cookie: ${cookie}`, 'Set-Cookie: theme=dark; Path=/');
  });
  await new Promise<void>((resolve) => cookieUp.listen(0, '127.0.0.1', resolve));
  const cookiePort = (cookieUp.address() as AddressInfo).port;
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'setter', upstream: `http://127.0.0.1:${cookiePort}` },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  cookieWss?.close();
  cookieUp?.closeAllConnections();
  await new Promise<void>((resolve) => (cookieUp ? cookieUp.close(() => resolve()) : resolve()));
});

async function through(rawHeaders: string[]): Promise<SeenRequest> {
  const mark = marker('cred');
  const res = await gw.request({ host: gw.host('echo'), path: `/echo?${mark}`, rawHeaders });
  expect(res.status).toBe(200);
  const seen = reached(up, mark);
  expect(seen).toHaveLength(1);
  return seen[0] as SeenRequest;
}

function cookieLines(seen: SeenRequest): string[] {
  return linesNamed(seen, 'cookie').map(([, v]) => v);
}

describe('Latchkey cookies never reach an app', () => {
  it('Cookie "latchkey_<port>=secret; theme=dark" reaches the upstream as only "theme=dark"', async () => {
    const seen = await through(['Cookie', `latchkey_${gw.port}=secret; theme=dark`]);
    expect(cookieLines(seen)).toEqual(['theme=dark']);
  });

  it('a Latchkey cookie in the middle, without spaces, and of another gateway port is removed too', async () => {
    const seen = await through([
      'Cookie',
      `theme=dark;latchkey_${gw.port}_state=abc; latchkey_7781=other-gateway;lang=en`,
    ]);
    const [line] = cookieLines(seen);
    expect(line).toBeDefined();
    expect(line).not.toContain('latchkey_');
    expect(line).not.toContain('abc');
    expect(line).not.toContain('other-gateway');
    expect(line?.split(';').map((p) => p.trim())).toEqual(['theme=dark', 'lang=en']);
  });

  it('a Cookie line holding only a Latchkey cookie is dropped entirely, a second Cookie line survives', async () => {
    const seen = await through(['Cookie', `latchkey_${gw.port}=secret`, 'Cookie', 'theme=dark']);
    const all = cookieLines(seen).join('; ');
    expect(all).not.toContain('secret');
    expect(all).toContain('theme=dark');
  });

  it('an upstream Set-Cookie for latchkey_7780 is dropped while theme=dark passes (no session fixation by an app)', async () => {
    const res = await gw.request({ host: gw.host('echo'), path: '/cookies' });
    expect(res.status).toBe(200);
    const setCookies = rawValues(res.rawHeaders, 'set-cookie');
    expect(setCookies.some((c) => c.startsWith('theme=dark'))).toBe(true);
    expect(setCookies.filter((c) => c.toLowerCase().includes('latchkey'))).toEqual([]);
  });
});

describe('an app cannot set a Latchkey cookie (session fixation through the upstream)', () => {
  const planted = (port: number): [string, string][] => [
    ['latchkey_<port>=fixated', `latchkey_${port}=fixated; Path=/; HttpOnly`],
    ['latchkey_<port>_state=fixated', `latchkey_${port}_state=fixated; Path=/`],
    ['leading spaces before latchkey_<port>', `   latchkey_${port}=fixated; Path=/`],
    // A nameless cookie is sent back by browsers as its bare value, i.e. as
    // "latchkey_<port>=fixated" (RFC 6265bis §5.6: empty name; the __Host- prefix bypass).
    [
      'a nameless cookie whose value is latchkey_<port>=… (=latchkey_<port>=fixated)',
      `=latchkey_${port}=fixated; Path=/`,
    ],
    ['a nameless cookie with spaces ( = latchkey_<port>=…)', ` = latchkey_${port}=fixated; Path=/`],
  ];

  planted(0).forEach(([title], index) => {
    it(`an upstream Set-Cookie ${title} is dropped, theme=dark passes`, async () => {
      const cookie = (planted(gw.port)[index] as [string, string])[1];
      const res = await gw.request({ host: gw.host('setter'), path: `/?cookie=${encodeURIComponent(cookie)}` });
      expect(res.status).toBe(200);
      const setCookies = rawValues(res.rawHeaders, 'set-cookie');
      expect(setCookies).toContain('theme=dark; Path=/');
      expect(setCookies.filter((c) => c.includes('fixated'))).toEqual([]);
    });
  });

  it('an upstream Set-Cookie for latchkey_<port> on a WebSocket 101 answer is dropped as well', async () => {
    const cookie = `latchkey_${gw.port}=fixated; Path=/`;
    const setCookies = await new Promise<string[]>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/?cookie=${encodeURIComponent(cookie)}`, {
        headers: { Host: gw.host('setter'), Origin: gw.origin('setter') },
        handshakeTimeout: 3_000,
      });
      ws.on('upgrade', (res) => resolve(rawValues(res.rawHeaders, 'set-cookie')));
      ws.on('open', () => ws.close());
      ws.on('error', reject);
    });
    expect(setCookies).toContain('theme=dark; Path=/');
    expect(setCookies.filter((c) => c.includes('fixated'))).toEqual([]);
  });
});

describe('Latchkey tokens never reach an app (SPEC §5)', () => {
  it('X-Latchkey-Authorization (and its _ alias) is removed before proxying', async () => {
    const seen = await through([
      'X-Latchkey-Authorization',
      'lk_secret_token',
      'x_latchkey_authorization',
      'lk_secret_token',
    ]);
    expect(linesNamed(seen, 'x-latchkey-authorization')).toEqual([]);
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('lk_secret_token');
  });

  it('Authorization: Bearer Latchkey-<token> is removed before proxying', async () => {
    const seen = await through(['Authorization', 'Bearer Latchkey-lk_secret_token']);
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('lk_secret_token');
  });

  it('Authorization: Latchkey <token> is removed before proxying', async () => {
    const seen = await through(['Authorization', 'Latchkey lk_secret_token']);
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('lk_secret_token');
  });

  it("an app's own Authorization: Bearer <app token> passes through untouched", async () => {
    const seen = await through(['Authorization', 'Bearer app-own-token']);
    expect(linesNamed(seen, 'authorization').map(([, v]) => v)).toEqual(['Bearer app-own-token']);
  });

  it('the gateway still serves normal requests', async () => {
    await expectStillServing(gw, up);
  });
});
