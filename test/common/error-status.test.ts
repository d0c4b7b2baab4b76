import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, statusOf } from '../../main/common/error-status.js';
import { ERROR_CODES, type ErrorCode } from '../../main/common/errors.js';

// Compile-time: a code without a status, or a status for no code, fails `tsc -p test`.
type Missing = Exclude<ErrorCode, keyof typeof ERROR_STATUS>;
type Extra = Exclude<keyof typeof ERROR_STATUS, ErrorCode>;
const exhaustive: [Missing, Extra] extends [never, never] ? true : false = true;

describe('the error table', () => {
  it('gives every error code an HTTP error status, and names no other code', () => {
    expect(exhaustive).toBe(true);
    for (const code of ERROR_CODES) {
      const status = statusOf(code);
      expect(Number.isInteger(status), code).toBe(true);
      expect(status >= 400 && status <= 599, `${code} → ${status}`).toBe(true);
    }
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('answers with the statuses SPEC.md names', () => {
    const spec: Partial<Record<ErrorCode, number>> = {
      // §3: repeated failures are refused with 429 and Retry-After.
      LOGIN_BANNED: 429,
      // §5: expired, revoked or malformed tokens → 401; a disabled user's → 403.
      TOKEN_INVALID: 401,
      FORBIDDEN: 403,
      // §3: an app host without a session answers anything but a navigation with 401.
      NOT_SIGNED_IN: 401,
      // §6: an unknown slug gets a 404 page; an upstream down a 502 page.
      APP_UNKNOWN: 404,
      UPSTREAM_DOWN: 502,
      // §6: a starting app, after the wait, 503 with Retry-After.
      APP_STARTING: 503,
      // §7: a missing or repeated Host is 400; anything else 421 before routing.
      HOST_MISSING: 400,
      HOST_DUPLICATE: 400,
      HOST_NOT_SERVED: 421,
      // §7: browser rules refuse with 403.
      ORIGIN_REFUSED: 403,
      CROSS_SITE_SUBRESOURCE: 403,
      // §7: oversized bodies 413, bad JSON a clear 4xx, malformed requests 400.
      BODY_TOO_LARGE: 413,
      BAD_JSON: 400,
      BAD_REQUEST: 400,
      // §7: a database that cannot be read fails closed with 503.
      GATEWAY_UNAVAILABLE: 503,
      DB_UNAVAILABLE: 503,
      DB_DAMAGED: 503,
      DB_BUSY: 503,
      // §8: in the desktop app the HTTP control plane does not exist (404).
      NOT_FOUND: 404,
    };
    for (const [code, status] of Object.entries(spec)) expect(statusOf(code as ErrorCode), code).toBe(status);
  });

  it('gives a wrong method its own 405 and an unexpected failure its own 500', () => {
    expect(statusOf('METHOD_NOT_ALLOWED')).toBe(405);
    expect(statusOf('INTERNAL_ERROR')).toBe(500);
    const internal = ERROR_CODES.filter((code) => statusOf(code) === 500);
    // Only the server's own faults are 500: never a refusal of what the client sent.
    expect(internal.sort()).toEqual(['BACKUP_FAILED', 'CONFIG_UNREADABLE', 'INTERNAL_ERROR']);
  });
});
