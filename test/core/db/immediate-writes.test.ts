import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/core/config/config.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { createUser, setEnabled, setRole } from '../../../main/core/users-service.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const MAIN = fileURLToPath(new URL('../../../main', import.meta.url));
/** The one place that opens a transaction for others (writeTransaction). */
const WRITE_HELPER = 'core/db/write.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The text after the call that starts at `open` (an opening parenthesis), past its matching close. */
function afterCall(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    if (text[i] === ')' && (depth -= 1) === 0) return text.slice(i + 1).replace(/^\s+/, '');
  }
  return '';
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Two connections on one database, as the gateway and the CLI (or a second gateway) have. */
async function twoProcesses(): Promise<{ a: Store; b: Store }> {
  const data = tempDataDir();
  const config = loadConfig({ dataDir: data.dir, env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1' } });
  const a = await openStore({ dataDir: data.dir, config, clock: { now: () => Date.now() } });
  const b = await openStore({ dataDir: data.dir, config, clock: { now: () => Date.now() } });
  // b is the other process at the moment a holds the lock: it must not wait for it here,
  // where both run on one thread.
  b.db.pragma('busy_timeout = 0');
  cleanups.push(() => {
    a.close();
    b.close();
    data.remove();
  });
  return { a, b };
}

/** Runs `during` once, right after `method` of `target` has read (the first time `when` holds). */
function interleave<T extends object>(target: T, method: keyof T, during: () => void, when = () => true): void {
  const original = target[method] as (...args: unknown[]) => unknown;
  let done = false;
  (target as Record<keyof T, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!done && when()) {
      done = true;
      during();
    }
    return result;
  };
}

describe('writes that wait their turn', () => {
  it('every transaction that writes is IMMEDIATE (a deferred read-then-write fails with "database is locked")', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(MAIN)) {
      const name = relative(MAIN, file).split('\\').join('/');
      if (name === WRITE_HELPER) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\.\s*transaction\s*\(/g)) {
        const open = (match.index ?? 0) + match[0].length - 1;
        if (!afterCall(text, open).startsWith('.immediate()')) {
          offenders.push(`${name}:${text.slice(0, match.index).split('\n').length}`);
        }
      }
    }
    expect(offenders, 'use writeTransaction() from main/core/db/write.ts').toEqual([]);
  });

  it('a deferred transaction would fail at once when another process commits between its read and write', () => {
    // The fault itself, on bare SQLite: why the rule above exists.
    const data = tempDataDir();
    const file = join(data.dir, 'probe.db');
    const a = new Database(file);
    const b = new Database(file);
    cleanups.push(() => {
      a.close();
      b.close();
      data.remove();
    });
    a.pragma('journal_mode = WAL');
    a.pragma('busy_timeout = 5000');
    a.exec('CREATE TABLE t (x)');
    const readThenWrite = a.transaction(() => {
      a.prepare('SELECT count(*) FROM t').get();
      b.prepare('INSERT INTO t VALUES (1)').run();
      a.prepare('INSERT INTO t VALUES (2)').run();
    });
    expect(() => readThenWrite()).toThrow(/database is locked/);
  });

  it('creating a user while another process commits does not fail with "database is locked"', async () => {
    const { a, b } = await twoProcesses();
    let otherWrite: 'committed' | 'waited' | undefined;
    // Inside the transaction that inserts, right after it looked for the username.
    interleave(
      a.users,
      'findByUsername',
      () => {
        try {
          b.audit.record('login', 'other', 'other');
          otherWrite = 'committed';
        } catch (error) {
          expect((error as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
          otherWrite = 'waited';
        }
      },
      () => a.db.inTransaction,
    );
    await expect(createUser(a, { username: 'ann', password: 'ann password' }, 'test')).resolves.toMatchObject({
      username: 'ann',
    });
    expect(otherWrite).toBe('waited');
    expect(b.users.findByUsername('ann')).toBeDefined();
  });

  it('the last two Admins cannot both be demoted by two processes at once', async () => {
    const { a, b } = await twoProcesses();
    await createUser(a, { username: 'bob', password: 'bob password', role: 'Admin' }, 'test');
    let other: unknown;
    // Right after `a` counted two Admins, `b` demotes the other one.
    interleave(a.users, 'countEnabledAdmins', () => {
      try {
        setRole(b, 'bob', 'ReadOnly', 'other');
      } catch (error) {
        other = error;
      }
    });
    setRole(a, 'admin', 'ReadOnly', 'test');
    expect(other).toMatchObject({ code: 'SQLITE_BUSY' });
    // Once `a` committed, `b` tries again and is refused: there is always an Admin left.
    expect(() => setRole(b, 'bob', 'ReadOnly', 'other')).toThrow(expect.objectContaining({ code: 'LAST_ADMIN' }));
    expect(() => setEnabled(b, 'bob', false, 'other')).toThrow(expect.objectContaining({ code: 'LAST_ADMIN' }));
    expect(a.users.countEnabledAdmins()).toBe(1);
  });
});
