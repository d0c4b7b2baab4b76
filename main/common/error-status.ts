import type { ErrorCode } from './errors.js';

/**
 * The HTTP status of every error code, the one answer every transport gives: the console
 * API, the gateway's own routes and refusals, and the store's faults. `satisfies` makes
 * it exhaustive: a code added to ERROR_CODES without a status here fails typecheck, so
 * no transport ever falls back to a guess.
 */
export const ERROR_STATUS = {
  BAD_ARGUMENT: 400,
  CONFIG_UNKNOWN_KEY: 400,
  CONFIG_INVALID_VALUE: 400,
  // The config file is the server's own: nothing the client sent can fix it.
  CONFIG_UNREADABLE: 500,
  IDENTN_INVALID_STATE: 400,
  IDENTN_PINNED: 409,
  ADMIN_PASSWORD_NOT_CHOSEN: 409,
  ADMIN_MISSING: 409,
  // The store's faults each mean "not now", never "your fault" (SPEC §7: fail closed, 503).
  DB_FROM_FUTURE: 503,
  DB_UNAVAILABLE: 503,
  DB_BUSY: 503,
  DB_DAMAGED: 503,
  DATA_DIR_UNUSABLE: 503,
  DISK_FULL: 503,
  DATA_DIR_READ_ONLY: 503,
  STORAGE_IO: 503,
  BACKUP_FAILED: 500,
  RESTORE_INVALID: 400,
  RESTORE_BLOCKED: 409,
  BIND_NOT_LOOPBACK: 409,
  EXTRA_HOSTS_IN_IMPERSONATION: 409,
  PORT_IN_USE: 409,
  APP_INVALID: 400,
  APP_EXISTS: 409,
  APP_NOT_FOUND: 404,
  APP_PINNED: 409,
  APP_RUN_FORBIDDEN: 403,
  APP_NOT_RUNNABLE: 409,
  // An app Latchkey runs that is not up yet: try again (SPEC §6, 503 with Retry-After).
  APP_START_FAILED: 503,
  APP_STARTING: 503,
  APP_NOT_RUNNING: 503,
  LAUNCHER_NOT_RUNNING: 503,
  USER_INVALID: 400,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  PASSWORD_INVALID: 400,
  LAST_ADMIN: 409,
  LOGIN_FAILED: 401,
  LOGIN_BANNED: 429,
  LOGIN_BUSY: 503,
  LOGIN_OFF: 404,
  SIGNUP_OFF: 404,
  TOKEN_NOT_FOUND: 404,
  TOKEN_INVALID: 401,
  VIEW_AS_INVALID: 400,
  FORBIDDEN: 403,
  SELF_DELETE: 409,
  INTERNAL_ERROR: 500,
  SESSION_REQUIRED: 401,
  HANDOFF_INVALID: 400,
  HANDOFF_BUSY: 503,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_JSON: 400,
  BAD_REQUEST: 400,
  HOST_MISSING: 400,
  HOST_DUPLICATE: 400,
  HOST_NOT_SERVED: 421,
  ORIGIN_REFUSED: 403,
  CROSS_SITE_SUBRESOURCE: 403,
  // Browsers drop a prefetch answered 503, and cache none of it.
  SPECULATIVE_LOAD: 503,
  PEER_NOT_OWNER: 403,
  PEER_UNKNOWN: 403,
  NOT_LOOPBACK: 503,
  APP_UNKNOWN: 404,
  RESERVED_PATH: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_SIGNED_IN: 401,
  BODY_TOO_LARGE: 413,
  UPGRADE_REFUSED: 400,
  UPSTREAM_DOWN: 502,
  UPSTREAM_TIMEOUT: 504,
  GATEWAY_UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status that answers an error code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
