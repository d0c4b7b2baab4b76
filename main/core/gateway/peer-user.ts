import { closeSync, openSync, readSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { endianness, networkInterfaces } from 'node:os';
import type { Socket } from 'node:net';
import { canTellPeerUser, type Peer } from '../auth/peer-binding.js';
import { isLoopbackAddress } from './server.js';

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

interface Waiting {
  needle: string;
  resolve(uid: number | undefined): void;
}

/** Full reads of /proc/net/tcp{,6} so far: a burst of connections must not cost one each. */
let tableReads = 0;
export const peerTableReads = (): number => tableReads;

/**
 * The kernel hands these tables out about a page per read(2), so a table of many sockets
 * is many reads. They are made on the event loop, in turns of this many, with a turn of
 * the loop between: through the thread pool each read was a round trip (and one behind
 * every password hash), which cost a new connection several times the read itself; and
 * a table swollen by other programs' sockets still never holds the loop for long.
 */
const READS_PER_TURN = 16;
const chunk = Buffer.alloc(64 * 1024);

/** One pass over a table for a batch of wanted rows; stops once each is found. */
class TableScan {
  readonly found = new Map<string, number>();
  /** Time spent reading, over all turns. */
  spentMs = 0;
  private fd: number | undefined;
  private rest = '';

  constructor(
    path: string,
    private readonly wanted: ReadonlySet<string>,
  ) {
    tableReads += 1;
    try {
      this.fd = openSync(path, 'r');
    } catch {
      this.fd = undefined;
    }
  }

  /** Reads on for at most one turn; true when the scan is over (every row found, or the end). */
  step(): boolean {
    const started = performance.now();
    const over = this.readOn();
    this.spentMs += performance.now() - started;
    return over;
  }

  private readOn(): boolean {
    if (this.fd === undefined) return true;
    for (let i = 0; i < READS_PER_TURN; i += 1) {
      let n: number;
      try {
        n = readSync(this.fd, chunk, 0, chunk.length, null);
      } catch {
        n = 0;
      }
      if (n === 0) return this.close();
      const text = this.rest + chunk.toString('latin1', 0, n);
      const lastLine = text.lastIndexOf('\n') + 1;
      this.rest = text.slice(lastLine);
      this.scan(text, lastLine);
      // The rest of the table would cost the kernel's walk of it and answer nothing more.
      if (this.found.size === this.wanted.size) return this.close();
    }
    return false;
  }

  private close(): true {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return true;
  }

  /** Whole lines of text up to `end`, scanned in place rather than split. */
  private scan(text: string, end: number): void {
    const keyLength = (this.wanted.values().next().value as string).length;
    // "  sl: local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …"
    for (let at = 0; at < end;) {
      const lineEnd = text.indexOf('\n', at);
      const colon = text.indexOf(': ', at);
      if (colon > 0 && colon < lineEnd) {
        const key = text.slice(colon + 2, colon + 2 + keyLength);
        if (this.wanted.has(key) && !this.found.has(key)) {
          const uid = Number(
            text
              .slice(colon + 2 + keyLength, lineEnd)
              .trim()
              .split(/\s+/)[3],
          );
          if (Number.isInteger(uid)) this.found.set(key, uid);
        }
      }
      at = lineEnd + 1;
    }
  }
}

/**
 * After a read, the next one waits as long as the read took, times the number of
 * connections it answered (up to this many): a lone connection is looked up at once and
 * the next one soon after, while in a flood of connections (another user's, to be turned
 * away) each batch is larger than the last, so the flood is answered by a few reads that
 * leave the loop most of its time, instead of one read per turn of the loop.
 */
const MAX_REST_PER_READ = 16;

/**
 * Looks many connections up in one read of a table. A lookup that arrives while a read is
 * under way waits for the next one: the running read may predate its connection. The
 * first read after a quiet spell starts once the loop has taken in this turn's connections
 * (a check-phase callback, in the same turn: no timer), so every one of them shares it.
 */
class PeerTable {
  private queue: Waiting[] = [];
  private busy = false;
  /** When (performance.now()) the next read may start: a scheduling measure, not a rule. */
  private restUntil = 0;

  constructor(private readonly path: string) {}

  lookup(needle: string): Promise<number | undefined> {
    return new Promise((resolve) => {
      this.queue.push({ needle, resolve });
      if (!this.busy) {
        this.busy = true;
        this.schedule();
      }
    });
  }

  private schedule(): void {
    const rest = this.restUntil - performance.now();
    if (rest > 0) setTimeout(() => this.next(), Math.ceil(rest));
    else setImmediate(() => this.next());
  }

  private next(): void {
    const batch = this.queue;
    this.queue = [];
    const scan = new TableScan(this.path, new Set(batch.map((w) => w.needle)));
    const run = () => {
      if (!scan.step()) {
        setImmediate(run);
        return;
      }
      this.restUntil = performance.now() + Math.min(batch.length, MAX_REST_PER_READ) * scan.spentMs;
      for (const w of batch) w.resolve(scan.found.get(w.needle));
      // Those who came during the read (or the rest) go next.
      if (this.queue.length > 0) this.schedule();
      else this.busy = false;
    };
    run();
  }
}

const tables = { tcp: new PeerTable('/proc/net/tcp'), tcp6: new PeerTable('/proc/net/tcp6') };

/**
 * The OS user who owns the client end of a loopback connection, from /proc/net/tcp{,6}:
 * the established row whose local end is the peer's address and port and whose remote
 * end is ours. Matching the whole four-tuple matters: another user may bind the same
 * port on another loopback address (127.0.0.2) to borrow the owner's row. Only
 * ESTABLISHED rows count: a TIME_WAIT row has lost its owner and reads as uid 0.
 */
function lookUpPeerUid(socket: Socket): Promise<number | undefined> {
  const { remoteAddress, remotePort, localAddress, localPort, remoteFamily } = socket;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined) {
    return Promise.resolve(undefined);
  }
  const table = remoteFamily === 'IPv6' ? 'tcp6' : 'tcp';
  const needle = `${procEndpoint(remoteAddress, remotePort, table)} ${procEndpoint(localAddress, localPort, table)} ${ESTABLISHED}`;
  return tables[table].lookup(needle);
}

