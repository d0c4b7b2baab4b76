import { z } from 'zod';
import {
  originSchema,
  publicPathSchema,
  ROLES,
  RUN_PRESETS,
  START_POLICIES,
  USERNAME_PATTERN,
  type App,
  type HeaderPreset,
  type RunDefinition,
} from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import type { Db } from './open.js';

interface AppRow {
  slug: string;
  name: string;
  upstream: string;
  allow_roles: string;
  allow_users: string;
  public_paths: string;
  headers: HeaderPreset;
  preserve_host: 0 | 1;
  allowed_origins: string;
  health_path: string | null;
  run: string | null;
}

/**
 * The JSON columns of a row, by the shapes Latchkey writes. A value of another shape is
 * never used as it is: a policy list stored as a string would be matched by substring
 * (`"alice-admin".includes("alice")`), an origin list would let in every origin that is
 * part of it, and a value that is not JSON would stop every app from loading.
 */
const strings = z.array(z.string());
// Fields a run definition gained after its first release read as they did when missing.
const storedRun = z.object({
  preset: z.enum(RUN_PRESETS),
  command: z.string().nullable(),
  args: strings.default([]),
  cwd: z.string().nullable().default(null),
  env: z.record(z.string(), z.string()).default({}),
  listen: z.enum(['port', 'socket']).nullable().default(null),
  start: z.enum(START_POLICIES).default('on-demand'),
  idleStopMs: z.number().nullable().default(null),
});
const storedColumns = z.object({
  allowRoles: z.array(z.enum(ROLES)),
  allowUsers: z.array(z.string().regex(USERNAME_PATTERN)),
  // By the rules they were written with: an empty path would make every path public, and
  // the origin "null" would let every sandboxed frame and file:// page in.
  publicPaths: z.array(publicPathSchema),
  allowedOrigins: z.array(originSchema),
  run: storedRun.nullable(),
});

/** Says why a stored app was left out. */
export type DamagedAppNotice = (message: string) => void;

function json(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The app a row holds, or undefined when a column is damaged: the app is then read as
 * absent (its host answers 404, as an app that does not exist), never with a policy
 * guessed from what is left. `latchkey app remove` still removes the row.
 */
function toApp(row: AppRow, notice: DamagedAppNotice): App | undefined {
  const columns = storedColumns.safeParse({
    allowRoles: json(row.allow_roles),
    allowUsers: json(row.allow_users),
    publicPaths: json(row.public_paths),
    allowedOrigins: json(row.allowed_origins),
    run: json(row.run),
  });
  if (!columns.success) {
    const where = columns.error.issues[0]?.path.join('.') ?? 'a column';
    notice(
      `the stored app ${row.slug} is ignored (${where} is damaged): it is read as absent; remove it and add it again`,
    );
    return undefined;
  }
  const { allowRoles, allowUsers, publicPaths, allowedOrigins, run } = columns.data;
  return {
    slug: row.slug,
    name: row.name,
    upstream: row.upstream,
    allowRoles,
    allowUsers,
    publicPaths,
    headers: row.headers,
    preserveHost: row.preserve_host === 1,
    allowedOrigins,
    healthPath: row.health_path,
    run: run as RunDefinition | null,
    source: 'stored',
  };
}

/** An app as named statement parameters. */
function params(app: Omit<App, 'source'>, at: number) {
  return {
    slug: app.slug,
    name: app.name,
    upstream: app.upstream,
    allowRoles: JSON.stringify(app.allowRoles),
    allowUsers: JSON.stringify(app.allowUsers),
    publicPaths: JSON.stringify(app.publicPaths),
    headers: app.headers,
    preserveHost: app.preserveHost ? 1 : 0,
    allowedOrigins: JSON.stringify(app.allowedOrigins),
    healthPath: app.healthPath,
    run: app.run === null ? null : JSON.stringify(app.run),
    at,
  };
}

export class AppsRepo {
  private readonly selectAll;
  private readonly insertRow;
  private readonly deleteRow;
  private readonly updateRow;

  /** Each damaged row is told once per process, not on every reload. */
  private readonly told = new Set<string>();

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly notice: DamagedAppNotice = () => undefined,
  ) {
    this.selectAll = db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY slug');
    this.insertRow = db.prepare(
      `INSERT INTO apps (slug, name, upstream, allow_roles, allow_users, public_paths, headers, preserve_host,
                         allowed_origins, health_path, run, created_at, updated_at)
       VALUES (@slug, @name, @upstream, @allowRoles, @allowUsers, @publicPaths, @headers, @preserveHost,
               @allowedOrigins, @healthPath, @run, @at, @at)`,
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM apps WHERE slug = ?');
    this.updateRow = db.prepare(
      `UPDATE apps SET name = @name, upstream = @upstream, allow_roles = @allowRoles, allow_users = @allowUsers,
         public_paths = @publicPaths, headers = @headers, preserve_host = @preserveHost,
         allowed_origins = @allowedOrigins, health_path = @healthPath, run = @run, updated_at = @at
       WHERE slug = @slug`,
    );
  }

  list(): App[] {
    const apps: App[] = [];
    for (const row of this.selectAll.all()) {
      const app = toApp(row, (line) => {
        if (!this.told.has(line)) this.notice(line);
        this.told.add(line);
      });
      if (app) apps.push(app);
    }
    return apps;
  }

  insert(app: Omit<App, 'source'>): void {
    try {
      this.insertRow.run(params(app, this.clock.now()));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new LatchkeyError('APP_EXISTS', `an app with slug "${app.slug}" already exists`);
      }
      throw error;
    }
  }

  /** True when the app existed and was changed. */
  update(app: Omit<App, 'source'>): boolean {
    return this.updateRow.run(params(app, this.clock.now())).changes > 0;
  }

  /** True when a row was removed. */
  delete(slug: string): boolean {
    return this.deleteRow.run(slug).changes > 0;
  }
}
