import { LatchkeyError } from '../common/errors.js';
import type { AppRunner } from '../core/api/service.js';
import { AppRunsRepo, type RunRequest } from '../core/db/app-runs-repo.js';
import { gatewayRunning } from '../core/launcher/gateway-marker.js';
import type { Store } from '../core/store.js';

const WAIT_MS = 90_000;
const POLL_MS = 200;

/**
 * The launcher of the gateway that runs the apps of this data directory (serve or the
 * desktop app), as another process sees it: a start or stop is a request written into
 * the database; that gateway sees the commit through its data_version watch, acts, and
 * reports the state back in the same table. No control socket to secure: whoever may
 * write the data directory may already redefine the app (SPEC §8).
 */
class GatewayRuns implements AppRunner {
  private readonly runs: AppRunsRepo;

  constructor(private readonly store: Store) {
    this.runs = new AppRunsRepo(store.db, store.clock);
  }

  status(slug: string) {
    const row = this.runs.find(slug);
    return row && { state: row.state, reason: row.reason, pid: row.pid, retryAt: row.retryAt, lastLines: [] };
  }

  /** Where a run app listens is the running gateway's to know; the CLI does not probe it. */
  listening(): undefined {
    return undefined;
  }

  async act(slug: string, action: RunRequest) {
    const app = this.store.apps.list().find((a) => a.slug === slug);
    if (!app) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
    if (!app.run)
      throw new LatchkeyError('APP_NOT_RUNNABLE', `${slug} is not run by Latchkey (it has no run definition)`);
    const asked = this.store.clock.now();
    this.runs.request(app.slug, action);
    const want = action === 'stop' ? 'stopped' : 'running';
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const row = this.runs.find(app.slug);
      if (row && row.requested === null && row.updatedAt >= asked) {
        if (row.state === want) return this.status(app.slug) ?? { ...row, lastLines: [] };
        if (row.state === 'crashed' || row.state === 'backoff') {
          throw new LatchkeyError(
            'APP_START_FAILED',
            `${app.slug} ${row.state}: ${row.reason ?? 'see latchkey app logs'}`,
          );
        }
      }
      if (Date.now() > deadline)
        throw new LatchkeyError('APP_STARTING', `${app.slug} is not ${want} yet; see latchkey app list`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** The running gateway's launcher, or undefined while no Latchkey runs the apps of this data directory. */
export function gatewayRuns(store: Store): () => AppRunner | undefined {
  const runs = new GatewayRuns(store);
  return () => (gatewayRunning(store.dataDir) ? runs : undefined);
}
