import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { endianness } from 'node:os';
import type { Socket } from 'node:net';

const ESTABLISHED = '01';
const littleEndian = endianness() === 'LE';

/** One 32-bit word as the kernel prints it in /proc/net/tcp: host byte order, in hex. */
function word(bytes: readonly number[]): string {
  const ordered = littleEndian ? [...bytes].reverse() : bytes;
  return ordered
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const bytes: number[] = [];
  const mapped = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  let tail: number[] = [];
  if (mapped) {
    text = `${mapped[1]}0:0`;
    tail = ipv4Bytes(mapped[2] as string);
  }
  const [head = '', rest = ''] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = text.includes('::') ? (rest ? rest.split(':') : []) : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  for (const g of groups) {
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** An address and port as they appear in /proc/net/tcp{,6}: `0100007F:1E64`. */
export function procEndpoint(ip: string, port: number, table: 'tcp' | 'tcp6'): string {
  let hex: string;
  if (table === 'tcp') {
    hex = word(ipv4Bytes(ip));
  } else {
    const bytes = isIPv4(ip) ? ipv6Bytes(`::ffff:${ip}`) : ipv6Bytes(ip);
    hex = [0, 4, 8, 12].map((i) => word(bytes.slice(i, i + 4))).join('');
  }
  return `${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The OS user who owns the client end of a loopback connection, from /proc/net/tcp{,6}:
 * the established row whose local end is the peer's address and port and whose remote
 * end is ours. Matching the whole four-tuple matters: another user may bind the same
 * port on another loopback address (127.0.0.2) to borrow the owner's row. The table is
 * read off the event loop and searched, not split: it holds every socket of the machine.
 */
export async function peerUid(socket: Socket): Promise<number | undefined> {
  const { remoteAddress, remotePort, localAddress, localPort, remoteFamily } = socket;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined) return undefined;
  const table = remoteFamily === 'IPv6' ? 'tcp6' : 'tcp';
  let text: string;
  try {
    text = await readFile(`/proc/net/${table}`, 'latin1');
  } catch {
    return undefined;
  }
  // "  sl: local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …"
  const needle = ` ${procEndpoint(remoteAddress, remotePort, table)} ${procEndpoint(localAddress, localPort, table)} ${ESTABLISHED} `;
  const at = text.indexOf(needle);
  if (at < 0) return undefined;
  const end = text.indexOf('\n', at);
  const fields = text
    .slice(at, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/);
  const uid = Number(fields[6]);
  return Number.isInteger(uid) ? uid : undefined;
}

export const canTellPeerUser = process.platform === 'linux';

const verdicts = new WeakMap<Socket, boolean | Promise<boolean>>();

/**
 * Whether the connection comes from the OS user running the gateway: a boolean once
 * known, a promise while the first request of a connection waits for it. Decided once
 * per connection; fails closed when the owner cannot be found.
 */
export function isOwnUser(socket: Socket, ownUid: number): boolean | Promise<boolean> {
  let verdict = verdicts.get(socket);
  if (verdict === undefined) {
    verdict = peerUid(socket).then(
      (uid) => {
        const own = uid === ownUid;
        verdicts.set(socket, own);
        return own;
      },
      () => {
        verdicts.set(socket, false);
        return false;
      },
    );
    verdicts.set(socket, verdict);
  }
  return verdict;
}
