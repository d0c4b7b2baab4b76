import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

const LIFETIME_MS = 30_000;
const MAX_PENDING = 10_000;

interface Pending {
  sid: string;
  origin: string;
  state: string;
  expires: number;
}

/**
 * One-time codes that carry a console-host session to one app host (SPEC §3): bound to
 * the session, the target origin and the browser's state cookie, single use, 30 s.
 * They live in the gateway's memory: the process that mints a code is the one that
 * redeems it.
 */
export class HandoffCodes {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock) {}

  mint(sid: string, origin: string, state: string): string {
    const now = this.clock.now();
    for (const [code, p] of this.pending) if (p.expires <= now) this.pending.delete(code);
    if (this.pending.size >= MAX_PENDING) this.pending.clear();
    const code = randomBytes(24).toString('base64url');
    this.pending.set(code, { sid, origin, state, expires: now + LIFETIME_MS });
    return code;
  }

  /** The session id, when the code is live and bound to this origin and state; burns it either way. */
  redeem(code: string, origin: string, state: string | undefined): string | undefined {
    const p = this.pending.get(code);
    if (!p) return undefined;
    this.pending.delete(code);
    if (p.expires <= this.clock.now() || p.origin !== origin || !state || p.state !== state) return undefined;
    return p.sid;
  }
}
