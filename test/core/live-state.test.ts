import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../main/core/config/config.js';
import { AppsRepo } from '../../main/core/db/apps-repo.js';
import { AuditRepo } from '../../main/core/db/audit-repo.js';
import { RegulationRepo } from '../../main/core/db/regulation-repo.js';
import { SessionsRepo } from '../../main/core/db/sessions-repo.js';
import { SettingsRepo } from '../../main/core/db/settings-repo.js';
import { TokensRepo } from '../../main/core/db/tokens-repo.js';
import { UsersRepo } from '../../main/core/db/users-repo.js';
import { LiveState } from '../../main/core/live-state.js';
import { openStore, type Store } from '../../main/core/store.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const clock = { now: () => 1_700_000_000_000 };

/** The gateway's store, a live state counting what it tells, and a second connection (the CLI). */
async function setUp() {
  const data = tempDataDir();
  cleanups.push(data.remove);
  const store: Store = await openStore({
    dataDir: data.dir,
    config: loadConfig({ dataDir: data.dir, env: {} }),
    clock,
  });
  cleanups.unshift(() => store.close());
  const told = { reloaded: 0, committed: 0 };
  const state = new LiveState(store, { reloaded: () => told.reloaded++, committed: () => told.committed++ });
  const other = new Database(store.files.database);
  other.pragma('busy_timeout = 5000');
  cleanups.unshift(() => other.close());
  state.current();
  const root = state.current().root;
  return { store, state, told, other, root };
}

describe('the live state', () => {
  it('reloads on no bookkeeping: last-seen, last-used, last login, audit rows and failed sign-ins, from either connection', async () => {
    const { store, state, told, other, root } = await setUp();
    const before = state.current();
    const otherUsers = new UsersRepo(other, clock);
    const robot = otherUsers.create({
      username: 'robot',
      email: 'robot@example.test',
      displayName: 'Robot',
      role: 'ReadOnly',
      passwordHash: 'x',
      passwordChosen: false,
    });
    const afterCreate = state.current();
    expect(afterCreate).not.toBe(before);
    const reloads = told.reloaded;

    store.sessions.create({ id: 's1', userId: root.id, createdAt: 1, lastSeenAt: 1, expiresAt: 9e15 });
    new SessionsRepo(other).touch('s1', 2);
    store.sessions.touch('s1', 3);
    new TokensRepo(other).insert({
      id: 't1',
      userId: robot.id,
      secretHash: 'h',
      description: '',
      createdBy: 'admin',
      createdAt: 1,
      expiresAt: null,
    });
    new TokensRepo(other).touch('t1', 5);
    store.tokens.touch('t1', 6);
    otherUsers.recordLogin(root.id);
    store.users.recordLogin(root.id);
    otherUsers.rehash(root.id, 'upgraded');
    new AuditRepo(other, clock).record('login.failed', null, 'nobody');
    store.audit.record('login.failed', null, 'nobody');
    new RegulationRepo(other).addFailure('nobody', '127.0.0.1', 7);
    store.regulation.addFailure('nobody', '127.0.0.1', 8);

    const commitsBefore = told.committed;
    const after = state.current();
    expect(after).toBe(afterCreate);
    expect(told.reloaded).toBe(reloads);
    // Commits are still told (the feed and open streams look at sessions and tokens).
    expect(told.committed).toBe(commitsBefore + 1);
  });

  it('sees an identity change made by another process at the next call', async () => {
    const { state, other, root } = await setUp();
    const otherUsers = new UsersRepo(other, clock);
    const admin2 = otherUsers.create({
      username: 'second',
      email: 'second@example.test',
      displayName: 'Second',
      role: 'Admin',
      passwordHash: 'x',
      passwordChosen: false,
    });
    otherUsers.setRole(admin2.id, 'ReadOnly');
    expect(state.current().root.id).toBe(root.id);

    other.prepare('UPDATE users SET email = ? WHERE id = ?').run('moved@example.test', root.id);
    expect(state.current().root.email).toBe('moved@example.test');
    other.prepare('UPDATE users SET display_name = ? WHERE id = ?').run('Renamed', root.id);
    expect(state.current().root.displayName).toBe('Renamed');
    otherUsers.setRole(root.id, 'ReadOnly');
    expect(state.current().root.role).toBe('ReadOnly');
  });

  it('sees settings and apps changed by another process at the next call', async () => {
    const { state, told, other } = await setUp();
    new SettingsRepo(other, clock).setMany({ 'identn.impersonation.enabled': false, 'identn.tokenizer.enabled': true });
    expect(state.current().identn.impersonation.enabled).toBe(false);
    const apps = new AppsRepo(other, clock);
    const reloads = told.reloaded;
    apps.insert({
      slug: 'grafana',
      name: 'Grafana',
      upstream: 'http://127.0.0.1:3000',
      allowRoles: [],
      allowUsers: [],
      publicPaths: [],
      headers: 'generic',
      preserveHost: false,
      allowedOrigins: [],
      healthPath: null,
      run: null,
    });
    expect(state.current().apps.has('grafana')).toBe(true);
    expect(told.reloaded).toBe(reloads + 1);
    other.prepare('DELETE FROM apps').run();
    expect(state.current().apps.has('grafana')).toBe(false);
  });

  it('a root Admin disabled by another process fails every request, never serving the old snapshot', async () => {
    const { state, other, root } = await setUp();
    new UsersRepo(other, clock).setEnabled(root.id, false);
    expect(() => state.current()).toThrow(/no enabled Admin/);
    expect(() => state.current()).toThrow(/no enabled Admin/);
  });
});
