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

/** Pauses between attempts of a write another process holds up: about 1.5 s in all. */
const RETRY_DELAYS_MS = [5, 10, 20, 40, 80, 150, 250, 400, 500];

/**
 * Retries a synchronous write while the database is busy, yielding the event loop between
 * attempts, so a write waits its turn without stalling every other request. `work` must
 * be safe to run again after a busy failure (an IMMEDIATE transaction fails at BEGIN,
 * before it changed anything). When the lock stays taken, the last failure is thrown as
 * DB_BUSY, which transports answer with 503 and Retry-After.
 */
export async function whenWritable<T>(work: () => T | Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (!isBusy(error)) throw error;
      if (delay === undefined) throw storeError(error) ?? error;
      await sleep(delay);
    }
  }
}
