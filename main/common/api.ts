import { z } from 'zod';
import {
  appInputSchema,
  ROLES,
  SLUG_PATTERN,
  USERNAME_PATTERN,
  USERNAME_RULE,
  type App,
  type Role,
  type RunState,
} from './apps.js';
import type { API_ROUTES } from './api-routes.js';
import { parseDuration } from './duration.js';
import type { IdentnState } from './identn.js';

/**
 * The console API: one list of methods, each with its input schema; its HTTP routes are in
 * api-routes.ts, which must name the same methods (the type checker says so). The core
 * implements every method once (main/core/api); the HTTP transport binds them at
 * /api/v1/… under `latchkey serve`, the desktop shell over IPC. A contract test fails
 * when a method lacks a binding.
 */

const username = z.string().trim().toLowerCase().regex(USERNAME_PATTERN, USERNAME_RULE);
const password = z.string().min(1, 'is required').max(4096);
const slug = z.string().regex(SLUG_PATTERN, 'is not a valid slug');
const empty = z.strictObject({});
const role = z.enum(ROLES, { error: `must be ${ROLES.join(' or ')}` });
/** A token's lifetime: a duration such as 24h or 90d, or `never` (null). */
const lifetime = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (text === 'never') return null;
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'takes a duration such as 24h or 90d, or never' });
      return z.NEVER;
    }
    return ms;
  });

export const API = {
  'config.get': { input: empty, anyUser: true },
  'identn.set': {
    input: z.strictObject({
      impersonation: z.boolean().optional(),
      tokenizer: z.boolean().optional(),
      apikey: z.boolean().optional(),
      /** Sets the admin password first, when turning logins on needs one. */
      adminPassword: password.optional(),
    }),
  },
  'apps.list': { input: empty },
  'apps.health': { input: empty },
  /** The apps the caller may open, for a launcher every signed-in user gets. */
  'apps.mine': { input: empty, anyUser: true },
  'apps.add': { input: appInputSchema },
  'apps.update': { input: appInputSchema },
  'apps.remove': { input: z.strictObject({ slug }) },
  // Apps Latchkey runs: start, stop, restart and read logs; never define the command (see apps.add).
  'apps.start': { input: z.strictObject({ slug }) },
  'apps.stop': { input: z.strictObject({ slug }) },
  'apps.restart': { input: z.strictObject({ slug }) },
  'apps.logs': {
    input: z.strictObject({ slug, lines: z.coerce.number().int().min(1).max(5_000).default(200) }),
  },
  'users.list': { input: empty },
  'users.create': {
    input: z.strictObject({
      username,
      password,
      role: role.default('ReadOnly'),
      email: z.string().trim().max(200).optional(),
      displayName: z.string().trim().max(100).optional(),
    }),
  },
  'users.update': {
    input: z.strictObject({ username, role: role.optional(), enabled: z.boolean().optional() }),
  },
  'users.resetPassword': {
    /** Without a password, one is generated and returned once. */
    input: z.strictObject({ username, password: password.optional(), enable: z.boolean().optional() }),
  },
  'users.delete': { input: z.strictObject({ username }) },
  'viewAs.get': { input: empty },
  /** Whom the caller may view as (enabled users but oneself), to offer them. */
  'viewAs.candidates': { input: empty },
  'viewAs.start': { input: z.strictObject({ username }) },
  'viewAs.stop': { input: empty },
  'tokens.list': { input: empty },
  'tokens.create': {
    input: z.strictObject({
      username,
      expires: lifetime.prefault('90d'),
      description: z.string().trim().max(200).default(''),
    }),
  },
  'tokens.revoke': { input: z.strictObject({ id: z.string().min(1) }) },
  'bans.list': { input: empty },
  'bans.lift': {
    // Not the username pattern: a ban may be on any name someone tried to sign in with.
    input: z.strictObject({ username: z.string().trim().toLowerCase().min(1, 'is required') }),
  },
  'account.changePassword': {
    anyUser: true,
    input: z.strictObject({ currentPassword: password, newPassword: password }),
  },
  'audit.list': {
    input: z.strictObject({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).default(0),
      kind: z.string().optional(),
      user: z.string().optional(),
    }),
  },
  'about.get': { input: empty, anyUser: true },
} as const satisfies Record<keyof typeof API_ROUTES, ApiEntry>;

