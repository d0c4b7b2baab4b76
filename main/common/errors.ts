/**
 * Stable error codes. Scripts, the console and tests match on these, never on messages,
 * so a code once shipped keeps its meaning.
 */
export const ERROR_CODES = [
  'BAD_ARGUMENT',
  'CONFIG_UNKNOWN_KEY',
  'CONFIG_INVALID_VALUE',
  'CONFIG_UNREADABLE',
  'IDENTN_INVALID_STATE',
  'IDENTN_PINNED',
  'ADMIN_PASSWORD_NOT_CHOSEN',
  'ADMIN_MISSING',
  'DB_FROM_FUTURE',
  'DB_UNAVAILABLE',
  // Faults of the data directory and the disk under it, each with its own remedy: a lock
  // another process holds (try again soon), damage (restore), files it cannot open, a
  // full, read-only or failing disk.
  'DB_BUSY',
  'DB_DAMAGED',
  'DATA_DIR_UNUSABLE',
  'DISK_FULL',
  'DATA_DIR_READ_ONLY',
  'STORAGE_IO',
  'BACKUP_FAILED',
  'RESTORE_INVALID',
  'RESTORE_BLOCKED',
  'BIND_NOT_LOOPBACK',
  'EXTRA_HOSTS_IN_IMPERSONATION',
  'PORT_IN_USE',
  'APP_INVALID',
  'APP_EXISTS',
  'APP_NOT_FOUND',
  'APP_PINNED',
  // The launcher: apps Latchkey runs.
  'APP_RUN_FORBIDDEN',
  'APP_NOT_RUNNABLE',
  'APP_START_FAILED',
  'APP_STARTING',
  'APP_NOT_RUNNING',
  'LAUNCHER_NOT_RUNNING',
  'USER_INVALID',
  'USER_EXISTS',
  'USER_NOT_FOUND',
  'PASSWORD_INVALID',
  'LAST_ADMIN',
  'LOGIN_FAILED',
  'LOGIN_BANNED',
  'LOGIN_BUSY',
  'LOGIN_OFF',
  'SIGNUP_OFF',
  'TOKEN_NOT_FOUND',
  'TOKEN_INVALID',
  'VIEW_AS_INVALID',
  'FORBIDDEN',
  'SELF_DELETE',
  'INTERNAL_ERROR',
  'SESSION_REQUIRED',
  'HANDOFF_INVALID',
  'HANDOFF_BUSY',
  'UNSUPPORTED_MEDIA_TYPE',
  'BAD_JSON',
  // Refusals the gateway answers over HTTP.
  'BAD_REQUEST',
  'HOST_MISSING',
  'HOST_DUPLICATE',
  'HOST_NOT_SERVED',
  'ORIGIN_REFUSED',
  'CROSS_SITE_SUBRESOURCE',
  'SPECULATIVE_LOAD',
  'PEER_NOT_OWNER',
  'PEER_UNKNOWN',
  'NOT_LOOPBACK',
  'APP_UNKNOWN',
  'RESERVED_PATH',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_SIGNED_IN',
  'BODY_TOO_LARGE',
  'UPGRADE_REFUSED',
  'UPSTREAM_DOWN',
  'UPSTREAM_TIMEOUT',
  'GATEWAY_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';
  readonly code: ErrorCode;
  /** Seconds after which trying again may succeed (bans, a busy hasher). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options);
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isLatchkeyError(value: unknown, code?: ErrorCode): value is LatchkeyError {
  return value instanceof LatchkeyError && (code === undefined || value.code === code);
}
