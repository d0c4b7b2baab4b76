import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const MIB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An upstream that sends `total` bytes in 1 MiB messages, each once the last was written. */
async function floodingUpstream(total: number) {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const progress = { written: 0, lastWriteAt: Date.now() };
  const message = Buffer.alloc(MIB, 0x61);
  wss.on('connection', (ws: WebSocket) => {
    const next = () => {
      if (progress.written >= total) return;
      ws.send(message, { binary: true }, (error) => {
        if (error) return;
        progress.written += MIB;
        progress.lastWriteAt = Date.now();
        next();
      });
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, progress };
}

/**
 * A client that completes the handshake by hand, then reads nothing until told. `early`:
 * the bytes of frames that came in the same read as the handshake's answer.
 */
function stalledClient(gw: TestGateway, slug: string): Promise<{ socket: Socket; early: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    socket.on('error', reject);
    socket.write(
      `GET /flood HTTP/1.1\r\nHost: ${gw.host(slug)}\r\nOrigin: ${gw.origin(slug)}\r\n` +
        'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`no switch: ${head.split('\r\n')[0]}`));
      else resolve({ socket, early: head.length - head.indexOf('\r\n\r\n') - 4 });
    };
    socket.on('data', onData);
  });
}

/** Resolves once `check` holds, looking at each turn of the event loop; fails after `withinMs`. */
async function until(check: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the WebSocket relay', () => {
  it('a client that stops reading cannot make the gateway buffer what its upstream sends (backpressure)', async () => {
    const total = 64 * MIB;
    const up = await floodingUpstream(total);
    const gw = await startGateway({ apps: [{ slug: 'flood', upstream: up.url }] });
    cleanups.push(() => gw.close());
    const { socket: client, early } = await stalledClient(gw, 'flood');

    // Stalled: the upstream's writes stop completing (none for half a second: a stall is
    // the absence of an event), long before it has sent everything.
    // (Without backpressure the gateway reads all of it into memory and they all complete.)
    await until(
      () => progress().stalled || up.progress.written >= total,
      20_000,
      'the upstream stalls or sends everything',
    );
    function progress() {
      return { stalled: up.progress.written > 0 && Date.now() - up.progress.lastWriteAt > 500 };
    }
    expect(up.progress.written).toBeLessThan(total / 2);

    // Reading again lets everything through, to the last byte: each message with its
    // 10-byte frame header (a 64-bit length).
    const expected = total + (total / MIB) * 10;
    let received = early;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    client.resume();
    await until(() => received >= expected, 20_000, 'the client has received everything');
    expect(received).toBe(expected);
  });
});
