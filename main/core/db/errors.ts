import { isLatchkeyError, LatchkeyError } from '../../common/errors.js';

/** Seconds a client should wait before retrying a write another process was holding up. */
export const BUSY_RETRY_AFTER_S = 1;
/** A full or read-only disk is not fixed in a second; ask for a longer pause. */
const WRITE_FAILED_RETRY_AFTER_S = 30;

/** SQLite's (extended) result code of an error thrown by better-sqlite3, if it is one. */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * SQLite says another connection holds the lock: the same work may succeed in a moment.
 * Only SQLite's own error: a DB_BUSY already means someone waited and gave up.
 */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function reasonOf(code: string): string {
  if (code === 'SQLITE_FULL') return 'the disk that holds the data folder is full; free some space and try again';
  if (code.startsWith('SQLITE_READONLY')) {
    return 'the database is read-only (is the data folder or its disk mounted read-only?)';
  }
  if (code.startsWith('SQLITE_CANTOPEN')) return 'the database file cannot be opened; check the data folder';
  return `the database could not be written (${code}); check the disk that holds the data folder`;
}

/**
 * The one translation of SQLite's failures into Latchkey's errors, used by every transport
 * (HTTP sign-in routes, the console API, the router, the CLI): a lock held elsewhere is
 * DB_BUSY, a store that cannot take writes is DB_WRITE_FAILED, a file that is not a
 * database DB_UNAVAILABLE. Anything else is not the store's doing and stays undefined.
 */
export function storeError(error: unknown): LatchkeyError | undefined {
  if (isLatchkeyError(error)) return undefined;
  const code = sqliteCode(error);
  if (code === undefined) return undefined;
  if (isBusy(error)) {
    return new LatchkeyError(
      'DB_BUSY',
      'the database is busy with another Latchkey process (such as a command line); try again in a moment',
      { cause: error, retryAfter: BUSY_RETRY_AFTER_S },
    );
  }
  if (
    code === 'SQLITE_FULL' ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN')
  ) {
    return new LatchkeyError('DB_WRITE_FAILED', reasonOf(code), {
      cause: error,
      retryAfter: WRITE_FAILED_RETRY_AFTER_S,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new LatchkeyError(
      'DB_UNAVAILABLE',
      'the database is damaged; stop Latchkey and run latchkey restore with a backup',
      { cause: error, retryAfter: WRITE_FAILED_RETRY_AFTER_S },
    );
  }
  return undefined;
}

/** A Latchkey error as it is, a store failure as its typed error, anything else undefined. */
export function asLatchkeyError(error: unknown): LatchkeyError | undefined {
  return isLatchkeyError(error) ? error : storeError(error);
}

/** The HTTP status of the store's own errors: each means "not now", never "your fault". */
export const STORE_STATUS = { DB_BUSY: 503, DB_WRITE_FAILED: 503, DB_UNAVAILABLE: 503 } as const;
