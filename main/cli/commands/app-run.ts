import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { LatchkeyError } from '../../common/errors.js';
import { AppRunsRepo, type RunRequest } from '../../core/db/app-runs-repo.js';
import { gatewayRunning } from '../../core/launcher/gateway-marker.js';
import { logFileOf, tailFile } from '../../core/launcher/log-file.js';
import type { Store } from '../../core/store.js';
import { dataDirOf, print, withStore, type CommonOptions } from '../context.js';

const WAIT_MS = 90_000;
const POLL_MS = 200;

function runApp(store: Store, slug: string) {
  const app = store.apps.list().find((a) => a.slug === slug);
  if (!app) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
  if (!app.run)
    throw new LatchkeyError('APP_NOT_RUNNABLE', `${slug} is not run by Latchkey (it has no run definition)`);
  return app;
}

/**
 * `app start|stop|restart`: the CLI writes the request into the database; the gateway
 * that runs the apps (serve or the desktop app) sees the commit through its data_version
 * watch, acts, and reports the state back in the same table. No control socket to secure:
 * whoever may write the data directory may already redefine the app (SPEC §8).
 */
async function request(o: CommonOptions & { slug: string }, action: RunRequest): Promise<void> {
  await withStore(o, async (store) => {
    const app = runApp(store, o.slug);
    if (!gatewayRunning(store.dataDir)) {
      throw new LatchkeyError(
        'LAUNCHER_NOT_RUNNING',
        `no Latchkey runs the apps of ${store.dataDir}; start it (latchkey serve or the desktop app) first`,
      );
    }
    const runs = new AppRunsRepo(store.db, store.clock);
    const asked = store.clock.now();
    runs.request(app.slug, action);
    store.audit.record(
      action === 'start' ? 'app.started' : action === 'stop' ? 'app.stopped' : 'app.restarted',
      SYSTEM_ACTORS.cli,
      app.slug,
    );
    const want = action === 'stop' ? 'stopped' : 'running';
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const row = runs.find(app.slug);
      if (row && row.requested === null && row.updatedAt >= asked) {
        if (row.state === want) return print(`${app.slug} ${want}`);
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
  });
}

/** Prints what is appended to a log, following its rotation, until interrupted. */
async function follow(file: string): Promise<never> {
  let offset = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      continue;
    }
    if (size < offset) offset = 0; // rotated
    if (size === offset) continue;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      process.stdout.write(buffer);
      offset = size;
    } finally {
      closeSync(fd);
    }
  }
}

export function registerAppRun(app: Command): void {
  for (const action of ['start', 'stop', 'restart'] as const) {
    app
      .command(action)
      .description(`${action} an app Latchkey runs (through the running gateway)`)
      .requiredOption('--slug <slug>', 'the app')
      .action((o: CommonOptions & { slug: string }) => request(o, action));
  }
  app
    .command('logs')
    .description("print an app's log (what its command writes)")
    .requiredOption('--slug <slug>', 'the app')
    .option('--lines <n>', 'how many of the last lines', '50')
    .option('--follow', 'keep printing what it writes')
    .action(async (o: CommonOptions & { slug: string; lines: string; follow?: boolean }) => {
      const lines = Number(o.lines);
      if (!Number.isInteger(lines) || lines < 0)
        throw new LatchkeyError('BAD_ARGUMENT', `--lines takes a number, not "${o.lines}"`);
      await withStore(o, (store) => runApp(store, o.slug));
      const file = logFileOf(dataDirOf(o), o.slug);
      for (const line of tailFile(file, lines)) print(line);
      if (o.follow) await follow(file);
    });
}
