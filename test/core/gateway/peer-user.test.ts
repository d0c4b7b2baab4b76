import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { peerTableReads, peerUidOf, procEndpoint } from '../../../main/core/gateway/peer-user.js';

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
