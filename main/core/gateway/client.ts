import type { Socket } from 'node:net';
import { UNKNOWN_CLIENT } from '../auth/regulation.js';
import { peerOf } from './peer-user.js';

/**
 * Who is on the other end of a connection, for regulation: `uid:<n>`, the OS user of a
 * loopback connection where the OS tells (Linux); `remote` for every client of another
 * machine; else one bucket shared by all. Every address is 127.0.0.1 on loopback, and
 * forwarding headers are never read.
 */
export async function clientOf(socket: Socket): Promise<string> {
  const peer = await peerOf(socket).catch(() => 'unknown' as const);
  return peer.startsWith('uid:') || peer === 'remote' ? peer : UNKNOWN_CLIENT;
}
