import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './open.js';
import { isBusy, storeError } from './errors.js';

/**
 * Runs `work` in one IMMEDIATE transaction: the write lock is taken at BEGIN, where
 * SQLite's busy timeout applies. A DEFERRED transaction that reads and then writes would
 * instead fail at once with SQLITE_BUSY when another process committed in between (WAL
 * does not call the busy handler on a read-to-write upgrade). Every check that decides
 * whether the write is allowed belongs inside `work`, so it sees what it changes.
 * Nested calls become savepoints of the outer transaction.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}

/**
 * A writeTransaction for bookkeeping only (last-seen and last-used times, idle sessions
 * ended): committed without waiting for the disk (synchronous=NORMAL), and the connection
 * is FULL again before anything else can run on it. The batch is written on the event
 * loop, where FULL's fsync cost 1.5–4 ms median and 12–38 ms at p99 per batch, against
 * 0.1–0.2 ms and 0.5–2 ms with NORMAL (bench/bookkeeping-sync.mjs). A power cut may forget the last batches, never an
 * identity change: in WAL mode the next FULL commit syncs the log with every earlier
 * commit in it, so nothing committed before a durable change can be lost while it survives.
 */
export function bookkeepingTransaction<T>(db: Db, work: () => T): T {
  // Inside another transaction the outer one decides how it is committed.
  if (db.inTransaction) return writeTransaction(db, work);
  db.pragma('synchronous = NORMAL');
  try {
    return writeTransaction(db, work);
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/** Pauses between attempts of a write another process holds up, growing to this cap. */
const RETRY_DELAYS_MS = [5, 10, 20, 40, 80, 150, 250];
const MAX_DELAY_MS = 400;
/** How long a write may wait in all, whether in SQLite's busy handler or between attempts. */
export const WRITE_WAIT_BUDGET_MS = 1_500;

/**
 * Retries a synchronous write while the database is busy, yielding the event loop between
 * attempts, so a write waits its turn without stalling every other request. `work` must
 * be safe to run again after a busy failure (an IMMEDIATE transaction fails at BEGIN,
 * before it changed anything). When the lock stays taken past the budget, the failure is
 * thrown as DB_BUSY, which transports answer with 503 and Retry-After.
 *
 * The budget is measured on the monotonic timer, not the injected Clock: it bounds a real
 * wait for another process, which a clock that tests stop must not stretch. A connection
 * with a long busy timeout (the CLI) has spent the budget in its first attempt.
 */
export async function whenWritable<T>(work: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const delay = RETRY_DELAYS_MS[attempt] ?? MAX_DELAY_MS;
      if (performance.now() - started + delay > WRITE_WAIT_BUDGET_MS) throw storeError(error) ?? error;
      await sleep(delay);
    }
  }
}
