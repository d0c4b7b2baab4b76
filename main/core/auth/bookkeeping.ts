import type { Db } from '../db/open.js';
import type { SessionsRepo } from '../db/sessions-repo.js';
import type { TokensRepo } from '../db/tokens-repo.js';
import { asLatchkeyError } from '../db/errors.js';
import { bookkeepingTransaction } from '../db/write.js';
import type { Logger } from '../log.js';

/** How often what requests noted is written: idle expiry counts in minutes, not seconds. */
export const FLUSH_EVERY_MS = 2_000;
/** Entries kept per kind while the store cannot take them; beyond, new ones are not noted. */
export const PENDING_LIMIT = 10_000;

export interface BookkeepingStore {
  db: Db;
  sessions: SessionsRepo;
  tokens: TokensRepo;
}

/**
 * Sessions' last-seen and tokens' last-used times, kept in memory and written in batches,
 * off the request path: a request never waits for another process's write lock, and a
 * store that cannot take writes (busy, full, read-only) does not fail a request that only
 * reads. Readers ask here first, so idle expiry counts what is not written yet. A batch
 * that fails stays pending for the next one; the failure is logged once, not per batch.
 */
export class Bookkeeping {
  private readonly seen = new Map<string, number>();
  private readonly used = new Map<string, number>();
  /** Idle sessions found by a request, deleted with the next batch. */
  private readonly ended = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private overflowReported = false;

  constructor(
    private readonly store: BookkeepingStore,
    private readonly log: Logger,
    private readonly limit = PENDING_LIMIT,
  ) {}

  /** Flushes every `everyMs` until closed; the timer does not keep the process alive. */
  start(everyMs = FLUSH_EVERY_MS): void {
    this.timer ??= setInterval(() => this.flush(), everyMs).unref();
  }

  sessionSeen(sid: string, at: number): void {
    if (this.admits(this.seen, sid)) this.seen.set(sid, Math.max(at, this.seen.get(sid) ?? 0));
  }

  /** The last-seen time noted but maybe not yet written. */
  sessionLastSeen(sid: string): number | undefined {
    return this.seen.get(sid);
  }

  sessionEnded(sid: string): void {
    this.seen.delete(sid);
    if (this.ended.size < this.limit) this.ended.add(sid);
  }

  tokenUsed(id: string, at: number): void {
    if (this.admits(this.used, id)) this.used.set(id, Math.max(at, this.used.get(id) ?? 0));
  }

  tokenLastUsed(id: string): number | undefined {
    return this.used.get(id);
  }

  get pending(): number {
    return this.seen.size + this.used.size + this.ended.size;
  }

  /** Writes everything pending in one IMMEDIATE transaction; true when nothing is left. */
  flush(): boolean {
    if (this.pending === 0) return true;
    try {
      bookkeepingTransaction(this.store.db, () => {
        for (const [sid, at] of this.seen) this.store.sessions.touch(sid, at);
        for (const [id, at] of this.used) this.store.tokens.touch(id, at);
        for (const sid of this.ended) this.store.sessions.delete(sid);
      });
    } catch (error) {
      if (!this.failing) {
        const reason = asLatchkeyError(error)?.message ?? (error as Error).message;
        this.log.warn(`last-seen and last-used times are not written for now (${reason}); retrying`);
      }
      this.failing = true;
      return false;
    }
    if (this.failing) this.log.info('last-seen and last-used times are written again');
    this.failing = false;
    this.overflowReported = false;
    this.seen.clear();
    this.used.clear();
    this.ended.clear();
    return true;
  }

  /** Stops the timer and writes what is pending (the caller picks how long it may wait). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private admits(pending: Map<string, number>, key: string): boolean {
    if (pending.has(key) || pending.size < this.limit) return true;
    if (!this.overflowReported) {
      this.log.warn(
        `more than ${this.limit} last-seen or last-used times are waiting to be written; dropping new ones`,
      );
      this.overflowReported = true;
    }
    return false;
  }
}
