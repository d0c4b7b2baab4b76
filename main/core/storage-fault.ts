import { accessSync, constants, statfsSync } from 'node:fs';
import { LatchkeyError } from '../common/errors.js';

/**
 * Turns what the disk or SQLite threw into one line that says what is wrong and what to
 * do, or undefined when the error is not a storage fault. SQLite reports a full disk as
 * SQLITE_FULL and Node as ENOSPC; a read-only mount as SQLITE_READONLY*, EROFS, or only as
 * a file it cannot open: then whether the folder takes writes tells the two apart.
 */
export function storageFault(error: unknown, dataDir?: string): LatchkeyError | undefined {
  if (error instanceof LatchkeyError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const where = dataDir ?? 'the data directory';
  const detail = oneLine(error);
  const options = { cause: error };
  // SQLite reports a full disk met while it maps its -shm as an I/O error: ask the disk.
  const ioError = code.startsWith('SQLITE_IOERR') || code === 'EIO' || code.startsWith('SQLITE_CANTOPEN');
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || (ioError && dataDir && isFull(dataDir))) {
    return new LatchkeyError(
      'DISK_FULL',
      `no space left on the disk that holds ${where}; free some space, then try again`,
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
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LatchkeyError(
      'DB_BUSY',
      `the database in ${where} stayed locked by another process (${detail}); try again in a moment`,
      options,
    );
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

/** A database Latchkey will not start over from: the one remedy is a backup. */
export function damaged(what: string, problem: string, cause?: unknown): LatchkeyError {
  return new LatchkeyError(
    'DB_DAMAGED',
    `${what} is ${problem}; Latchkey will not start over on its own: restore a backup with latchkey restore FILE`,
    cause === undefined ? undefined : { cause },
  );
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
