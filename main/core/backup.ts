import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LatchkeyError } from '../common/errors.js';
import { fsyncDirectory, fsyncFile, placeFile } from './atomic-file.js';
import { verifyPassword } from './auth/passwords.js';
import { findRootUser } from './auth/root-admin.js';
import { SESSION_KEY_ID } from './auth/session-key.js';
import { dataFiles, ensureDataDir, markSetUp, removeFile } from './data-dir.js';
import { MIGRATIONS } from './db/migrations/index.js';
import { storeError } from './db/errors.js';
import { takeStoreLockForRestore } from './store-lock.js';
import type { Store } from './store.js';

/** Tables every Latchkey database has had since its first schema. */
const CORE_TABLES = ['settings', 'users', 'apps'];
/** Pages per backup step: all of them, so one step copies one consistent snapshot. */
const ALL_PAGES = 0x7fff_ffff;

/**
 * Copies the store's database to `file` with SQLite's online backup API, so a backup taken
 * while a gateway or a command writes is a consistent snapshot. Copying latchkey.db with
 * `cp` is not: the latest commits live in latchkey.db-wal until a checkpoint, and a copy
 * taken during a checkpoint is torn.
 *
 * The backup is written owner-only (it holds password and token hashes) to a temporary
 * file next to `file`, turned into a self-contained rollback-journal database, checked,
 * fsynced, and only then given its name: a crash leaves no half-written `file`. An
 * existing `file` is never overwritten.
 */
export async function backupDatabase(store: Store, file: string): Promise<void> {
  const target = resolve(file);
  const dir = dirname(target);
  if (existsSync(target)) {
    throw new LatchkeyError(
      'BACKUP_FAILED',
      `${file} already exists; a backup never overwrites a file, choose a new name`,
    );
  }
  if (!isDirectory(dir)) {
    throw new LatchkeyError('BACKUP_FAILED', `cannot back up to ${file}: ${dir} is not a directory`);
  }
  const temp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
  try {
    // Created owner-only before SQLite writes a byte into it; SQLite keeps the mode.
    closeSync(openSync(temp, 'wx', 0o600));
    // The first step only starts the backup; the progress callback makes the next one
    // copy every page inside one read transaction. Smaller steps would restart whenever
    // another process commits, and might never finish while a gateway is busy.
    await store.db.backup(temp, { progress: () => ALL_PAGES });
    const copy = new Database(temp, { fileMustExist: true });
    try {
      // The copy carries the WAL flag of its source; one file is what a backup should be.
      copy.pragma('journal_mode = DELETE');
      const problem = integrityProblem(copy);
      if (problem) throw new Error(`the copy failed its integrity check: ${problem}`);
    } finally {
      copy.close();
    }
    fsyncFile(temp);
    placeWithoutOverwriting(temp, target, file);
    fsyncDirectory(dir);
  } catch (cause) {
    removeTemp(temp);
    if (cause instanceof LatchkeyError) throw cause;
    throw new LatchkeyError('BACKUP_FAILED', `cannot back up to ${file}: ${oneLine(cause)}`, { cause });
  }
}

/**
 * Replaces the database of `dataDir` with the backup `file`.
 *
 * No other Latchkey process may have the store open: a running gateway (`latchkey
 * serve`, the desktop app) keeps latchkey.db, its -wal and its -shm open, and swapping the
 * file under it would leave it serving, and writing, the old database through its open
 * handle (revoked tokens and old passwords would keep working, and what it acknowledged
 * afterwards would be lost). Every process that opens the store holds the store lock
 * (store-lock.ts); restore takes it exclusively, without waiting, and refuses when it
 * cannot, whatever address or port that process serves and however stalled it is. It
 * keeps the lock while it swaps, so no process opens the store halfway.
 *
 * The backup is validated as the bytes that will be installed: it is copied into the data
 * directory first, and the copy must pass `PRAGMA integrity_check`, be a Latchkey
 * database, and not come from a newer schema than this Latchkey's migrations (an older
 * one is migrated on the next open). Its sessions are ended in the copy (see
 * endSessions). Then the old database is taken out of WAL mode (which SQLite refuses
 * while any other connection has it open) and closed, its -wal and -shm are removed (a stale WAL would be replayed onto the restored file), and the copy is renamed
 * over latchkey.db and the directory fsynced. A crash at any point leaves either the old
 * database whole or the restored one.
 */
export function restoreDatabase(dataDir: string, file: string): void {
  const source = resolve(file);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new LatchkeyError('RESTORE_INVALID', `cannot restore from ${file}: no such file`);
  }
  // Its commits may sit in a WAL beside it, which a copy of the file alone would lose.
  if (existsSync(`${source}-wal`) && statSync(`${source}-wal`).size > 0) {
    throw new LatchkeyError(
      'RESTORE_INVALID',
      `${file} has a -wal file beside it: it is a live database, not a backup; make one with latchkey backup`,
    );
  }
  ensureDataDir(dataDir);
  const files = dataFiles(dataDir);
  const database = files.database;
  const temp = `${database}.restore-${process.pid}`;
  try {
    copyOwnerOnly(source, temp);
    validateBackup(temp, file);
    fsyncFile(temp);
    const lock = takeStoreLockForRestore(files.lock, dataDir);
    try {
      releaseOldDatabase(database, dataDir);
      // Only now, with no handle of ours open: the old WAL was folded into the old file.
      rmSync(`${database}-wal`, { force: true });
      rmSync(`${database}-shm`, { force: true });
      placeFile(temp, database, 'replace');
      fsyncDirectory(dataDir);
      // A restored directory is set up: should this database go missing later, it is refused.
      markSetUp(files);
    } finally {
      lock.release();
    }
  } catch (cause) {
    removeTemp(temp);
    if (cause instanceof LatchkeyError) throw cause;
    throw (
      storeError(cause, dataDir) ??
      new LatchkeyError('RESTORE_INVALID', `cannot restore from ${file}: ${oneLine(cause)}`, { cause })
    );
  }
}

