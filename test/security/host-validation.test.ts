/**
 * SPEC §0 and §7, security cases 3–5: only Host headers naming the gateway are served,
 * matched exactly after parsing. This is what stops DNS rebinding, where the attacker's
 * page becomes same-origin with the gateway and Origin/Sec-Fetch checks see nothing wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, statusOf, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, rawExchange, reached, statusesOf } from './support.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'other', upstream: up.url },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/** Sends `host` to the proxied app path and expects a refusal before routing. */
async function expectHostRefused(host: string) {
  const mark = marker('host');
  const before = up.seen.length;
  const res = await gw.request({ host, path: `/echo?${mark}` });
  expect([421, 403], `Host ${JSON.stringify(host)} answered ${res.status}`).toContain(res.status);
  // Refused before routing: not the app's 404 page, not the upstream's answer.
  expect(res.body).not.toContain('"method"');
  expect(up.seen.length).toBe(before);
  expect(reached(up, mark)).toEqual([]);
  return res;
}

describe('DNS rebinding: foreign and look-alike Host headers are refused before routing', () => {
  it('DNS rebinding: a foreign Host (attacker.example) is refused with 421/403 and nothing is proxied (Jupyter allow_remote_access, Vite CVE-2025-24010)', async () => {
    await expectHostRefused('attacker.example');
    await expectHostRefused(`attacker.example:${gw.port}`);
    await expectStillServing(gw, up);
  });

  it('DNS rebinding: a foreign Host is refused on every route, including the console API and the config endpoint', async () => {
    for (const path of ['/', '/api/v1/global/config', '/.latchkey/login', '/.well-known/latchkey/jwks.json']) {
      const res = await gw.request({ host: `attacker.example:${gw.port}`, path });
      expect([421, 403], `${path} answered ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain('identN');
    }
    await expectStillServing(gw, up);
  });

  const lookAlikes: [string, (port: number) => string][] = [
    ['Host localhost.attacker.com is refused (headroom #605 substring trap)', (p) => `localhost.attacker.com:${p}`],
    ['Host LOCALHOST.attacker.com in upper case is refused (headroom #605)', (p) => `LOCALHOST.attacker.com:${p}`],
    ['Host echo.localhost.evil.com is refused (no suffix matching)', (p) => `echo.localhost.evil.com:${p}`],
    ['Host 127.0.0.1.nip.io (a public name resolving to loopback) is refused', (p) => `127.0.0.1.nip.io:${p}`],
    ['Host localtest.me (a public name resolving to loopback) is refused', (p) => `localtest.me:${p}`],
    ['Host localhost. with a trailing dot is refused', (p) => `localhost.:${p}`],
    ['Host echo.localhost. with a trailing dot is refused', (p) => `echo.localhost.:${p}`],
    ['Host 127.0.0.2 (no "any loopback IP" rule) is refused', (p) => `127.0.0.2:${p}`],
    ['Host 0.0.0.0 is refused (Chrome "0.0.0.0 Day")', (p) => `0.0.0.0:${p}`],
    ['Host [::ffff:127.0.0.1] (IPv4-mapped IPv6) is refused', (p) => `[::ffff:127.0.0.1]:${p}`],
    ['Host 127.1 (short IPv4 form) is refused', (p) => `127.1:${p}`],
    ['Host localhost on another port is refused', (p) => `localhost:${p === 65535 ? p - 1 : p + 1}`],
    ['Host echo.localhost on another port is refused', (p) => `echo.localhost:${p === 65535 ? p - 1 : p + 1}`],
    ['Host echo.localhost without a port (port 80) is refused', () => 'echo.localhost'],
    ['Host localhost:<port>@evil (userinfo trick) is refused', (p) => `localhost:${p}@evil`],
    ['Host evil@echo.localhost:<port> (userinfo trick) is refused', (p) => `evil@echo.localhost:${p}`],
    ['Host localhost:0<port> (leading zero port) is refused', (p) => `localhost:0${p}`],
    ['Host echo.localhost:<port>, evil.example (comma-joined) is refused', (p) => `echo.localhost:${p}, evil.example`],
    ['Host with a space inside (echo.localhost :<port>) is refused', (p) => `echo.localhost :${p}`],
    ['Host a.b.localhost (two labels under localhost) is refused', (p) => `a.echo.localhost:${p}`],
  ];
  for (const [title, make] of lookAlikes) {
    it(`DNS rebinding: ${title}`, async () => {
      await expectHostRefused(make(gw.port));
    });
  }

  it('DNS rebinding: look-alike Hosts did not take the gateway down', async () => {
    await expectStillServing(gw, up);
  });
});

describe('the gateway names are served, case-insensitively, on the gateway port only', () => {
  for (const make of [
    (p: number) => `localhost:${p}`,
    (p: number) => `LOCALHOST:${p}`,
    (p: number) => `LocalHost:${p}`,
    (p: number) => `127.0.0.1:${p}`,
    (p: number) => `[::1]:${p}`,
    (p: number) => `latchkey.localhost:${p}`,
  ]) {
    it(`Host ${make(0).replace(':0', ':<port>')} answers GET /api/v1/global/config with 200`, async () => {
      const res = await gw.request({ host: make(gw.port), path: '/api/v1/global/config' });
      expect(res.status).toBe(200);
      const body = res.json<{ data: { identN: { impersonation: { enabled: boolean } } } }>();
      expect(body.data.identN.impersonation.enabled).toBe(true);
    });
  }

  it('Host ECHO.LOCALHOST:<port> in upper case is the echo app and reaches its upstream', async () => {
    const mark = marker('upper');
    const res = await gw.request({ host: `ECHO.LOCALHOST:${gw.port}`, path: `/echo?${mark}` });
    expect(res.status).toBe(200);
    expect(reached(up, mark)).toHaveLength(1);
  });
});

describe('missing, repeated and conflicting Host (case 5)', () => {
  it('an HTTP/1.1 request without Host is 400 and never proxied (RFC 9112 §3.2)', async () => {
    const mark = marker('nohost11');
    const reply = await rawExchange(gw.port, `GET /echo?${mark} HTTP/1.1\r\nAccept: */*\r\n\r\n`);
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('an HTTP/1.0 request without Host is 400 and never proxied', async () => {
    const mark = marker('nohost10');
    const reply = await rawExchange(gw.port, `GET /echo?${mark} HTTP/1.0\r\nAccept: */*\r\n\r\n`);
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('an empty Host header is 400 or 421 and never proxied', async () => {
    const mark = marker('emptyhost');
    const reply = await rawExchange(gw.port, `GET /echo?${mark} HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`);
    expect([400, 421]).toContain(statusOf(reply.text));
    expect(reached(up, mark)).toEqual([]);
  });

  it('two Host lines (the gateway host, then evil.example) are 400: Node keeps only the first in req.headers', async () => {
    const mark = marker('twohosts');
    const res = await gw.request({
      host: gw.host('echo'),
      rawHeaders: ['Host', 'evil.example'],
      path: `/echo?${mark}`,
    });
    expect(res.status).toBe(400);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('two identical Host lines are 400 too', async () => {
    const mark = marker('samehosts');
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nhost: ${gw.host('echo')}\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
  });

  it('absolute-form GET http://evil.example/x is 400 and never proxied (no open forward proxy)', async () => {
    const mark = marker('absolute');
    const reply = await rawExchange(
      gw.port,
      `GET http://evil.example/x?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('absolute-form naming the gateway itself is 400 as well (only origin-form targets are served)', async () => {
    const mark = marker('absself');
    const reply = await rawExchange(
      gw.port,
      `GET http://${gw.host('echo')}/echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
  });

  it('CONNECT evil.example:443 (forward-proxy tunnelling) is refused and never proxied', async () => {
    const reply = await rawExchange(gw.port, `CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`);
    const statuses = statusesOf(reply.text);
    expect(statuses.every((s) => s >= 400)).toBe(true);
    expect(reply.text).not.toMatch(/^HTTP\/1\.[01] 2/);
    await expectStillServing(gw, up);
  });

  it('a pipelined second request with a foreign Host on a kept-alive connection is refused on its own', async () => {
    const ok = marker('pipe-ok');
    const bad = marker('pipe-bad');
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${ok} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\n\r\n` +
        `GET /echo?${bad} HTTP/1.1\r\nHost: evil.example:${gw.port}\r\nConnection: close\r\n\r\n`,
      2_000,
    );
    expect(statusesOf(reply.text)).toEqual([200, 421]);
    expect(reached(up, ok)).toHaveLength(1);
    expect(reached(up, bad)).toEqual([]);
  });
});
