/**
 * SPEC §7: no CORS from upstreams, and no Latchkey cookie set by one, on a WebSocket
 * handshake either. An upgrade the upstream declines (200/403 instead of 101) is an
 * ordinary HTTP answer a page can read; it gets the same response-header rules as a
 * proxied request (Vite CVE-2025-24010 family), and so does the 101.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, statusesOf } from './support.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
let upstream: Server;
let gw: TestGateway;

/** Lines an upstream must not get through to a browser, added to every handshake answer. */
const HOSTILE = (cookieName: string) =>
  'Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n' +
  `Access-Control-Allow-Private-Network: true\r\nSet-Cookie: ${cookieName}=planted; Path=/\r\n` +
  'Set-Cookie: theme=dark; Path=/\r\nX-App: kept\r\n';

beforeAll(async () => {
  let cookieName = 'latchkey_0';
  upstream = createServer();
  upstream.on('upgrade', (req, socket) => {
    const hostile = HOSTILE(cookieName);
    if (req.url?.startsWith('/declined-403')) {
      socket.end(`HTTP/1.1 403 Forbidden\r\n${hostile}Content-Length: 4\r\n\r\nnope`);
    } else if (req.url?.startsWith('/declined-200')) {
      socket.end(`HTTP/1.1 200 OK\r\n${hostile}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    } else {
      const accept = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.end(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Accept: ${accept}\r\n${hostile}\r\n`,
      );
    }
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gw = await startGateway({ apps: [{ slug: 'ws', upstream: `http://127.0.0.1:${port}` }] });
  cookieName = `latchkey_${gw.port}`;
});

afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

async function handshake(path: string): Promise<{ status: number | undefined; head: string; body: string }> {
  const reply = await rawExchange(
    gw.port,
    `GET ${path} HTTP/1.1\r\nHost: ${gw.host('ws')}\r\nOrigin: ${gw.origin('ws')}\r\nConnection: Upgrade\r\n` +
      `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`,
    3_000,
  );
  const split = reply.text.indexOf('\r\n\r\n');
  return {
    status: statusesOf(reply.text)[0],
    head: reply.text.slice(0, split).toLowerCase(),
    body: reply.text.slice(split + 4),
  };
}

function expectFiltered(head: string) {
  expect(head).not.toContain('access-control-');
  expect(head).not.toContain(`latchkey_${gw.port}=planted`);
  expect(head).toContain('set-cookie: theme=dark');
  expect(head).toContain('x-app: kept');
}

describe('WebSocket handshake answers follow the response-header rules of plain HTTP', () => {
  it("a declined upgrade (403) does not pass the upstream's CORS headers or a Latchkey Set-Cookie to the page", async () => {
    const { status, head, body } = await handshake('/declined-403');
    expect(status).toBe(403);
    expectFiltered(head);
    expect(body).toBe('nope');
  });

  it("a declined upgrade answered 200 (chunked) does not pass the upstream's CORS headers, and its body arrives whole", async () => {
    const { status, head, body } = await handshake('/declined-200');
    expect(status).toBe(200);
    expectFiltered(head);
    expect(head).not.toContain('transfer-encoding');
    expect(body).toBe('hello');
  });

  it("a 101 does not pass the upstream's CORS headers or a Latchkey Set-Cookie, and keeps its handshake lines", async () => {
    const { status, head } = await handshake('/switch');
    expect(status).toBe(101);
    expectFiltered(head);
    expect(head).toContain('upgrade: websocket');
    expect(head).toContain('connection: upgrade');
    expect(head).toContain('sec-websocket-accept:');
  });
});
