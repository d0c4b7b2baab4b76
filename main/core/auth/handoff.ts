import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import { bindingHolds, bindingOf, type Peer } from './peer-binding.js';

const LIFETIME_MS = 30_000;
/** Codes one session may have pending: a few tabs opening apps at once. Its oldest goes first. */
export const PENDING_PER_SESSION = 8;
/** Codes one OS user's connections may have pending: another user cannot fill the table. */
export const PENDING_PER_PEER = 1_000;
/** Codes pending in all: beyond it new codes are refused; nobody's pending code is dropped. */
export const MAX_PENDING = 10_000;

interface Pending {
  sid: string;
  origin: string;
  state: string;
  /** The OS user whose connection minted it (peer-binding.ts). */
  peer: string | undefined;
  expires: number;
}

/**
 * One-time codes that carry a console-host session to one app host (SPEC §3): bound to
 * the session, the target origin, the browser's state cookie and the OS user who asked
 * for it, single use, 30 s. They live in the gateway's memory: the process that mints a
 * code is the one that redeems it.
 */
export class HandoffCodes {
  /** In minting order, which is also expiry order. */
  private readonly pending = new Map<string, Pending>();
  private readonly bySession = new Map<string, string[]>();
  private readonly perPeer = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  mint(sid: string, origin: string, state: string, peer: Peer): string {
    const now = this.clock.now();
    this.sweep(now);
    for (
      let mine = this.bySession.get(sid);
      mine && mine.length >= PENDING_PER_SESSION;
      mine = this.bySession.get(sid)
    ) {
      this.forget(mine[0] as string);
    }
    const bound = bindingOf(peer);
    const peerKey = bound ?? '';
    if ((this.perPeer.get(peerKey) ?? 0) >= PENDING_PER_PEER || this.pending.size >= MAX_PENDING) {
      throw new LatchkeyError('HANDOFF_BUSY', 'too many sign-ins to apps are under way; try again in a minute', {
        retryAfter: Math.ceil(LIFETIME_MS / 1000),
      });
    }
    const code = randomBytes(24).toString('base64url');
    this.pending.set(code, { sid, origin, state, peer: bound, expires: now + LIFETIME_MS });
    this.bySession.set(sid, [...(this.bySession.get(sid) ?? []), code]);
    this.perPeer.set(peerKey, (this.perPeer.get(peerKey) ?? 0) + 1);
    return code;
  }

  /**
   * The session id, when the code is live, bound to this origin and state, and redeemed
   * over a connection of the OS user who minted it; burns it either way.
   */
  redeem(code: string, origin: string, state: string | undefined, peer: Peer): string | undefined {
    const p = this.pending.get(code);
    if (!p) return undefined;
    this.forget(code);
    if (p.expires <= this.clock.now() || p.origin !== origin || !state || p.state !== state) return undefined;
    if (!bindingHolds(p.peer, peer)) return undefined;
    return p.sid;
  }

  /** Drops expired codes from the front: codes expire in the order they were minted. */
  private sweep(now: number): void {
    for (const [code, p] of this.pending) {
      if (p.expires > now) return;
      this.forget(code);
    }
  }

  private forget(code: string): void {
    const p = this.pending.get(code);
    if (!p) return;
    this.pending.delete(code);
    const left = (this.bySession.get(p.sid) ?? []).filter((c) => c !== code);
    if (left.length > 0) this.bySession.set(p.sid, left);
    else this.bySession.delete(p.sid);
    const peerKey = p.peer ?? '';
    const count = (this.perPeer.get(peerKey) ?? 1) - 1;
    if (count > 0) this.perPeer.set(peerKey, count);
    else this.perPeer.delete(peerKey);
  }
}