/** `anyUser`: any signed-in user may call it (their own account); otherwise Admins only. */
interface ApiEntry {
  input: z.ZodType;
  anyUser?: boolean;
}

export type ApiMethod = keyof typeof API;
export type ApiInput<M extends ApiMethod> = z.input<(typeof API)[M]['input']>;
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof API)[M]['input']>;

export interface UserDto {
  username: string;
  email: string;
  displayName: string;
  role: Role;
  enabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
  passwordChangedAt: number;
}

export interface TokenDto {
  id: string;
  username: string;
  description: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface AuditDto {
  id: number;
  at: number;
  kind: string;
  actor: string | null;
  subject: string | null;
  detail: Record<string, unknown>;
}

export type Health = 'up' | 'down' | 'slow' | 'unknown';

/** The run state of an app Latchkey runs. */
export interface RunStatusDto {
  state: RunState;
  /** Why (sticky while crashed; "restarting in N s" while backing off), or null. */
  reason: string | null;
  pid: number | null;
  retryAt: number | null;
  lastLines: string[];
}

/** Who the console is talking as: the console link (no user), a signed-in Admin, or the CLI. */
export interface ConsoleCaller {
  kind: 'console-link' | 'user' | 'cli';
  username: string | null;
  /** The caller's role: a console link acts as an Admin. */
  role: Role;
}

export interface ConfigDto {
  identn: IdentnState;
  /** False while the admin password is one Latchkey generated: logins need one first. */
  adminPasswordChosen: boolean;
  rootUsername: string;
  /** The port the gateway listens on: every address the console shows carries it. */
  port: number;
  /** Whether the OS tells who is on the other end of a loopback connection (Linux). */
  peerCheck: boolean;
  caller: ConsoleCaller;
  viewingAs: { username: string; until: number } | null;
  /** Why this caller cannot start "view as" now (a console link with logins on), or null when it can. */
  viewAsRefused: string | null;
  /**
   * The admin password Latchkey generated at first launch (SPEC §2), for the console to
   * show: only to an Admin or the console, only while `<data-dir>/initial-admin-password`
   * exists and no person has chosen a password since.
   */
  initialAdminPassword?: string;
}

/** The result type of every method. */
export interface ApiResults {
  'config.get': ConfigDto;
  'identn.set': IdentnState;
  'apps.list': (App & {
    url: string;
    runStatus: RunStatusDto | null;
    /** How a run app listens: a Unix socket only Latchkey reaches, or a loopback port any local program can. */
    listens: 'socket' | 'port' | null;
  })[];
  'apps.health': Record<string, Health>;
  'apps.mine': { slug: string; name: string; url: string }[];
  'apps.add': App;
  'apps.update': App;
  'apps.remove': { removed: string };
  'apps.start': RunStatusDto;
  'apps.stop': RunStatusDto;
  'apps.restart': RunStatusDto;
  'apps.logs': { lines: string[] };
  'users.list': UserDto[];
  'users.create': UserDto;
  'users.update': UserDto;
  'users.resetPassword': { user: UserDto; generatedPassword: string | null };
  'users.delete': { deleted: string };
  'viewAs.get': { username: string; until: number } | null;
  'viewAs.candidates': { username: string; role: Role }[];
  'viewAs.start': { username: string; until: number };
  'viewAs.stop': { stopped: string | null };
  'tokens.list': TokenDto[];
  'tokens.create': { token: string; view: TokenDto };
  'tokens.revoke': { revoked: string };
  /** client: who tried, `uid:<n>` (an OS user) or `unknown` where the OS does not tell. */
  'bans.list': { username: string; client: string; until: number }[];
  'bans.lift': { lifted: boolean };
  'account.changePassword': { changed: true };
  'audit.list': { entries: AuditDto[]; hasMore: boolean };
  'about.get': {
    version: string;
    dataDir: string;
    gatewayUrl: string;
    consoleUrl: string;
    licences: { name: string; version: string; license: string }[];
  };
}

/**
 * What the change feed tells the console changed (SPEC §8): each screen re-fetches what
 * it shows when one of its kinds changes. `settings` covers identN and the admin
 * password's state; `viewAs` both the console's and any session's.
 */
export const CHANGE_KINDS = ['settings', 'apps', 'users', 'tokens', 'bans', 'audit', 'viewAs'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
