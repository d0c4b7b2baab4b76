import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { peerUidOf, procEndpoint } from '../../../main/core/gateway/peer-user.js';

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
