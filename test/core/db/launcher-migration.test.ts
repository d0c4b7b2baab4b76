import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppsRepo } from '../../../main/core/db/apps-repo.js';
import { AppRunsRepo } from '../../../main/core/db/app-runs-repo.js';
import { migrate, openDatabase } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const LAUNCHER = MIGRATIONS.findIndex((m) => m.name === 'apps that Latchkey runs');

describe('the launcher migration', () => {
  it('keeps the apps of a database seeded at the version before, as apps with no run definition', () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const db = openDatabase(join(data.dir, 'latchkey.db'), MIGRATIONS.slice(0, LAUNCHER));
    cleanups.unshift(() => db.close());
    db.prepare(
      `INSERT INTO apps (slug, name, upstream, headers, preserve_host, created_at, updated_at)
       VALUES ('grafana', 'Grafana', 'http://127.0.0.1:3000', 'grafana', 1, 1, 1)`,
    ).run();
    migrate(db, MIGRATIONS);
    const clock = { now: () => 5 };
    const [app] = new AppsRepo(db, clock).list();
    expect(app).toMatchObject({ slug: 'grafana', upstream: 'http://127.0.0.1:3000', run: null });
    const runs = new AppRunsRepo(db, clock);
    runs.request('grafana', 'start');
    expect(runs.takeRequests()).toEqual([{ slug: 'grafana', requested: 'start' }]);
    expect(runs.takeRequests()).toEqual([]);
    expect(() => db.prepare(`UPDATE app_runs SET state = 'exploded'`).run()).toThrow(/CHECK/);
  });
});
