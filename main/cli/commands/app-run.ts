import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { LatchkeyError } from '../../common/errors.js';
import { logFileOf, tailFile } from '../../core/launcher/log-file.js';
import type { Store } from '../../core/store.js';
import { withApi } from '../api.js';
import { dataDirOf, print, withStore, type CommonOptions } from '../context.js';

const POLL_MS = 200;

function runApp(store: Store, slug: string) {
  const app = store.apps.list().find((a) => a.slug === slug);
  if (!app) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
  if (!app.run)
    throw new LatchkeyError('APP_NOT_RUNNABLE', `${slug} is not run by Latchkey (it has no run definition)`);
  return app;
}

/** `app start|stop|restart`: asks the running gateway, through the console API, and waits for its answer. */
async function request(o: CommonOptions & { slug: string }, action: 'start' | 'stop' | 'restart'): Promise<void> {
  await withApi(o, async (call) => {
    const status = await call(`apps.${action}`, { slug: o.slug });
    print(`${o.slug} ${status.state}`);
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
