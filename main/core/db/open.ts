import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { LatchkeyError } from '../../common/errors.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/**
 * How long a connection waits for another's write lock. The CLI and start-up can wait:
 * nothing else runs on their event loop. A started gateway cannot: better-sqlite3 waits
 * synchronously, so every request would wait with it; it waits a few milliseconds and
 * leaves longer waits to `whenWritable`, which yields between attempts.
 */
export const BUSY_TIMEOUT_MS = 5000;
export const REQUEST_BUSY_TIMEOUT_MS = 10;

export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}

/**
 * Opens the store with the pragmas a credential store needs. better-sqlite3 builds SQLite
 * with WAL defaulting to synchronous=NORMAL, which may lose the last commits on power
 * loss, so FULL is set explicitly and checked.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db;
  try {
    db = new Database(file);
    // Password hashes live here: owner-only, like the directory around it.
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    setBusyTimeout(db, BUSY_TIMEOUT_MS);
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
      throw new Error('the database refused write-ahead logging');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    throw new LatchkeyError('DB_UNAVAILABLE', `cannot open the database ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    migrate(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  migrations.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new Error(`migration "${m.name}" has version ${m.version}, expected ${index + 1}`);
    }
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new LatchkeyError(
      'DB_FROM_FUTURE',
      `the database ${db.name} was written by a newer Latchkey (schema ${current}, this one knows ${latest}); ` +
        `upgrade Latchkey or restore a backup`,
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
