import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * The OS user who owns the client end of a loopback connection, from /proc/net/tcp{,6}:
 * the client's socket is the row whose local port is the peer's port and whose remote
 * port is ours. `undefined` when the OS does not tell (not Linux) or the row is gone.
 */
export function peerUid(socket: Socket): number | undefined {
  const { remotePort, localPort, remoteFamily } = socket;
  if (remotePort === undefined || localPort === undefined) return undefined;
  const table = remoteFamily === 'IPv6' ? '/proc/net/tcp6' : '/proc/net/tcp';
  let text: string;
  try {
    text = readFileSync(table, 'latin1');
  } catch {
    return undefined;
  }
  const local = `:${hexPort(remotePort)}`;
  const remote = `:${hexPort(localPort)}`;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid …
    if (fields.length < 8 || !fields[1]?.endsWith(local) || !fields[2]?.endsWith(remote)) continue;
    return Number(fields[7]);
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

export const canTellPeerUser = process.platform === 'linux';

const verdicts = new WeakMap<Socket, boolean>();

/**
 * Whether the connection comes from the OS user running the gateway. Decided once per
 * connection; fails closed on Linux when the owner cannot be found.
 */
export function isOwnUser(socket: Socket, ownUid: number): boolean {
  let verdict = verdicts.get(socket);
  if (verdict === undefined) {
    verdict = peerUid(socket) === ownUid;
    verdicts.set(socket, verdict);
  }
  return verdict;
}
