import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LatchkeyError } from '../../main/common/errors.js';
import { verifyPassword } from '../../main/core/auth/passwords.js';
import { findRootUser } from '../../main/core/auth/root-admin.js';
import { loadConfig } from '../../main/core/config/config.js';
import { resolveDataDir } from '../../main/core/data-dir.js';
import { checkStartState, setIdentn } from '../../main/core/identn-service.js';
import { openStore, type Store } from '../../main/core/store.js';
import { resetPassword } from '../../main/core/users-service.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function open(env: NodeJS.ProcessEnv = {}, dir?: string): Promise<Store> {
  let dataDir = dir;
  if (!dataDir) {
    const data = tempDataDir();
    cleanups.push(data.remove);
    dataDir = join(data.dir, 'nested', 'data');
  }
  const store = await openStore({
    dataDir,
    config: loadConfig({ dataDir, env }),
    clock: { now: () => 1_700_000_000_000 },
  });
  cleanups.unshift(() => store.close());
  return store;
}

describe('first launch', () => {
  it('creates the data directory owner-only', async () => {
    const store = await open();
    expect(statSync(store.dataDir).mode & 0o777).toBe(0o700);
  });

  it('creates the root Admin with a generated password written owner-only, never "admin"', async () => {
    const store = await open();
    const root = findRootUser(store.settings, store.users);
    expect(root).toMatchObject({ username: 'admin', role: 'Admin', enabled: true, passwordChosen: false });
    const file = store.files.initialAdminPassword;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password).not.toBe('admin');
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(await verifyPassword(root?.passwordHash ?? '', password)).toBe(true);
    expect(await verifyPassword(root?.passwordHash ?? '', 'admin')).toBe(false);
  });

  it('honours auth.internal.admin.* at first launch only', async () => {
    const first = await open({
      LATCHKEY_AUTH_INTERNAL_ADMIN_NAME: 'root',
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'chosen by me',
      LATCHKEY_AUTH_INTERNAL_ADMIN_EMAIL: 'root@example.test',
    });
    expect(findRootUser(first.settings, first.users)).toMatchObject({
      username: 'root',
      email: 'root@example.test',
      passwordChosen: true,
    });
    expect(existsSync(first.files.initialAdminPassword)).toBe(false);
    const dir = first.dataDir;
    first.close();
    const second = await open({ LATCHKEY_AUTH_INTERNAL_ADMIN_NAME: 'other' }, dir);
    expect(second.users.findByUsername('other')).toBeUndefined();
    expect(findRootUser(second.settings, second.users)?.username).toBe('root');
  });

  it('refuses a too-short configured admin password, naming the variable', async () => {
    await expect(open({ LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'short' })).rejects.toThrow(
      /LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: password must be at least 8 bytes/,
    );
  });

  it('refuses create: false when the database has no Admin', async () => {
    await expect(open({ LATCHKEY_AUTH_INTERNAL_ADMIN_CREATE: 'false' })).rejects.toMatchObject({
      code: 'ADMIN_MISSING',
    });
  });
});

