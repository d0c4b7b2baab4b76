import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/core/clock.js';
import { loadConfig } from '../../main/core/config/config.js';
import { openStore } from '../../main/core/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('latchkey audit', () => {
  it('prints more entries than one page of the console API, newest first, each once', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const store = await openStore({
      dataDir: data.dir,
      config: loadConfig({ dataDir: data.dir, env: {} }),
      clock: systemClock,
    });
    store.db.transaction(() => {
      for (let n = 0; n < 1_200; n += 1) store.audit.record('app.started', 'test', `n${n}`);
    })();
    store.close();
    const res = runCli(['audit', '--limit', '1100', '--json', '--data-dir', data.dir]);
    expect(res.status).toBe(0);
    const entries = JSON.parse(res.stdout) as { id: number; subject: string }[];
    expect(entries).toHaveLength(1_100);
    expect(entries[0]?.subject).toBe('n1199');
    expect(entries.at(-1)?.subject).toBe('n100');
    expect(entries.every((e, i) => i === 0 || e.id < (entries[i - 1]?.id ?? 0))).toBe(true);
    expect(runCli(['audit', '--limit', '3', '--data-dir', data.dir]).stdout.trim().split('\n')).toHaveLength(3);
  });
});
