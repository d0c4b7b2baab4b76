import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LatchkeyError } from '../../common/errors.js';
import { damaged, storeError } from './errors.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * The data directory held a store before: a missing or empty database is then damage,
   * refused, never a first launch that creates a new Admin in impersonation mode.
   */
  setUpBefore?: boolean;
}

/**
 * How long a connection waits for another's write lock. The CLI and start-up can wait:
 * nothing else runs on their event loop. A started gateway cannot: better-sqlite3 waits
 * synchronously, so every request would wait with it. It does not wait at all: a write
 * that finds the lock taken fails at its BEGIN and `whenWritable` tries again later,
 * yielding between attempts. Even a few milliseconds each added up when many requests
 * wrote at once while another process held the lock. (Readers never need the write lock
 * in WAL mode.)
 */
export const BUSY_TIMEOUT_MS = 5000;
export const REQUEST_BUSY_TIMEOUT_MS = 0;

export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}

/**
 * Opens the store with the pragmas a credential store needs. better-sqlite3 builds SQLite
 * with WAL defaulting to synchronous=NORMAL, which may lose the last commits on power
 * loss, so FULL is set explicitly and checked.
 */
export function openDatabase(
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
  options: OpenDatabaseOptions = {},
): Db {
  if (options.setUpBefore && (!existsSync(file) || statSync(file).size === 0)) {
    throw damaged(`the database ${file}`, existsSync(file) ? 'empty' : 'missing');
  }
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: options.setUpBefore === true });
    // Password hashes live here: owner-only, like the directory around it.
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    setBusyTimeout(db, BUSY_TIMEOUT_MS);
  } catch (cause) {
    throw openFault(file, cause);
  }
  try {
    // Before anything writes to it: a damaged file is reported as it was found.
    checkAtStart(db, file, options);
  } catch (cause) {
    db.close();
    throw openFault(file, cause);
  }
  try {
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
      throw new Error('the database refused write-ahead logging');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db.close();
    throw openFault(file, cause);
  }
  try {
    migrate(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * PRAGMA quick_check reads every page once (no index cross-checks), once per process:
 * under a millisecond for a store of a hundred users, about 60 ms at 10 MB (10 000
 * users, 100 000 audit rows), about half a second at 75 MB.
 */
function checkAtStart(db: Db, file: string, options: OpenDatabaseOptions): void {
  let problem: string | undefined;
  try {
    const first = (db.pragma('quick_check(1)') as { quick_check: string }[])[0]?.quick_check;
    problem = first === 'ok' ? undefined : (first ?? 'no answer');
  } catch (cause) {
    if (isDamage(cause)) throw damaged(`the database ${file}`, `damaged (${(cause as Error).message})`, cause);
    throw cause;
  }
  if (problem) {
    // On one line: SQLite splits its first message over several, after a header.
    const said = problem
      .replace(/\*\*\* in database \w+ \*\*\*/, '')
      .replace(/\s+/g, ' ')
      .trim();
    throw damaged(`the database ${file}`, `damaged (${said})`);
  }
  if (options.setUpBefore && db.pragma('user_version', { simple: true }) === 0) {
    throw damaged(`the database ${file}`, 'empty (it holds no Latchkey data)');
  }
}

function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** What opening failed on, as one line: a storage fault with its remedy, else the cause. */
function openFault(file: string, cause: unknown): LatchkeyError {
  if (cause instanceof LatchkeyError) return cause;
  if (isDamage(cause)) return damaged(`the database ${file}`, `damaged (${(cause as Error).message})`, cause);
  return (
    storeError(cause, dirname(file)) ??
    new LatchkeyError('DB_UNAVAILABLE', `cannot open the database ${file}: ${(cause as Error).message}`, { cause })
  );
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
