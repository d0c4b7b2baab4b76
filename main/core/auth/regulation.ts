import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import type { AuditRepo } from '../db/audit-repo.js';
import type { Ban, RegulationRepo } from '../db/regulation-repo.js';
import type { Store } from '../store.js';

/**
 * The client of a caller the OS cannot name (no peer lookup on this system, or it failed):
 * every such caller shares one bucket. Where the OS tells, a client is `uid:<n>`.
 */
export const UNKNOWN_CLIENT = 'unknown';

/** The subject sign-up attempts are counted under: each one counts, success or not. */
export const SIGN_UP = '(sign-up)';

/** The extra wait before a password check while overall failures are over the limit. */
export const SLOWDOWN_MS = 1_000;

/** Waits; injected so that tests of the slowdown need not wait for real. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RegulationLimits {
  maxRetries: number;
  findTimeMs: number;
  banTimeMs: number;
  globalMaxRetries: number;
}

/**
 * Authelia's regulation, per username (existing or not) and client. On loopback every
 * address is 127.0.0.1, so the client is the OS user of the connection where the OS
 * tells; forwarding headers are never read, they cannot change who the client is.
 *
 * The overall rule never bans: a ban on every sign-in would let any local process lock
 * the owner out of their own account. Past the overall limit every attempt waits a
 * little before its password is checked instead; the per-username rule still refuses.
 */
export class Regulation {
  constructor(
    private readonly repo: RegulationRepo,
    private readonly audit: AuditRepo,
    private readonly clock: Clock,
    private readonly limits: RegulationLimits,
    private readonly sleep: Sleep = realSleep,
  ) {}

  /** Throws LOGIN_BANNED, with seconds to wait, when this client may not try this username now. */
  assertAllowed(username: string, client: string): void {
    const now = this.clock.now();
    const ban = this.repo.activeBan(username, client, now);
    if (ban) {
      const retryAfter = Math.max(1, Math.ceil((ban.until - now) / 1000));
      throw new LatchkeyError('LOGIN_BANNED', `too many failed attempts; try again in ${retryAfter} s`, {
        retryAfter,
      });
    }
  }

  /** The overall rule: waits a bounded while when failures across all usernames are over the limit. */
  async slowDown(): Promise<void> {
    const since = this.clock.now() - this.limits.findTimeMs;
    if (this.repo.allFailuresSince(since) >= this.limits.globalMaxRetries) await this.sleep(SLOWDOWN_MS);
  }

  /** Records a failure, audited, and bans this username for this client when it is one too many. */
  recordFailure(username: string, client: string, detail: Record<string, unknown> = {}): void {
    this.count(username, client);
    this.audit.record('login.failed', null, username, { client, ...detail });
    this.banIfOver(username, client);
  }

  /**
   * Counts an attempt that is limited whatever its outcome (a sign-up), before any work is
   * done for it: requests sent at once cannot all pass the check before the first is counted.
   */
  recordAttempt(subject: string, client: string): void {
    this.count(subject, client);
    this.banIfOver(subject, client);
  }

  succeeded(username: string, client: string): void {
    this.repo.clearFailures(username, client);
  }

  active(): Ban[] {
    return this.repo.activeBans(this.clock.now());
  }

  private count(subject: string, client: string): void {
    const now = this.clock.now();
    this.repo.forgetFailuresBefore(now - this.limits.findTimeMs);
    this.repo.addFailure(subject, client, now);
  }

  private banIfOver(subject: string, client: string): void {
    const now = this.clock.now();
    if (this.repo.failuresSince(subject, client, now - this.limits.findTimeMs) < this.limits.maxRetries) return;
    const until = now + this.limits.banTimeMs;
    this.repo.ban(subject, client, now, until);
    this.repo.clearFailures(subject, client);
    this.audit.record('login.banned', null, subject, { until, client });
  }
}

/** Lifts a username's ban for every client (an Admin, the CLI, reset-password --enable); true when one was active. */
export function liftBan(store: Pick<Store, 'regulation' | 'audit' | 'clock'>, username: string, by: string): boolean {
  const lifted = store.regulation.liftBan(username, by, store.clock.now());
  store.regulation.clearFailures(username);
  if (lifted) store.audit.record('ban.lifted', by, username);
  return lifted;
}
