/**
 * SPEC §7, security case 39: request smuggling and framing. The gateway runs Node's
 * strict llhttp parser (never `insecureHTTPParser`), re-frames bodies itself, and answers
 * ambiguous framing with 400 and a closed connection; nothing reaches the upstream.
 */
import type * as Http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, rawExchange, reached, statusesOf } from './support.js';

/** Every options object the code under test passed to http.createServer. */
const serverOptions = vi.hoisted(() => [] as Http.ServerOptions[]);

vi.mock('node:http', async (importOriginal) => {
  const http = await importOriginal<typeof Http>();
  const createServer = ((...args: unknown[]) => {
    if (typeof args[0] === 'object' && args[0] !== null) serverOptions.push(args[0] as Http.ServerOptions);
    return (http.createServer as (...a: unknown[]) => Http.Server)(...args);
  }) as typeof http.createServer;
  return { ...http, createServer, default: { ...http, createServer } };
});

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/**
 * Sends a raw attack and expects a 400 (or, at worst, a closed connection with no 2xx),
 * and that none of the marked requests, smuggled or not, reached the upstream.
 */
async function expectRejected(build: (host: string, mark: string, hidden: string) => string) {
  const mark = marker('smug');
  const hidden = marker('hidden');
  const before = up.seen.length;
  const reply = await rawExchange(gw.port, build(gw.host('echo'), mark, hidden), 2_000);
  const statuses = statusesOf(reply.text);
  expect(
    statuses.filter((s) => s < 400),
    `reply: ${JSON.stringify(reply.text.slice(0, 200))}`,
  ).toEqual([]);
  expect(statuses[0] ?? 400, `reply: ${JSON.stringify(reply.text.slice(0, 200))}`).toBe(400);
  expect(reply.closedByServer, 'the connection must be closed after a framing error').toBe(true);
  expect(reached(up, mark)).toEqual([]);
  expect(reached(up, hidden)).toEqual([]);
  expect(up.seen.length).toBe(before);
  await expectStillServing(gw, up, mark);
  return reply;
}

const smuggled = (host: string, hidden: string) => `GET /echo?${hidden} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;

describe('request smuggling is refused with 400 and a closed connection', () => {
  it('CL.TE: Content-Length together with Transfer-Encoding: chunked is 400 (llhttp strict; Node CVE-2022-32215)', async () => {
    await expectRejected((host, mark, hidden) => {
      const body = `0\r\n\r\n${smuggled(host, hidden)}`;
      return `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    });
  });

  it('TE.CL: Transfer-Encoding: chunked before a short Content-Length is 400', async () => {
    await expectRejected(
      (host, mark, hidden) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n` +
        `5c\r\n${smuggled(host, hidden)}\r\n0\r\n\r\n`,
    );
  });

  it('Transfer-Encoding: chunked, identity is 400 (the final coding must be chunked; Node CVE-2022-32213)', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it('Transfer-Encoding: xchunked is 400', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it('two Transfer-Encoding lines (chunked, then identity) are 400', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it('two different Content-Length lines are 400', async () => {
    await expectRejected(
      (host, mark, hidden) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nContent-Length: ${smuggled(host, hidden).length}\r\n\r\n${smuggled(host, hidden)}`,
    );
  });

  it('a comma-joined Content-Length: 5, 7 is 400', async () => {
    await expectRejected(
      (host, mark) => `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5, 7\r\n\r\nhello12`,
    );
  });

  it('Content-Length: +5 is 400', async () => {
    await expectRejected(
      (host, mark) => `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: +5\r\n\r\nhello`,
    );
  });

  it('Content-Length: -1 is 400', async () => {
    await expectRejected(
      (host, mark) => `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\nhello`,
    );
  });

  it('obs-fold Transfer-Encoding:\\r\\n chunked is 400 (Node CVE-2022-32214)', async () => {
    await expectRejected(
      (host, mark, hidden) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n${smuggled(host, hidden)}`,
    );
  });

  it('a space before the colon (Transfer-Encoding : chunked) is 400', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it('bare LF line endings are 400 (Node CVE-2023-30589 family)', async () => {
    await expectRejected((host, mark) => `GET /echo?${mark} HTTP/1.1\nHost: ${host}\n\n`);
  });

  it('a bare CR inside the header block is 400 (Node CVE-2023-30589)', async () => {
    await expectRejected(
      (host, mark) => `GET /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nX-A: 1\rTransfer-Encoding: chunked\r\n\r\n`,
    );
  });

  it('a bare LF ending a chunk-size line is 400', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`,
    );
  });

  it('a chunk-size with an invalid hex digit is 400', async () => {
    await expectRejected(
      (host, mark) =>
        `POST /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n5g\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it('a control character (\\x01) in a header value is 400: only the lenient parser would accept it', async () => {
    await expectRejected((host, mark) => `GET /echo?${mark} HTTP/1.1\r\nHost: ${host}\r\nX-Probe: a\x01b\r\n\r\n`);
  });

  it('oversized chunk extensions are refused (4xx, never proxied; Node CVE-2024-22019)', async () => {
    const mark = marker('chunkext');
    const reply = await rawExchange(
      gw.port,
      `POST /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `5;${'a'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`,
      2_000,
    );
    const statuses = statusesOf(reply.text);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect(reached(up, mark)).toEqual([]);
    await expectStillServing(gw, up, mark);
  });
});

