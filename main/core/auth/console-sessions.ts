import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { bindingHolds, bindingOf, type Peer } from './peer-binding.js';
import type { Clock } from '../clock.js';
import { writeFileAtomically } from '../atomic-file.js';
import { writeTransaction } from '../db/write.js';
import type { Store } from '../store.js';

const LINK_KEY = 'console.link';
export const CONSOLE_IDLE_MS = 30 * 60_000;
/** An unredeemed console link stays valid this long. */
const LINK_LIFETIME_MS = 24 * 3_600_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const consoleLinkFile = (dataDir: string) => join(dataDir, 'console-link');

/**
 * Mints the console link (SPEC §8): a secret whose hash is stored, so the CLI (another
 * process) can mint one for a running gateway; written owner-only to the data directory.
 * One link at a time: minting replaces the previous one.
 */
export function mintConsoleLink(store: Store, port: number): string {
  const code = randomBytes(24).toString('base64url');
  store.settings.setMany({ [LINK_KEY]: { hash: sha256(code), expiresAt: store.clock.now() + LINK_LIFETIME_MS } });
  const url = `http://latchkey.localhost:${port}/.latchkey/console?code=${code}`;
  writeFileAtomically(consoleLinkFile(store.dataDir), `${url}\n`);
  return url;
}

/**
 * Burns the link if `code` is it: true once, then never again. The opening is in the
 * audit log, burnt and recorded in one transaction: a console opened is an Admin's power
 * handed to a browser, whoever holds the link.
 */
export function redeemConsoleLink(store: Store, code: string): boolean {
  if (!/^[A-Za-z0-9_-]{32}$/.test(code)) return false;
  // Read and burnt under one write lock: two redemptions cannot both see the link.
  return writeTransaction(store.db, () => {
    const stored = store.settings.get(LINK_KEY);
    if (!stored || stored.expiresAt <= store.clock.now()) return false;
    const matches = timingSafeEqual(Buffer.from(stored.hash, 'hex'), Buffer.from(sha256(code), 'hex'));
    if (matches) {
      store.settings.setMany({ [LINK_KEY]: null });
      store.audit.record('console.opened', SYSTEM_ACTORS.consoleLink, null);
    }
    return matches;
  });
}

/**
 * Console sessions from redeemed links: in the gateway's memory, 30 minutes idle, bound
 * to the OS user whose connection redeemed the link (a cookie received by another local
 * program is worth nothing over its connection).
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, { lastSeen: number; peer: string | undefined }>();

  constructor(private readonly clock: Clock) {}

  start(peer: Peer): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { lastSeen: this.clock.now(), peer: bindingOf(peer) });
    return id;
  }

  /** Whether the session is alive and bound to this peer; keeps it alive. */
  touch(id: string | undefined, peer: Peer): boolean {
    if (!id) return false;
    const session = this.sessions.get(id);
    const now = this.clock.now();
    if (!session || !bindingHolds(session.peer, peer)) return false;
    if (now - session.lastSeen >= CONSOLE_IDLE_MS) {
      this.sessions.delete(id);
      return false;
    }
    session.lastSeen = now;
    return true;
  }

  /** Whether the session is alive and bound to this peer, without keeping it alive. */
  alive(id: string | undefined, peer: Peer): boolean {
    const session = id ? this.sessions.get(id) : undefined;
    return !!session && bindingHolds(session.peer, peer) && this.clock.now() - session.lastSeen < CONSOLE_IDLE_MS;
  }

  /** Ends the session, when asked over a connection of the OS user it is bound to. */
  end(id: string | undefined, peer: Peer): void {
    const session = id ? this.sessions.get(id) : undefined;
    if (id && session && bindingHolds(session.peer, peer)) this.sessions.delete(id);
  }
}
