import type { App, HeaderPreset, Role, RunDefinition } from '../../common/apps.js';
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

function toApp(row: AppRow): App {
  return {
    slug: row.slug,
    name: row.name,
    upstream: row.upstream,
    allowRoles: JSON.parse(row.allow_roles) as Role[],
    allowUsers: JSON.parse(row.allow_users) as string[],
    publicPaths: JSON.parse(row.public_paths) as string[],
    headers: row.headers,
    preserveHost: row.preserve_host === 1,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    healthPath: row.health_path,
    run: row.run === null ? null : (JSON.parse(row.run) as RunDefinition),
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

  constructor(
    db: Db,
    private readonly clock: Clock,
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
    return this.selectAll.all().map(toApp);
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
