/**
 * Every transport answers an error with the status the one error table gives its code
 * (main/common/error-status.ts): the gateway's routes, its refusals and the console API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLinkSession } from '../../helpers/sign-in.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';
import { rawExchange } from '../../security/support.js';

const MAX_BODY = 1024;
let gw: TestGateway;
let up: Upstream;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'broken', upstream: up.url },
    ],
    env: { LATCHKEY_GATEWAY_MAX_BODY_SIZE: String(MAX_BODY) },
  });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

describe('one error table over HTTP', () => {
  it('an unexpected failure is 500 INTERNAL_ERROR and tells the client nothing of its cause', async () => {
    // A row no Latchkey wrote (an older release, a hand edit): its upstream is no URL, and
    // reading it throws a plain TypeError deep in the proxy.
    gw.core.store.db.prepare(`UPDATE apps SET upstream = 'not a url /tmp/secret' WHERE slug = 'broken'`).run();
    for (const accept of ['application/json', 'text/html']) {
      const res = await gw.request({ host: gw.host('broken'), path: '/', headers: { accept } });
      expect(res.status, accept).toBe(500);
      if (accept === 'application/json') {
        expect(res.json()).toEqual({
          error: { code: 'INTERNAL_ERROR', message: 'Latchkey failed to answer this request; see its log' },
        });
      }
      expect(res.body).not.toMatch(/Invalid URL|TypeError|\/tmp|\bat \w|\.ts:\d/);
    }
    // The gateway lives on.
    expect((await gw.request({ host: gw.host('echo'), path: '/' })).status).toBe(200);
  });

  it('an unexpected failure while deciding a WebSocket upgrade is answered 500 INTERNAL_ERROR, not a silent reset', async () => {
    gw.core.store.db.prepare(`UPDATE apps SET upstream = 'not a url /tmp/secret' WHERE slug = 'broken'`).run();
    const reply = await gw.raw(
      `GET /socket HTTP/1.1\r\nHost: ${gw.host('broken')}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 500 Internal Server Error');
    expect(reply).toContain('"code":"INTERNAL_ERROR"');
    expect(reply).not.toMatch(/Invalid URL|TypeError|\/tmp/);
  });

  it('a method a route does not take is 405 METHOD_NOT_ALLOWED with Allow, never a 404', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/.latchkey/logout', 'GET, HEAD, POST'],
      ['DELETE', '/.latchkey/console', 'GET, HEAD, POST'],
      ['DELETE', '/api/v1/users', 'GET, POST, HEAD'],
      ['PUT', '/api/v1/users/delete', 'POST'],
    ] as const) {
      const res = await gw.request({ method, path, headers: { accept: 'application/json' } });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('METHOD_NOT_ALLOWED');
    }
    // A path that is nobody's stays a 404.
    const nothing = await gw.request({ method: 'PUT', path: '/api/v1/nothing-here' });
    expect(nothing.status).toBe(404);
    expect(nothing.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
  });

  it('an oversized body is one 413 BODY_TOO_LARGE naming the limit: console API, console link and app alike', async () => {
    const cookie = await consoleLinkSession(gw);
    const big = 'x'.repeat(20 * 1024);
    const answers = [
      await gw.request({
        method: 'POST',
        path: '/api/v1/users',
        headers: { cookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: big }),
      }),
      await gw.request({
        method: 'POST',
        path: '/.latchkey/console',
        headers: { Origin: gw.origin(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `code=${big}`,
      }),
      await gw.request({ host: gw.host('echo'), method: 'POST', path: '/upload', body: big }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(413);
      expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: 'BODY_TOO_LARGE',
        message: expect.stringMatching(/^the request body is larger than \d+ bytes$/),
      });
    }
  });

  it('a chunked body that crosses the limit of a sign-in endpoint is answered 413, not a reset', async () => {
    for (const stillStreaming of [false, true]) {
      const size = 20 * 1024;
      const chunk = `${size.toString(16)}\r\n${'c'.repeat(size)}\r\n`;
      const reply = await rawExchange(
        gw.port,
        `POST /.latchkey/console HTTP/1.1\r\nHost: ${gw.host()}\r\nOrigin: ${gw.origin()}\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n` +
          (stillStreaming ? `10000\r\n${'c'.repeat(size)}` : `${chunk}0\r\n\r\n`),
        2_000,
      );
      expect(reply.text.split('\r\n')[0], `still streaming: ${stillStreaming}`).toBe('HTTP/1.1 413 Payload Too Large');
      expect(reply.text).toContain('"code":"BODY_TOO_LARGE"');
      expect(reply.closedByServer, `still streaming: ${stillStreaming}`).toBe(true);
      expect(reply.ms).toBeLessThan(1_500);
    }
  });

  it('a refused WebSocket upgrade carries the status line of its code', async () => {
    const reply = await gw.raw(
      `GET / HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.example\r\n\r\n`,
    );
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(reply).toContain('"code":"ORIGIN_REFUSED"');
  });
});
