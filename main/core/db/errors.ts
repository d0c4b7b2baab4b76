import { accessSync, constants, statfsSync } from 'node:fs';
import { isLatchkeyError, LatchkeyError } from '../../common/errors.js';

/** Seconds a client should wait before retrying a write another process was holding up. */
export const BUSY_RETRY_AFTER_S = 1;
/** A full, read-only or failing disk is not fixed in a second: ask for a longer pause. */
const STORAGE_RETRY_AFTER_S = 30;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * SQLite says another connection holds the lock: the same work may succeed in a moment.
 * Only SQLite's own error: a DB_BUSY already means someone waited and gave up.
 */
export function isBusy(error: unknown): boolean {
  if (isLatchkeyError(error)) return false;
  const code = codeOf(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** A database Latchkey will not start over from: the one remedy is a backup. */
export function damaged(what: string, problem: string, cause?: unknown): LatchkeyError {
  return new LatchkeyError(
    'DB_DAMAGED',
    `${what} is ${problem}; Latchkey will not start over on its own: restore a backup with latchkey restore FILE`,
    { ...(cause === undefined ? {} : { cause }), retryAfter: STORAGE_RETRY_AFTER_S },
  );
}

/**
 * The one translation of what the disk or SQLite threw into Latchkey's errors, used by
 * every transport (the gateway's routes, the console API over HTTP and IPC, the CLI):
 * one line that says what is wrong and what to do, or undefined when the error is not
 * the store's doing (a LatchkeyError is already typed). SQLite reports a full disk as
 * SQLITE_FULL and Node as ENOSPC; a read-only mount as SQLITE_READONLY*, EROFS, or only as
 * a file it cannot open: then asking the folder (`dataDir`, where known) tells them apart.
 */
export function storeError(error: unknown, dataDir?: string): LatchkeyError | undefined {
  if (isLatchkeyError(error)) return undefined;
  const code = codeOf(error);
  if (code === undefined) return undefined;
  const where = dataDir ?? 'the data directory';
  const detail = oneLine(error);
  const options = { cause: error, retryAfter: STORAGE_RETRY_AFTER_S };
  if (isBusy(error)) {
    return new LatchkeyError(
      'DB_BUSY',
      `the database is busy: locked by another process such as a Latchkey command (${detail}); try again in a moment`,
      { cause: error, retryAfter: BUSY_RETRY_AFTER_S },
    );
  }
  // SQLite reports a full disk met while it maps its -shm as an I/O error: ask the disk.
  const ioError = code.startsWith('SQLITE_IOERR') || code === 'EIO' || code.startsWith('SQLITE_CANTOPEN');
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || (ioError && dataDir && isFull(dataDir))) {
    return new LatchkeyError(
      'DISK_FULL',
      `no space left on the disk that holds ${where} (the disk is full); free some space, then try again`,
      options,
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || (dataDir && isReadOnly(dataDir))) {
    return new LatchkeyError(
      'DATA_DIR_READ_ONLY',
      `${where} is read-only (${detail}); Latchkey must write there: make it writable (check how it is mounted), then try again`,
      options,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return damaged(dataDir ? `the database in ${dataDir}` : 'the database', `damaged (${detail})`, error);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return new LatchkeyError(
      'DATA_DIR_UNUSABLE',
      `cannot open the files in ${where} (${detail}); check that they belong to you and that the folder exists`,
      options,
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new LatchkeyError(
      'STORAGE_IO',
      `the disk that holds ${where} failed to read or write (${detail}, ${code}); check the disk, then try again`,
      options,
    );
  }
  return undefined;
}

/** A Latchkey error as it is, a store failure as its typed error, anything else undefined. */
export function asLatchkeyError(error: unknown, dataDir?: string): LatchkeyError | undefined {
  return isLatchkeyError(error) ? error : storeError(error, dataDir);
}

/** Less room than SQLite needs to grow its -wal and -shm by a step. */
const NEARLY_FULL_BYTES = 256 * 1024;

function isFull(dir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

function isReadOnly(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EROFS';
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}
