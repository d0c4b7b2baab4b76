import type { z } from 'zod';
import type { runInputSchema } from '../common/apps.js';
import { appInputSchema, describeIssues, type App, type AppInput, type RunDefinition } from '../common/apps.js';
import { LatchkeyError } from '../common/errors.js';
import type { Config } from './config/config.js';
import type { AppsRepo } from './db/apps-repo.js';
import type { AuditRepo } from './db/audit-repo.js';
import type { Db } from './db/open.js';
import { writeTransaction } from './db/write.js';

function runDefinition(r: z.output<typeof runInputSchema>): RunDefinition {
  return {
    preset: r.preset,
    command: r.command ?? null,
    args: r.args,
    cwd: r.cwd ?? null,
    env: r.env,
    listen: r.listen ?? null,
    start: r.start,
    idleStopMs: r.idleStopMs ?? null,
  };
}

/** Validates input into a complete app; the name defaults to the slug. */
export function parseApp(input: AppInput, source: App['source']): App {
  const result = appInputSchema.safeParse(input);
  if (!result.success) throw new LatchkeyError('APP_INVALID', describeIssues(result.error));
  const a = result.data;
  if ((a.upstream === undefined) === (a.run === undefined)) {
    throw new LatchkeyError('APP_INVALID', 'an app needs either an upstream or a run definition (not both)');
  }
  return {
    slug: a.slug,
    name: a.name ?? a.slug,
    upstream: a.upstream?.replace(/\/+$/, '') ?? '',
    allowRoles: a.allowRoles,
    allowUsers: a.allowUsers,
    publicPaths: a.publicPaths,
    headers: a.headers,
    preserveHost: a.preserveHost,
    allowedOrigins: a.allowedOrigins,
    healthPath: a.healthPath ?? null,
    run: a.run ? runDefinition(a.run) : null,
    source,
  };
}

/** The fields of an app a person sets, in the order an audit entry names the changed ones. */
const FIELDS = [
  'name',
  'upstream',
  'run',
  'allowRoles',
  'allowUsers',
  'publicPaths',
  'headers',
  'preserveHost',
  'allowedOrigins',
  'healthPath',
] as const satisfies readonly (keyof App)[];

const changedFields = (before: App, after: App) =>
  FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));

/** Where an app is reached, for the audit log: its upstream, or what Latchkey runs. */
const whereOf = (app: App) => (app.run ? { runs: app.run.preset } : { upstream: app.upstream });

/**
 * Apps from the config file (pinned) and from the store, the file winning a shared slug.
 * Every change is recorded in the audit log in the transaction that makes it, whichever
 * transport asked (console, desktop window, tray, CLI): `actor` says who.
 */
export class AppService {
  private readonly fileApps: App[];

  constructor(
    private readonly db: Db,
    private readonly repo: AppsRepo,
    private readonly audit: AuditRepo,
    config: Config,
  ) {
    this.fileApps = config.get('apps').map((input) => parseApp(input, 'file'));
  }

  list(): App[] {
    const pinned = new Set(this.fileApps.map((a) => a.slug));
    return [...this.fileApps, ...this.repo.list().filter((a) => !pinned.has(a.slug))].sort((a, b) =>
      a.slug.localeCompare(b.slug),
    );
  }

  add(input: AppInput, actor: string): App {
    const app = parseApp(input, 'stored');
    this.assertNotPinned(app.slug);
    writeTransaction(this.db, () => {
      this.repo.insert(app);
      this.audit.record('app.added', actor, app.slug, whereOf(app));
      if (app.run) this.audit.record('app.run-defined', actor, app.slug, { preset: app.run.preset });
    });
    return app;
  }

  update(input: AppInput, actor: string): App {
    const app = parseApp(input, 'stored');
    this.assertNotPinned(app.slug);
    writeTransaction(this.db, () => {
      const before = this.repo.list().find((a) => a.slug === app.slug);
      if (!before || !this.repo.update(app)) {
        throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${app.slug}"`);
      }
      const changed = changedFields(before, app);
      this.audit.record('app.updated', actor, app.slug, { changed });
      // Defining what Latchkey runs is running code: its own entry, as when the app was added.
      if (app.run && changed.includes('run')) {
        this.audit.record('app.run-defined', actor, app.slug, { preset: app.run.preset });
      }
    });
    return app;
  }

  remove(slug: string, actor: string): void {
    this.assertNotPinned(slug);
    writeTransaction(this.db, () => {
      if (!this.repo.delete(slug)) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
      this.audit.record('app.removed', actor, slug);
    });
  }

  private assertNotPinned(slug: string): void {
    if (this.fileApps.some((a) => a.slug === slug)) {
      throw new LatchkeyError('APP_PINNED', `app "${slug}" is defined in the config file; change it there`);
    }
  }
}
