import type { Socket } from 'node:net';
import { UNKNOWN_CLIENT } from '../auth/regulation.js';
import { canTellPeerUser, peerUid } from './peer-user.js';

/**
 * Who is on the other end of a connection, for regulation: `uid:<n>`, the OS user of a
 * loopback connection where the OS tells (Linux), else one bucket shared by all. Every
 * address is 127.0.0.1 on loopback, and forwarding headers are never read.
 */
export async function clientOf(socket: Socket): Promise<string> {
  if (!canTellPeerUser) return UNKNOWN_CLIENT;
  const uid = await peerUid(socket).catch(() => undefined);
  return uid === undefined ? UNKNOWN_CLIENT : `uid:${uid}`;
}