/** Each socket's answer, decided once: a number or undefined once known, a promise until then. */
const answers = new WeakMap<Socket, number | undefined | Promise<number | undefined>>();

/** The settled answer for a socket, or the promise of it (the first ask starts the lookup). */
function answerOf(socket: Socket): number | undefined | Promise<number | undefined> {
  if (answers.has(socket)) return answers.get(socket);
  const pending = lookUpPeerUid(socket).then(
    (uid) => {
      answers.set(socket, uid);
      return uid;
    },
    () => {
      answers.set(socket, undefined);
      return undefined;
    },
  );
  answers.set(socket, pending);
  return pending;
}

/**
 * The uid of the OS user on the other end of this socket, where the OS tells (Linux) and
 * the client is a process of this machine; undefined otherwise. Asked once per socket,
 * then remembered; concurrent asks share one read of the table.
 */
export async function peerUidOf(socket: Socket): Promise<number | undefined> {
  if (!canTellPeerUser) return undefined;
  return answerOf(socket);
}

/**
 * Whether the connection comes from the OS user running the gateway: a boolean once
 * known, a promise while the first request of a connection waits for it. Decided once
 * per connection; fails closed when the owner cannot be found.
 */
export function isOwnUser(socket: Socket, ownUid: number): boolean | Promise<boolean> {
  const answer = answerOf(socket);
  if (answer instanceof Promise) return answer.then((uid) => uid === ownUid);
  return answer === ownUid;
}

/** Whether an address is one of this machine's own: its client is then in our tables. */
function isThisMachine(address: string | undefined): boolean {
  if (!address) return true;
  const bare = address.replace(/^::ffff:/i, '');
  if (isLoopbackAddress(bare)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === bare));
}

/**
 * Who is on the other end, as sessions and codes are bound to it (SPEC §7): the OS user
 * of a client on this machine; `remote` for another machine; `unknown` when a client of
 * this machine has no row (it holds nothing); `untold` where the OS does not say.
 */
export async function peerOf(socket: Socket): Promise<Peer> {
  if (!canTellPeerUser) return 'untold';
  const uid = await peerUidOf(socket);
  if (uid !== undefined) return `uid:${uid}`;
  return isThisMachine(socket.remoteAddress) ? 'unknown' : 'remote';
}

/** Whether the peer is the OS user who runs the gateway (anyone, where the OS does not say). */
export function isOwnerPeer(peer: Peer): boolean {
  if (peer === 'untold') return true;
  const own = process.getuid?.();
  return own !== undefined && peer === `uid:${own}`;
}
