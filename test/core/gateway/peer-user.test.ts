import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peerTableReads, peerUidOf, procEndpoint } from '../../../main/core/gateway/peer-user.js';
import { startGateway } from '../../helpers/gateway.js';
import { startUpstream } from '../../helpers/upstream.js';

describe('procEndpoint', () => {
  it('writes addresses the way /proc/net/tcp does on little-endian machines', () => {
    expect(procEndpoint('127.0.0.1', 7780, 'tcp')).toBe('0100007F:1E64');
    expect(procEndpoint('::1', 7780, 'tcp6')).toBe('00000000000000000000000001000000:1E64');
    expect(procEndpoint('::ffff:127.0.0.1', 80, 'tcp6')).toBe('0000000000000000FFFF00000100007F:0050');
  });
});

describe('peerUidOf', () => {
  it.skipIf(process.platform !== 'linux')('finds the OS user of a loopback client', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const socket = await accepted;
    expect(await peerUidOf(socket)).toBe(process.getuid?.());
    client.destroy();
    server.close();
  });
});

describe('owner lookups scale with bursts of connections', () => {
  it.skipIf(process.platform !== 'linux')(
    'a burst of 300 new connections is answered by a few reads of /proc/net/tcp, not one each',
    async () => {
      const COUNT = 300;
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const accepted: Socket[] = [];
      const all = new Promise<void>((r) =>
        server.on('connection', (s) => {
          accepted.push(s);
          if (accepted.length === COUNT) r();
        }),
      );
      const port = (server.address() as AddressInfo).port;
      const clients = Array.from({ length: COUNT }, () => connect(port, '127.0.0.1'));
      await all;
      const before = peerTableReads();
      const uids = await Promise.all(accepted.map((s) => peerUidOf(s)));
      expect(uids.every((u) => u === process.getuid?.())).toBe(true);
      expect(peerTableReads() - before).toBeLessThanOrEqual(2);
      // Asked again, a socket's answer is remembered: no further read.
      await Promise.all(accepted.map((s) => peerUidOf(s)));
      expect(peerTableReads() - before).toBeLessThanOrEqual(2);
      for (const c of clients) c.destroy();
      server.close();
    },
  );
});

/**
 * Holds every thread of libuv's pool (as password hashes or a slow disk do) in an open(2)
 * of a FIFO that has no writer yet; `release` opens the writer and lets them all finish.
 */
function occupyThreadPool(): { release(): Promise<void>; done(): boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pool-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let finished = 0;
  const held = Array.from({ length: size }, () =>
    open(fifo, 'r').then((handle) => {
      finished += 1;
      return handle.close();
    }),
  );
  return {
    done: () => finished > 0,
    async release() {
      const writer = openSync(fifo, 'w');
      await Promise.all(held);
      closeSync(writer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the owner check does not queue behind the thread pool', () => {
  it.skipIf(process.platform !== 'linux')(
    'finds the OS user of a new connection while every thread-pool thread is busy',
    async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const accepted = new Promise<Socket>((r) => server.once('connection', r));
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const socket = await accepted;
      const pool = occupyThreadPool();
      try {
        expect(await peerUidOf(socket)).toBe(process.getuid?.());
        expect(pool.done()).toBe(false);
      } finally {
        await pool.release();
        client.destroy();
        server.close();
      }
    },
    10_000,
  );

  it.skipIf(process.platform !== 'linux')(
    'in impersonation mode a new connection gets its server-sent events, in order, while password hashes hold the thread pool',
    async () => {
      const up = await startUpstream();
      const gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
      const pool = occupyThreadPool();
      try {
        const res = await gw.request({ host: gw.host('echo'), path: '/sse' });
        expect(res.status).toBe(200);
        expect(res.body).toBe('data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\n');
        expect(pool.done()).toBe(false);
      } finally {
        await pool.release();
        await gw.close();
        await up.close();
      }
    },
    10_000,
  );
});
