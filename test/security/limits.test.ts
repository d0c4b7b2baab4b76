/**
 * SPEC §7, security cases 43–44: oversized headers (431) and bodies (413), slow clients
 * (408), and the gateway answering normally after each of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startGateway, statusOf, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, rawExchange, reached, statusesOf, tryRequest } from './support.js';

const MAX_BODY = 1024;
let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [{ slug: 'echo', upstream: up.url }],
    env: {
      LATCHKEY_GATEWAY_MAX_BODY_SIZE: String(MAX_BODY),
      LATCHKEY_GATEWAY_HEADERS_TIMEOUT: '1s',
      LATCHKEY_GATEWAY_REQUEST_TIMEOUT: '2s',
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

describe('oversized headers', () => {
  it('a single 20 KB header is 431 and never proxied (Node maxHeaderSize 16 KiB)', async () => {
    const mark = marker('bighdr');
    const res = await tryRequest(gw, {
      host: gw.host('echo'),
      path: `/echo?${mark}`,
      headers: { 'X-Big': 'a'.repeat(20 * 1024) },
    });
    expect(res.status).toBe(431);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('a 64 KB Cookie is 431 and never proxied', async () => {
    const mark = marker('bigcookie');
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nCookie: c=${'b'.repeat(64 * 1024)}\r\n\r\n`,
      2_000,
    );
    expect(statusOf(reply.text)).toBe(431);
    expect(reply.closedByServer).toBe(true);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('a 20 KB request line (URL) is refused with 4xx and never proxied', async () => {
    const mark = marker('bigurl');
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${mark}&${'u'.repeat(20 * 1024)} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\n\r\n`,
      2_000,
    );
    const status = statusOf(reply.text);
    expect([414, 431, 400]).toContain(status);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });
});

describe('oversized bodies (gateway.max-body-size)', () => {
  it('a body exactly at the limit passes (control)', async () => {
    const mark = marker('atlimit');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'POST',
      path: `/upload?${mark}`,
      body: 'x'.repeat(MAX_BODY),
    });
    expect(res.status).toBe(200);
    expect(reached(up, mark)[0]?.bodyBytes).toBe(MAX_BODY);
  });

  it('a body over the limit with Content-Length is 413 and never proxied', async () => {
    const mark = marker('bigcl');
    const res = await tryRequest(gw, {
      host: gw.host('echo'),
      method: 'POST',
      path: `/upload?${mark}`,
      body: 'x'.repeat(MAX_BODY * 2),
    });
    expect(res.status).toBe(413);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('a huge declared Content-Length (1 GB) is 413 at once, without waiting for the body', async () => {
    const mark = marker('hugecl');
    const reply = await rawExchange(
      gw.port,
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nContent-Length: ${1024 ** 3}\r\n\r\nxxxx`,
      2_000,
    );
    expect(statusOf(reply.text)).toBe(413);
    expect(reply.ms).toBeLessThan(1_900);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('a chunked body over the limit is 413 and the upstream never receives a complete over-limit body', async () => {
    const mark = marker('bigchunked');
    const size = MAX_BODY * 2;
    const reply = await rawExchange(
      gw.port,
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n0\r\n\r\n`,
      2_000,
    );
    const seen = reached(up, mark);
    expect(seen.filter((s) => s.bodyBytes > MAX_BODY)).toEqual([]);
    expect(statusOf(reply.text), `reply: ${JSON.stringify(reply.text.slice(0, 120))}`).toBe(413);
    expect(seen).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('a chunked body that crosses the limit in small chunks is 413 and never completes upstream', async () => {
    const mark = marker('smallchunks');
    let body = '';
    for (let sent = 0; sent <= MAX_BODY * 2; sent += 100) body += `64\r\n${'y'.repeat(100)}\r\n`;
    const reply = await rawExchange(
      gw.port,
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nTransfer-Encoding: chunked\r\n\r\n${body}0\r\n\r\n`,
      2_000,
    );
    const seen = reached(up, mark);
    expect(seen.filter((s) => s.bodyBytes > MAX_BODY)).toEqual([]);
    expect(statusOf(reply.text), `reply: ${JSON.stringify(reply.text.slice(0, 120))}`).toBe(413);
    await expectStillServing(gw, up, mark);
  });
});

describe('oversized streamed bodies', () => {
  it('a chunked upload that crosses the limit while still streaming (1 GB-upload style) is answered 413, not a reset', async () => {
    const mark = marker('streaming');
    // Announces a 64 KiB chunk, sends 2 KiB of it, then keeps the request open.
    const reply = await stall(
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `10000\r\n${'z'.repeat(MAX_BODY * 2)}`,
      3_000,
    );
    expect(statusOf(reply.text), `reply after ${reply.ms} ms: ${JSON.stringify(reply.text.slice(0, 120))}`).toBe(413);
    expect(reached(up, mark).filter((s) => s.bodyBytes > MAX_BODY)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });
});

/** Opens a socket and writes `text`, then stalls. Resolves on close or after `waitMs`. */
function stall(
  text: string,
  waitMs: number,
): Promise<{ text: string; closedByServer: boolean; ms: number; socket: Socket }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(gw.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
      socket.destroy();
    });
    socket.on('error', () => (closedByServer = true));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer, ms: Date.now() - started, socket });
    });
    socket.write(text);
  });
}

describe('slow clients (headers timeout 1 s, request timeout 2 s)', () => {
  it('slowloris: a partial header line that stalls is answered 408 and closed within the headers timeout (CVE-2018-12122)', async () => {
    const mark = marker('slowloris');
    const reply = await stall(`GET /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nX-Slow: a`, 4_500);
    expect(reply.closedByServer, `still open after ${reply.ms} ms`).toBe(true);
    expect(statusOf(reply.text)).toBe(408);
    expect(reply.ms).toBeLessThan(4_000);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });

  it('slowloris: 50 stalled connections do not stop the gateway answering, and all are closed', async () => {
    const stalls = Array.from({ length: 50 }, (_, i) =>
      stall(`GET /echo?slow-${i} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nX-Slow`, 4_500),
    );
    const started = Date.now();
    await expectStillServing(gw, up);
    expect(Date.now() - started).toBeLessThan(1_000);
    const replies = await Promise.all(stalls);
    expect(replies.filter((r) => !r.closedByServer)).toEqual([]);
  });

  it('a connection that sends nothing at all is closed within the headers timeout', async () => {
    const reply = await stall('', 4_500);
    expect(reply.closedByServer, `still open after ${reply.ms} ms`).toBe(true);
    expect(reply.ms).toBeLessThan(4_000);
    await expectStillServing(gw, up);
  });

  it('slow body: a body trickled past the request timeout is answered 408 (or closed) and never completes upstream', async () => {
    const mark = marker('slowbody');
    const reply = await stall(
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nContent-Length: 100\r\n\r\n0123456789`,
      5_000,
    );
    expect(reply.closedByServer, `still open after ${reply.ms} ms`).toBe(true);
    expect(reply.ms).toBeLessThan(4_500);
    const statuses = statusesOf(reply.text);
    expect(statuses.filter((s) => s < 400)).toEqual([]);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });
});
