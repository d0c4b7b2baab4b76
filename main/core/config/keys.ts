import { z } from 'zod';
import {
  appInputSchema,
  EMAIL_PATTERN,
  EMAIL_RULE,
  ROLES,
  USERNAME_PATTERN,
  USERNAME_RULE,
} from '../../common/apps.js';
import { parseDuration } from '../../common/duration.js';

const TRUE_WORDS = ['true', '1', 'on', 'yes'];
const FALSE_WORDS = ['false', '0', 'off', 'no'];

const bool = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false, not "${value}"` });
  return z.NEVER;
});

/** Seconds as a number, or text such as 90s, 30m, 12h, 7d; always milliseconds inside. */
const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms =
    typeof value === 'number'
      ? Number.isInteger(value) && value > 0
        ? value * 1000
        : undefined
      : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as 90s, 30m, 12h or 7d, not "${value}"` });
    return z.NEVER;
  }
  return ms;
});

const port = z.coerce.number().int().min(0).max(65_535);
const byteSize = z.coerce.number().int().positive();
const hostNames = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').filter(Boolean))]).pipe(
  z.array(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'must be host names'),
  ),
);

/**
 * Every setting Latchkey reads, with its schema and default. The environment name of a
 * key is derived (LATCHKEY_ + upper-cased, `.` and `-` as `_`), so the two never drift.
 */
export const SETTINGS = {
  port: { schema: port, default: 7780 },
  host: { schema: z.string().min(1), default: undefined as string | undefined },
  'identn.impersonation.enabled': { schema: bool, default: true },
  'identn.tokenizer.enabled': { schema: bool, default: false },
  'identn.apikey.enabled': { schema: bool, default: false },
  /** Pyroscope's name for the internal login provider; read as identn.tokenizer.enabled. */
  'auth.internal.enabled': { schema: bool, default: undefined as boolean | undefined },
  'auth.internal.signup-enabled': { schema: bool, default: false },
  'auth.signup-default-role': { schema: z.enum(ROLES), default: 'ReadOnly' as const },
  'auth.internal.admin.create': { schema: bool, default: true },
  'auth.internal.admin.name': {
    schema: z.string().regex(USERNAME_PATTERN, USERNAME_RULE),
    default: 'admin',
  },
  'auth.internal.admin.password': { schema: z.string().min(1), default: undefined as string | undefined },
  'auth.internal.admin.email': {
    schema: z.string().regex(EMAIL_PATTERN, EMAIL_RULE),
    default: 'admin@localhost.localdomain',
  },
  'session.idle-timeout': { schema: duration, default: 12 * 3_600_000 },
  'session.absolute-timeout': { schema: duration, default: 7 * 86_400_000 },
  /** Authelia's regulation: max-retries failures within find-time ban a username for ban-time. */
  'regulation.max-retries': { schema: z.coerce.number().int().min(1), default: 3 },
  'regulation.find-time': { schema: duration, default: 2 * 60_000 },
  'regulation.ban-time': { schema: duration, default: 5 * 60_000 },
  /** Failures across all usernames within find-time past which every sign-in is slowed (never refused). */
  'regulation.global-max-retries': { schema: z.coerce.number().int().min(1), default: 30 },
  'gateway.allowed-hosts': { schema: hostNames, default: [] as string[] },
  'gateway.max-body-size': { schema: byteSize, default: 1024 ** 3 },
  'gateway.headers-timeout': { schema: duration, default: 20_000 },
  'gateway.request-timeout': { schema: duration, default: 300_000 },
  'gateway.upstream-timeout': { schema: duration, default: 60_000 },
  apps: { schema: z.array(appInputSchema), default: [] as z.output<typeof appInputSchema>[] },
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> =
  z.output<(typeof SETTINGS)[K]['schema']> | (typeof SETTINGS)[K]['default'];

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function envName(key: string): string {
  return 'LATCHKEY_' + key.toUpperCase().replace(/[.-]/g, '_');
}

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}
