import type { RunState } from '../../common/apps.js';
import type { Clock } from '../clock.js';
import type { Db } from './open.js';
import { writeTransaction } from './write.js';

export type RunRequest = 'start' | 'stop' | 'restart';

export interface AppRunRow {
  slug: string;
  state: RunState;
  reason: string | null;
  pid: number | null;
  retryAt: number | null;
  updatedAt: number;
}

interface Row {
  slug: string;
  state: RunState;
  reason: string | null;
  pid: number | null;
  retry_at: number | null;
  updated_at: number;
  requested: RunRequest | null;
}

/**
 * The run state of the apps Latchkey runs, as the gateway running them reports it, and
 * the starts and stops the CLI asks of that gateway.
 */
export class AppRunsRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly upsertState;
  private readonly upsertRequest;
  private readonly selectRequests;
  private readonly clearRequest;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.selectAll = db.prepare<[], Row>('SELECT * FROM app_runs ORDER BY slug');
    this.selectOne = db.prepare<[string], Row>('SELECT * FROM app_runs WHERE slug = ?');
    this.upsertState = db.prepare(
      `INSERT INTO app_runs (slug, state, reason, pid, retry_at, updated_at)
       VALUES (@slug, @state, @reason, @pid, @retryAt, @at)
       ON CONFLICT (slug) DO UPDATE SET state = @state, reason = @reason, pid = @pid, retry_at = @retryAt,
         updated_at = @at`,
    );
    this.upsertRequest = db.prepare(
      `INSERT INTO app_runs (slug, updated_at, requested, requested_at) VALUES (@slug, @at, @requested, @at)
       ON CONFLICT (slug) DO UPDATE SET requested = @requested, requested_at = @at`,
    );
    this.selectRequests = db.prepare<[], Row>('SELECT * FROM app_runs WHERE requested IS NOT NULL');
    this.clearRequest = db.prepare<[string, string]>(
      'UPDATE app_runs SET requested = NULL, requested_at = NULL WHERE slug = ? AND requested = ?',
    );
  }

  /** One app's row, with whether a request of the CLI is still waiting to be taken. */
  find(slug: string): (AppRunRow & { requested: RunRequest | null }) | undefined {
    const r = this.selectOne.get(slug);
    if (!r) return undefined;
    return {
      slug,
      state: r.state,
      reason: r.reason,
      pid: r.pid,
      retryAt: r.retry_at,
      updatedAt: r.updated_at,
      requested: r.requested,
    };
  }

  list(): AppRunRow[] {
    return this.selectAll.all().map((r) => ({
      slug: r.slug,
      state: r.state,
      reason: r.reason,
      pid: r.pid,
      retryAt: r.retry_at,
      updatedAt: r.updated_at,
    }));
  }

  report(
    slug: string,
    s: { state: RunState; reason: string | null; pid: number | null; retryAt: number | null },
  ): void {
    this.upsertState.run({ slug, ...s, at: this.clock.now() });
  }

  request(slug: string, requested: RunRequest): void {
    this.upsertRequest.run({ slug, requested, at: this.clock.now() });
  }

  /** The pending requests, each removed as it is taken. */
  takeRequests(): { slug: string; requested: RunRequest }[] {
    // A plain read first: the write lock is taken only when there is something to take.
    if (this.selectRequests.all().length === 0) return [];
    return writeTransaction(this.db, () => {
      const rows = this.selectRequests.all();
      for (const r of rows) this.clearRequest.run(r.slug, r.requested as string);
      return rows.map((r) => ({ slug: r.slug, requested: r.requested as RunRequest }));
    });
  }
}
