/** How restarts after crashes are spaced (PM2's exponential backoff, with a crash-loop stop). */
export interface BackoffPolicy {
  /** The first restart delay. */
  initialMs: number;
  factor: number;
  maxMs: number;
  /** An uptime this long counts as stable: the next crash starts over at initialMs. */
  stableMs: number;
  /** Crashes in a row (none stable) after which the app stays crashed. */
  maxCrashes: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  factor: 1.5,
  maxMs: 15_000,
  stableMs: 30_000,
  maxCrashes: 8,
};

export class Backoff {
  private crashes = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  /**
   * Counts a crash after `uptimeMs`; returns the delay before the next start, or
   * undefined when the crashes in a row say it is a crash loop.
   */
  crashed(uptimeMs: number): number | undefined {
    if (uptimeMs >= this.policy.stableMs) this.crashes = 0;
    this.crashes += 1;
    if (this.crashes >= this.policy.maxCrashes) return undefined;
    const delay = this.policy.initialMs * this.policy.factor ** (this.crashes - 1);
    return Math.min(Math.round(delay), this.policy.maxMs);
  }

  get count(): number {
    return this.crashes;
  }

  reset(): void {
    this.crashes = 0;
  }
}