/**
 * After a restore, the data directory's initial-admin-password file may name a password
 * of the database that was replaced. It is removed unless it still opens the restored
 * root Admin, so it never names a password that does not work.
 */
export async function forgetStaleInitialPassword(store: Store): Promise<void> {
  const file = store.files.initialAdminPassword;
  if (!existsSync(file)) return;
  const root = findRootUser(store.settings, store.users);
  const password = readFileSync(file, 'utf8').trim();
  if (root && !root.passwordChosen && (await verifyPassword(root.passwordHash, password))) return;
  removeFile(file);
}

function validateBackup(copy: string, file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { fileMustExist: true });
    const problem = integrityProblem(db);
    if (problem) throw new LatchkeyError('RESTORE_INVALID', `${file} is damaged (${problem}); not restored`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1 || CORE_TABLES.some((t) => !tables.has(t))) {
      throw new LatchkeyError('RESTORE_INVALID', `${file} is not a Latchkey database; not restored`);
    }
    if (version > MIGRATIONS.length) {
      throw new LatchkeyError(
        'RESTORE_INVALID',
        `${file} was written by a newer Latchkey (schema ${version}, this one knows ${MIGRATIONS.length}); ` +
          `upgrade Latchkey to restore it`,
      );
    }
    endSessions(db, tables);
    // Fold in any WAL state the file claims and make it one file; the next open sets WAL.
    db.pragma('journal_mode = DELETE');
  } catch (cause) {
    if (cause instanceof LatchkeyError) throw cause;
    throw new LatchkeyError('RESTORE_INVALID', `${file} is not a readable database (${oneLine(cause)})`, {
      cause,
    });
  } finally {
    db?.close();
  }
}

/**
 * A backup is older than the present: sessions ended since it was taken (a logout, a
 * password reset after a leak, a disabled user) would come back with it. So a restore
 * ends every session it carries, and forgets which session key they were signed with:
 * the next start then uses this directory's key without reporting it as replaced.
 */
function endSessions(db: Database.Database, tables: Set<string>): void {
  db.transaction(() => {
    if (tables.has('sessions')) db.exec('DELETE FROM sessions');
    db.prepare('DELETE FROM settings WHERE key = ?').run(SESSION_KEY_ID);
  }).immediate();
}

/**
 * Takes the old database out of WAL mode before the swap: SQLite folds the WAL into the
 * file and, since every connection keeps a lock on the -shm while it has the database
 * open, allows the switch only when no other connection has it open, idle or stalled.
 * That checks the database itself, besides the store lock: a process that took no store
 * lock (an older Latchkey, or one whose latchkey.lock was deleted under it) refuses the
 * restore as well. A missing or unreadable old database is simply replaced.
 */
function releaseOldDatabase(database: string, dataDir: string): void {
  if (!existsSync(database)) return;
  let db: Database.Database;
  try {
    db = new Database(database, { fileMustExist: true });
  } catch {
    return;
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new LatchkeyError(
        'RESTORE_BLOCKED',
        `another process has the database in ${dataDir} open; stop latchkey serve (or the desktop app) first, then restore`,
        { cause: error },
      );
    }
    // A damaged old database has nothing worth keeping: it is replaced.
  } finally {
    db.close();
  }
}

/** An error's message for the one stderr line a failed command prints. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/** The first problem `PRAGMA integrity_check` reports, or undefined when it says ok. */
function integrityProblem(db: Database.Database): string | undefined {
  const rows = db.pragma('integrity_check(1)', { simple: false }) as { integrity_check: string }[];
  const first = rows[0]?.integrity_check;
  if (first === 'ok') return undefined;
  // Reported on one line: SQLite splits its first message over several.
  return (first ?? 'no answer')
    .replace(/\*\*\* in database \w+ \*\*\*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Copies `from` into a new owner-only file `to`, fsynced. */
function copyOwnerOnly(from: string, to: string): void {
  rmSync(to, { force: true }); // a leftover of a restore killed with this same pid
  const input = openSync(from, 'r');
  try {
    const output = openSync(to, 'wx', 0o600);
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const read = readSync(input, buffer, 0, buffer.length, null);
        if (read === 0) break;
        let written = 0;
        while (written < read) written += writeSync(output, buffer, written, read - written);
      }
      fsyncSync(output);
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
  if (process.platform !== 'win32') chmodSync(to, 0o600);
}

/** Gives `temp` the name `target` unless `target` appeared meanwhile. */
function placeWithoutOverwriting(temp: string, target: string, shown: string): void {
  const exists = () => new LatchkeyError('BACKUP_FAILED', `${shown} already exists; a backup never overwrites a file`);
  let placed: boolean;
  try {
    placed = placeFile(temp, target, 'keep');
  } catch {
    // A file system without hard links: the check just made has to do.
    placed = !existsSync(target) && placeFile(temp, target, 'replace');
  }
  if (!placed) throw exists();
}

function removeTemp(temp: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
