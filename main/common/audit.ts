/**
 * Who acted, in the audit log, when no user did. Each starts with "(", which no username
 * may (USERNAME_PATTERN): a user named "cli" or "console" cannot pass for the CLI or the
 * console link, and the console can say which of them acted.
 */
export const SYSTEM_ACTORS = {
  /** The `latchkey` command line. */
  cli: '(cli)',
  /** A browser holding a console session from a console link. */
  consoleLink: '(console link)',
  /** The desktop app: its window and its tray. */
  desktop: '(desktop app)',
} as const;

export type SystemActor = (typeof SYSTEM_ACTORS)[keyof typeof SYSTEM_ACTORS];

/** What the audit log records; stable names, shown by the console (in words) and `latchkey audit`. */
export const AUDIT_KINDS = [
  'login',
  'login.failed',
  'login.banned',
  'logout',
  'ban.lifted',
  'console.opened',
  'identn.changed',
  'user.created',
  'user.updated',
  'user.deleted',
  'password.changed',
  'password.reset',
  'token.created',
  'token.revoked',
  'viewas.started',
  'viewas.stopped',
  'keys.rotated',
  'app.added',
  'app.updated',
  'app.removed',
  'app.run-defined',
  'app.started',
  'app.stopped',
  'app.restarted',
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number];
