import type { ErrorCode } from '../common/errors.js';

/**
 * Exit codes, one per kind of remedy, documented in the README ("When something is
 * wrong"). The numbers above 2 follow BSD's sysexits.h, as many command-line tools do.
 */
export const EXIT = {
  ok: 0,
  /** Refused: what was asked breaks a rule (the line says which), or the config is wrong. */
  refused: 1,
  /** Bad arguments. */
  usage: 2,
  /** The database is damaged, empty or missing in a folder set up before: restore a backup. */
  damaged: 65,
  /** Latchkey's own fault: a bug to report. */
  internal: 70,
  /** The disk: full, read-only, failing, or files that cannot be opened. */
  storage: 74,
  /** Busy for now: another process holds the database or the data folder; try again. */
  busy: 75,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  BAD_ARGUMENT: EXIT.usage,
  DB_DAMAGED: EXIT.damaged,
  DISK_FULL: EXIT.storage,
  DATA_DIR_READ_ONLY: EXIT.storage,
  DATA_DIR_UNUSABLE: EXIT.storage,
  DB_UNAVAILABLE: EXIT.storage,
  STORAGE_IO: EXIT.storage,
  DB_BUSY: EXIT.busy,
  RESTORE_BLOCKED: EXIT.busy,
  // The service's unexpected failure is a bug wherever it surfaces, as it is over HTTP and IPC.
  INTERNAL_ERROR: EXIT.internal,
};

export function exitCodeOf(code: ErrorCode): number {
  return BY_CODE[code] ?? EXIT.refused;
}
