import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dbFile(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return join(data.dir, 'latchkey.db');
}

describe('openDatabase', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout on every open', () => {
    const db = openDatabase(dbFile());
    cleanups.unshift(() => db.close());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // better-sqlite3 defaults WAL to NORMAL (1); credentials need FULL (2).
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
  });

  it('migrates a new database to the latest version, once', () => {
    const file = dbFile();
    openDatabase(file).close();
    const db = openDatabase(file);
    cleanups.unshift(() => db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'app_runs',
      'apps',
      'audit',
      'bans',
      'live_state_version',
      'login_failures',
      'sessions',
      'settings',
      'tokens',
      'users',
    ]);
  });

  it('refuses a database from a newer Latchkey, naming both versions, and leaves it untouched', () => {
    const file = dbFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`newer Latchkey \\(schema ${MIGRATIONS.length + 1}, this one knows ${MIGRATIONS.length}\\)`),
    );
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    after.close();
  });

  it('runs a pending migration on a database seeded at the version before, keeping its rows', () => {
    const file = dbFile();
    const db = openDatabase(file);
    db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('k', '"v"', 1)`).run();
    migrate(db, [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'test', up: (d) => d.exec('CREATE TABLE extra (x INTEGER) STRICT') },
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    expect(db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get('k')).toBe('"v"');
    db.close();
  });

  it('rolls back a failing migration whole', () => {
    const db = openDatabase(dbFile());
    cleanups.unshift(() => db.close());
    const broken = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up: (d: Database.Database) => {
        d.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
  });

  it('refuses migrations whose versions are not 1, 2, 3…', () => {
    const db = openDatabase(dbFile());
    cleanups.unshift(() => db.close());
    expect(() => migrate(db, [{ version: 2, name: 'skipped one', up: () => undefined }])).toThrow(/expected 1/);
  });
});

describe('migration 2 (sessions, regulation, audit)', () => {
  it('applies to a database at version 1, keeping its users, and cascades sessions with them', () => {
    const file = dbFile();
    const v1 = new Database(file);
    migrate(v1, MIGRATIONS.slice(0, 1));
    v1.prepare(
      `INSERT INTO users (username, email, display_name, role, password_hash, password_chosen, created_at, password_changed_at)
       VALUES ('ann', 'ann@x.test', 'Ann', 'ReadOnly', 'h', 1, 1, 1)`,
    ).run();
    v1.close();

    const db = openDatabase(file);
    cleanups.unshift(() => db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT username FROM users').pluck().all()).toEqual(['ann']);
    db.prepare(
      `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES ('s1', 1, 1, 1, 99)`,
    ).run();
    db.prepare('DELETE FROM users WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
  });
});

describe('migration 4 (regulation per client)', () => {
  it('applies to a database at version 3: old rows join the shared client, a ban on everyone is lifted', () => {
    const file = dbFile();
    const v3 = new Database(file);
    migrate(v3, MIGRATIONS.slice(0, 3));
    v3.exec(`
      INSERT INTO login_failures (username, at) VALUES ('ann', 100);
      INSERT INTO bans (username, created_at, until) VALUES ('ann', 100, 9e15), ('*', 100, 9e15);
    `);
    v3.close();

    const db = openDatabase(file, MIGRATIONS.slice(0, 4));
    cleanups.unshift(() => db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare('SELECT username, client FROM login_failures').all()).toEqual([
      { username: 'ann', client: 'unknown' },
    ]);
    const bans = db.prepare('SELECT username, client, lifted_by FROM bans ORDER BY username').all();
    expect(bans).toEqual([
      { username: '*', client: 'unknown', lifted_by: 'upgrade' },
      { username: 'ann', client: 'unknown', lifted_by: null },
    ]);
  });
});