describe('turning logins on', () => {
  it('is refused at start from the environment while the admin password was never chosen', async () => {
    const store = await open({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false' });
    expect(() => checkStartState(store)).toThrow(
      /LATCHKEY_IDENTN_IMPERSONATION_ENABLED turns impersonation off.*latchkey admin user reset-password --username admin/,
    );
  });

  it('is refused from the CLI until a person chooses the password, then allowed', async () => {
    const store = await open();
    expect(() => setIdentn(store, { impersonation: false }, 'test')).toThrow(/never chosen/);
    await resetPassword(store, { username: 'admin', password: 'a password I chose' }, 'test');
    expect(existsSync(store.files.initialAdminPassword)).toBe(false);
    const state = setIdentn(store, { impersonation: false }, 'test');
    expect(state.impersonation.enabled).toBe(false);
    expect(state.tokenizer).toMatchObject({ enabled: true, source: 'stored' });
    expect(checkStartState(store).tokenizer.enabled).toBe(true);
  });
});

describe('resolveDataDir', () => {
  it('prefers --data-dir, then LATCHKEY_DATA_DIR, then the per-user folder', () => {
    expect(resolveDataDir({ flag: '/a', env: { LATCHKEY_DATA_DIR: '/b' } })).toBe('/a');
    expect(resolveDataDir({ env: { LATCHKEY_DATA_DIR: '/b' } })).toBe('/b');
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.config/Latchkey');
    expect(resolveDataDir({ env: { XDG_CONFIG_HOME: '/x' }, platform: 'linux', home: '/home/u' })).toBe('/x/Latchkey');
    expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/Latchkey',
    );
    expect(
      resolveDataDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' }),
    ).toContain('Latchkey');
  });
});

describe('a data directory set up before (a damaged store fails closed)', () => {
  /** A set-up directory with one app, closed, and what its database must hold afterwards. */
  async function setUp(): Promise<string> {
    const store = await open();
    store.apps.add({ slug: 'grafana', upstream: 'http://127.0.0.1:3000' }, 'test');
    store.close();
    expect(existsSync(join(store.dataDir, 'latchkey.initialized'))).toBe(true);
    return store.dataDir;
  }

  function damage(dir: string, how: string): void {
    const file = join(dir, 'latchkey.db');
    const bytes = readFileSync(file);
    switch (how) {
      case 'zero-length':
        writeFileSync(file, '');
        return;
      case 'missing':
        rmSync(file);
        return;
      case 'random bytes':
        writeFileSync(file, randomBytes(16_384));
        return;
      case 'damaged pages':
        bytes.fill(0xa5, bytes.readUInt16BE(16), bytes.length); // every page but the header page
        writeFileSync(file, bytes);
        return;
      case 'an empty SQLite database': {
        rmSync(file);
        const db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.close();
        return;
      }
    }
  }

  it.each(['zero-length', 'missing', 'random bytes', 'damaged pages', 'an empty SQLite database'])(
    'a %s latchkey.db is refused with a line naming latchkey restore, never a first launch with a new admin',
    async (how) => {
      const dir = await setUp();
      const passwordBefore = readFileSync(join(dir, 'initial-admin-password'), 'utf8');
      damage(dir, how);
      const sizeBefore = existsSync(join(dir, 'latchkey.db')) ? statSync(join(dir, 'latchkey.db')).size : -1;
      const refusal = await open({}, dir).then(
        () => undefined,
        (error: unknown) => error as LatchkeyError,
      );
      expect(refusal).toMatchObject({ code: 'DB_DAMAGED' });
      expect(refusal?.message).toMatch(/latchkey restore FILE/);
      expect(refusal?.message).not.toContain('\n');
      // Nothing was written: no new schema, no new admin or password, the damage as it was found.
      const sizeAfter = existsSync(join(dir, 'latchkey.db')) ? statSync(join(dir, 'latchkey.db')).size : -1;
      expect(sizeAfter).toBe(sizeBefore);
      expect(readFileSync(join(dir, 'initial-admin-password'), 'utf8')).toBe(passwordBefore);
    },
  );

  it('a directory set up before the marker existed (it has a session.key) refuses a zero-length database too', async () => {
    const dir = await setUp();
    rmSync(join(dir, 'latchkey.initialized'));
    rmSync(join(dir, 'initial-admin-password'));
    writeFileSync(join(dir, 'session.key'), `${randomBytes(32).toString('base64url')}\n`);
    damage(dir, 'zero-length');
    await expect(open({}, dir)).rejects.toMatchObject({ code: 'DB_DAMAGED' });
  });

  it('a first launch killed before it wrote anything (zero-length database, nothing else) still sets up', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    writeFileSync(join(data.dir, 'latchkey.db'), '');
    const store = await open({}, data.dir);
    expect(findRootUser(store.settings, store.users)?.username).toBe('admin');
  });

  it('a healthy directory opens, and keeps its marker', async () => {
    const dir = await setUp();
    const store = await open({}, dir);
    expect(store.apps.list().map((a) => a.slug)).toEqual(['grafana']);
  });
});