describe('the gateway frames bodies itself', () => {
  it('a request hidden inside a Content-Length body is body bytes to the upstream, not a second request', async () => {
    const mark = marker('carrier');
    const hidden = marker('hidden');
    const body = smuggled(gw.host('echo'), hidden);
    const reply = await rawExchange(
      gw.port,
      `POST /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      2_000,
    );
    expect(statusesOf(reply.text)).toEqual([200]);
    const seen = reached(up, mark);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.bodyBytes).toBe(body.length);
    expect(reached(up, hidden)).toEqual([]);
  });

  it('bytes after a Content-Length body are parsed by the gateway as its own next request (a foreign Host there is 421)', async () => {
    const mark = marker('first');
    const hidden = marker('next');
    const reply = await rawExchange(
      gw.port,
      `POST /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nContent-Length: 5\r\n\r\nhello` +
        `GET /echo?${hidden} HTTP/1.1\r\nHost: evil.example:${gw.port}\r\nConnection: close\r\n\r\n`,
      2_000,
    );
    expect(statusesOf(reply.text)).toEqual([200, 421]);
    expect(reached(up, mark)[0]?.bodyBytes).toBe(5);
    expect(reached(up, hidden)).toEqual([]);
  });

  it('a chunked request body reaches the upstream with the right length and no client framing headers', async () => {
    const mark = marker('chunked');
    const reply = await rawExchange(
      gw.port,
      `POST /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`,
      2_000,
    );
    expect(statusesOf(reply.text)).toEqual([200]);
    expect(reached(up, mark)[0]?.bodyBytes).toBe(11);
  });
});

describe('the server runs the strict parser', () => {
  it('http.createServer is called with insecureHTTPParser false (never true), with a header size limit', () => {
    const gatewayServers = serverOptions.filter((o) => 'requireHostHeader' in o || 'headersTimeout' in o);
    expect(gatewayServers.length).toBeGreaterThan(0);
    for (const options of gatewayServers) {
      expect(options.insecureHTTPParser).toBe(false);
      expect(options.maxHeaderSize ?? 16 * 1024).toBeLessThanOrEqual(16 * 1024);
    }
    expect(serverOptions.some((o) => o.insecureHTTPParser === true)).toBe(false);
  });

  it('the process does not run with --insecure-http-parser', () => {
    expect(process.execArgv.join(' ')).not.toContain('insecure-http-parser');
    expect(process.env.NODE_OPTIONS ?? '').not.toContain('insecure-http-parser');
  });
});
