import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { LatchkeyError } from '../common/errors.js';

/**
 * Tells whether any Latchkey process uses a data directory, by a lock the operating
 * system holds for each process and drops when it dies (kill -9 included), never by
 * asking a port: a gateway on another address or port, or one that is stopped, still
 * counts.
 *
 * Node has no flock(2), so the lock is SQLite's own, on a small database of its own,
 * `latchkey.lock`, in rollback-journal mode: there SQLite locks the database file itself
 * with fcntl(2) on Unix and LockFileEx on Windows (in WAL mode readers lock only the
 * -shm, which a writer cannot test). Every process that opens the store keeps a read
 * transaction open on it for as long as it has the store: a SHARED lock. `restore`
 * asks for BEGIN EXCLUSIVE without waiting: SQLITE_BUSY means someone else is in.
 *
 * POSIX drops all of a process's fcntl locks on a file when it closes ANY descriptor of
 * that file: never open latchkey.lock with node:fs in a process that may hold the lock.
 */
export interface StoreLock {
  release(): void;
}

/** How long opening the store waits for a restore to finish swapping the database. */
const WAIT_FOR_RESTORE_MS = 10_000;

function openLockDb(file: string, waitMs: number): Database.Database {
  const db = new Database(file);
  try {
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    db.pragma(`busy_timeout = ${waitMs}`);
    // In WAL mode the locks would move to a -shm that the other side cannot test.
    if (db.pragma('journal_mode', { simple: true }) === 'wal') throw notOurs(file, 'it was switched to WAL mode');
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))) {
      throw notOurs(file, (error as Error).message);
    }
    throw error;
  }
}

/** The lock file holds nothing: one that is not what Latchkey made can simply go. */
function notOurs(file: string, why: string): LatchkeyError {
  return new LatchkeyError(
    'DATA_DIR_UNUSABLE',
    `${file} is not the lock file Latchkey made (${why}); with no Latchkey process running, delete it and try again`,
  );
}

/** The SHARED lock every process holds while it has the store open. */
export function holdStoreLock(file: string, dataDir: string, waitMs = WAIT_FOR_RESTORE_MS): StoreLock {
  let db: Database.Database | undefined;
  try {
    db = openLockDb(file, waitMs);
    db.exec('BEGIN');
    // A deferred transaction takes its SHARED lock at its first read.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    db?.close();
    if (isBusy(error)) {
      throw new LatchkeyError(
        'DB_BUSY',
        `a restore is replacing the database in ${dataDir}; try again once it has finished`,
        { cause: error },
      );
    }
    throw error;
  }
  const held = db;
  return { release: () => held.close() };
}

/**
 * The EXCLUSIVE lock `restore` holds while it swaps the database: refused at once while
 * any process holds the store open, and while held, no process can open the store.
 */
export function takeStoreLockForRestore(file: string, dataDir: string): StoreLock {
  let db: Database.Database | undefined;
  try {
    db = openLockDb(file, 0);
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    if (isBusy(error)) {
      throw new LatchkeyError(
        'RESTORE_BLOCKED',
        `a Latchkey process uses ${dataDir} (latchkey serve, the desktop app or another command); ` +
          'stop it first, then restore',
        { cause: error },
      );
    }
    throw error;
  }
  const held = db;
  return {
    release: () => {
      held.exec('ROLLBACK');
      held.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
