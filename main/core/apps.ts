import type { z } from 'zod';
import type { runInputSchema } from '../common/apps.js';
import { appInputSchema, describeIssues, type App, type AppInput, type RunDefinition } from '../common/apps.js';
import { LatchkeyError } from '../common/errors.js';
import type { Config } from './config/config.js';
import type { AppsRepo } from './db/apps-repo.js';

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

/** Apps from the config file (pinned) and from the store, the file winning a shared slug. */
export class AppService {
  private readonly fileApps: App[];

  constructor(
    private readonly repo: AppsRepo,
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

  add(input: AppInput): App {
    const app = parseApp(input, 'stored');
    this.assertNotPinned(app.slug);
    this.repo.insert(app);
    return app;
  }

  update(input: AppInput): App {
    const app = parseApp(input, 'stored');
    this.assertNotPinned(app.slug);
    if (!this.repo.update(app)) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${app.slug}"`);
    return app;
  }

  remove(slug: string): void {
    this.assertNotPinned(slug);
    if (!this.repo.delete(slug)) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
  }

  private assertNotPinned(slug: string): void {
    if (this.fileApps.some((a) => a.slug === slug)) {
      throw new LatchkeyError('APP_PINNED', `app "${slug}" is defined in the config file; change it there`);
    }
  }
}
