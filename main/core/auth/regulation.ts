import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import type { AuditRepo } from '../db/audit-repo.js';
import type { Ban, RegulationRepo } from '../db/regulation-repo.js';
import type { Store } from '../store.js';

/** The ban on every sign-in, when failures across all usernames pass the global limit. */
export const EVERYONE = '*';

export interface RegulationLimits {
  maxRetries: number;
  findTimeMs: number;
  banTimeMs: number;
  globalMaxRetries: number;
}

/**
 * Authelia's regulation, per username (existing or not) and overall. On loopback every
 * client is 127.0.0.1, so there is no per-address bucket, and forwarding headers are
 * never read: they cannot change who the client is.
 */
export class Regulation {
  constructor(
    private readonly repo: RegulationRepo,
    private readonly audit: AuditRepo,
    private readonly clock: Clock,
    private readonly limits: RegulationLimits,
  ) {}

  /** Throws LOGIN_BANNED, with seconds to wait, when this username may not try now. */
  assertAllowed(username: string): void {
    const now = this.clock.now();
    const ban = this.repo.activeBan(username, now) ?? this.repo.activeBan(EVERYONE, now);
    if (ban) {
      const retryAfter = Math.max(1, Math.ceil((ban.until - now) / 1000));
      throw new LatchkeyError('LOGIN_BANNED', `too many failed sign-ins; try again in ${retryAfter} s`, {
        retryAfter,
      });
    }
  }

  /** Records a failure, and bans when it is one too many. */
  recordFailure(username: string): void {
    const now = this.clock.now();
    const since = now - this.limits.findTimeMs;
    this.repo.forgetFailuresBefore(since);
    this.repo.addFailure(username, now);
    this.audit.record('login.failed', null, username);
    if (this.repo.failuresSince(username, since) >= this.limits.maxRetries) {
      this.banFor(username, now);
    }
    if (this.repo.allFailuresSince(since) >= this.limits.globalMaxRetries && !this.repo.activeBan(EVERYONE, now)) {
      this.banFor(EVERYONE, now);
    }
  }

  succeeded(username: string): void {
    this.repo.clearFailures(username);
  }

  active(): Ban[] {
    return this.repo.activeBans(this.clock.now());
  }

  private banFor(username: string, now: number): void {
    const until = now + this.limits.banTimeMs;
    this.repo.ban(username, now, until);
    this.repo.clearFailures(username);
    this.audit.record('login.banned', null, username, { until });
  }
}

/** Lifts a ban (an Admin, the CLI, reset-password --enable); true when one was active. */
export function liftBan(store: Pick<Store, 'regulation' | 'audit' | 'clock'>, username: string, by: string): boolean {
  const lifted = store.regulation.liftBan(username, by, store.clock.now());
  store.regulation.clearFailures(username);
  if (lifted) store.audit.record('ban.lifted', by, username);
  return lifted;
}
