import { z } from 'zod';

export const RESERVED_SLUGS = ['latchkey'] as const;
export const HEADER_PRESETS = ['generic', 'grafana', 'remote', 'none'] as const;
export type HeaderPreset = (typeof HEADER_PRESETS)[number];
export const ROLES = ['Admin', 'ReadOnly'] as const;
export type Role = (typeof ROLES)[number];

/** One DNS label, lower-case, so `<slug>.localhost` is a valid host name. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** USERNAME_PATTERN in words: every refusal of a username says the rule, never just "not valid". */
export const USERNAME_RULE =
  'must be 1 to 64 characters of lower-case a-z, 0-9, ".", "_" or "-", starting with a letter or digit';
/**
 * An email Latchkey can assert: printable ASCII without quotes, brackets or separators.
 * Node refuses any other character in a header value, so an internationalized address
 * (`jörg@example.com`) accepted here would make every request of its user fail.
 */
export const EMAIL_PATTERN = /^[A-Za-z0-9!#$%&*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,189}$/;
export const EMAIL_RULE =
  'must be an ASCII email address such as name@example.com (other characters cannot be sent in a header)';

const slug = z
  .string()
  .regex(SLUG_PATTERN, 'must be one DNS label: a-z, 0-9 and inner dashes, at most 63 characters')
  .refine((s) => !(RESERVED_SLUGS as readonly string[]).includes(s), 'is reserved for the console');

const upstream = z.string().superRefine((value, ctx) => {
  if (value.startsWith('unix:')) {
    // A Unix socket only its owner can reach: an absolute path, nothing else.
    if (!/^unix:\/[^\0?#]*[^/]$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be unix: followed by the absolute path of a socket' });
    }
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must use http:// or https://' });
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
  }
  if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a query or fragment' });
  }
});

/** A path an app serves without identity: absolute, already normalized, no query. */
const publicPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/, 'must be an absolute path without query or fragment')
  .refine(
    (p) => !p.split('/').some((seg) => seg === '.' || seg === '..') && !p.includes('//'),
    'must be normalized (no ".", ".." or "//" segments)',
  );

const origin = z.string().superRefine((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.origin !== value || url.origin === 'null') throw new Error('not an origin');
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an origin such as http://localhost:5173' });
  }
});

export const RUN_PRESETS = ['command', 'jupyter', 'prometheus', 'grafana'] as const;
export type RunPreset = (typeof RUN_PRESETS)[number];
export const START_POLICIES = ['on-demand', 'auto', 'manual'] as const;
export type StartPolicy = (typeof START_POLICIES)[number];
export const RUN_STATES = ['stopped', 'starting', 'running', 'stopping', 'backoff', 'crashed'] as const;
export type RunState = (typeof RUN_STATES)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * How Latchkey runs an app: a command (or a preset that knows the tool), where it runs,
 * extra environment, and how it listens — `port` (a loopback port Latchkey picks, given
 * as `{port}` in the arguments and PORT in the environment) or `socket` (a Unix socket in
 * an owner-only folder of the data directory, given as `{socket}`).
 */
export const runInputSchema = z
  .strictObject({
    preset: z.enum(RUN_PRESETS).default('command'),
    command: z.string().min(1).max(4096).optional(),
    args: z.array(z.string().max(4096)).max(256).default([]),
    cwd: z.string().min(1).optional(),
    env: z
      .record(
        z
          .string()
          .regex(ENV_NAME, 'must be an environment variable name')
          .refine((k) => !/^LATCHKEY_/i.test(k), {
            message: 'must not start with LATCHKEY_',
          }),
        z.string().max(32_768),
      )
      .default({}),
    listen: z.enum(['port', 'socket']).optional(),
    start: z.enum(START_POLICIES, { error: 'takes on-demand, auto or manual' }).default('on-demand'),
    /** Stop after this long without a request; absent: never. */
    idleStopMs: z.number().int().min(1_000).optional(),
  })
  .refine((r) => r.preset !== 'command' || r.command !== undefined, {
    message: 'needs a command (or a preset)',
    path: ['command'],
  });

export type RunInput = z.input<typeof runInputSchema>;

export interface RunDefinition {
  preset: RunPreset;
  command: string | null;
  args: string[];
  cwd: string | null;
  env: Record<string, string>;
  listen: 'port' | 'socket' | null;
  start: StartPolicy;
  idleStopMs: number | null;
}

export const appInputSchema = z.strictObject({
  slug,
  name: z.string().trim().min(1).max(80).optional(),
  /** Where it listens; an app Latchkey runs (`run`) has its address picked at each start. */
  upstream: upstream.optional(),
  run: runInputSchema.optional(),
  allowRoles: z.array(z.enum(ROLES)).default([]),
  allowUsers: z.array(z.string().regex(USERNAME_PATTERN, USERNAME_RULE)).default([]),
  publicPaths: z.array(publicPath).default([]),
  headers: z.enum(HEADER_PRESETS).default('generic'),
  preserveHost: z.boolean().default(true),
  allowedOrigins: z.array(origin).default([]),
  healthPath: publicPath.optional(),
});

export type AppInput = z.input<typeof appInputSchema>;

/** The element rules of a stored app's lists, for reading them back as strictly as they were written. */
export { origin as originSchema, publicPath as publicPathSchema };

export interface App {
  slug: string;
  name: string;
  /** `http(s)://…` or `unix:/path`; '' for an app Latchkey runs (its address is picked at start). */
  upstream: string;
  allowRoles: Role[];
  allowUsers: string[];
  publicPaths: string[];
  headers: HeaderPreset;
  preserveHost: boolean;
  allowedOrigins: string[];
  healthPath: string | null;
  /** How Latchkey runs it, or null for an app that runs on its own at `upstream`. */
  run: RunDefinition | null;
  /** `file` apps come from the config file and cannot be changed from the CLI or console. */
  source: 'stored' | 'file';
}

/** Turns zod's issues into one line that names the offending field. */
export function describeIssues(error: z.ZodError, subject = 'value'): string {
  return error.issues
    .map((issue) => {
      const where = [subject === 'value' && issue.path.length > 0 ? [] : [subject], ...issue.path].flat().join('.');
      return `${where} ${issue.message}`;
    })
    .join('; ');
}
