/**
 * SPEC §7, security case 10: cross-site WebSocket hijacking. Browsers apply no CORS to
 * WebSockets and Chrome's Local Network Access does not gate them yet, so every upgrade
 * must come from the target's own origin, checked in the 'upgrade' handler before
 * anything is relayed to the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, statusOf, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, rawExchange, reached } from './support.js';

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

type Outcome = { opened: true; echoed: string | undefined } | { opened: false; status: number; error?: string };

/** Opens a WebSocket through the gateway with the given Host/Origin; bounded to 3 s. */
function tryWebSocket(path: string, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}${path}`, { headers, handshakeTimeout: 3_000 });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ opened: false, status: 0, error: 'timeout' });
    }, 3_000);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    ws.on('unexpected-response', (_req, res) => {
      done({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('error', (error) => done({ opened: false, status: 0, error: error.message }));
    ws.on('open', () => {
      ws.send('ping-through-gateway');
      ws.once('message', (data) => {
        done({ opened: true, echoed: String(data) });
        ws.close();
      });
    });
  });
}

function wsSeen(mark: string) {
  return up.seen.filter((s) => s.method === 'WS' && s.url.includes(mark));
}

async function expectUpgradeRefused(headers: Record<string, string>, statuses: number[] = [403]) {
  const mark = marker('ws');
  const wsBefore = up.seen.filter((s) => s.method === 'WS').length;
  const outcome = await tryWebSocket(`/socket?${mark}`, headers);
  expect(outcome.opened, JSON.stringify(outcome)).toBe(false);
  if (!outcome.opened) expect(statuses).toContain(outcome.status);
  expect(wsSeen(mark)).toEqual([]);
  expect(reached(up, mark)).toEqual([]);
  expect(up.seen.filter((s) => s.method === 'WS').length).toBe(wsBefore);
}

describe('WebSocket upgrades', () => {
  it('a same-origin WebSocket opens through the gateway and its message is echoed', async () => {
    const mark = marker('ws-ok');
    const outcome = await tryWebSocket(`/socket?${mark}`, { Host: gw.host('echo'), Origin: gw.origin('echo') });
    expect(outcome).toEqual({ opened: true, echoed: 'ping-through-gateway' });
    expect(wsSeen(mark)).toHaveLength(1);
  });

  it('CSWSH: an upgrade with the Origin of another app host (http://other.localhost:<port>) is 403 and never reaches the upstream', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), Origin: gw.origin('other') });
  });

  it('CSWSH: an upgrade with Origin https://evil.example is 403 and never reaches the upstream (Vite GHSA-vg6x-rcgg-rjx6, webpack-dev-server CVE-2018-14732)', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), Origin: 'https://evil.example' });
  });

  it('CSWSH: an upgrade with Origin null (file:// page, sandboxed iframe) is 403', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), Origin: 'null' });
  });

  it('CSWSH: an upgrade from another local dev server (Origin http://localhost:5173) is 403', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), Origin: 'http://localhost:5173' });
  });

  it('CSWSH: an upgrade from an IP-address origin (http://127.0.0.1:<port>) is 403 (webpack-dev-server CVE-2025-30360)', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), Origin: `http://127.0.0.1:${gw.port}` });
  });

  it('CSWSH: an upgrade without Origin but with Sec-Fetch-Site same-site is 403', async () => {
    await expectUpgradeRefused({ Host: gw.host('echo'), 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'websocket' });
  });

  it('DNS rebinding: an upgrade with a foreign Host (and the matching Origin a rebound page sends) is 421/403', async () => {
    await expectUpgradeRefused(
      { Host: `attacker.example:${gw.port}`, Origin: `http://attacker.example:${gw.port}` },
      [421, 403],
    );
    await expectUpgradeRefused(
      { Host: `localhost.attacker.com:${gw.port}`, Origin: `http://localhost.attacker.com:${gw.port}` },
      [421, 403],
    );
  });

  it('an upgrade without Host (raw HTTP/1.1) is 400 and never reaches the upstream', async () => {
    const mark = marker('ws-nohost');
    const reply = await rawExchange(
      gw.port,
      `GET /socket?${mark} HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(wsSeen(mark)).toEqual([]);
  });

  it('an upgrade with two Host lines is 400 and never reaches the upstream', async () => {
    const mark = marker('ws-twohost');
    const reply = await rawExchange(
      gw.port,
      `GET /socket?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nHost: evil.example\r\nOrigin: ${gw.origin('echo')}\r\n` +
        `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(wsSeen(mark)).toEqual([]);
  });

  it('an h2c upgrade (Upgrade: h2c, HTTP2-Settings) is refused with 400 and never reaches the upstream (case 37)', async () => {
    const mark = marker('h2c');
    const before = up.seen.length;
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
        `Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(reply.text).not.toContain('101 Switching Protocols');
    expect(up.seen.length).toBe(before);
    await expectStillServing(gw, up, mark);
  });

  it('an upgrade to an unknown protocol (Upgrade: foo) is refused with 400', async () => {
    const mark = marker('upfoo');
    const reply = await rawExchange(
      gw.port,
      `GET /echo?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n`,
    );
    expect(statusOf(reply.text)).toBe(400);
    expect(reached(up, mark)).toEqual([]);
  });

  it('a same-origin WebSocket still works after the refused upgrades', async () => {
    const outcome = await tryWebSocket('/socket', { Host: gw.host('echo'), Origin: gw.origin('echo') });
    expect(outcome).toEqual({ opened: true, echoed: 'ping-through-gateway' });
    await expectStillServing(gw, up);
  });
});
