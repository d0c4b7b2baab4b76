import { afterEach, describe, expect, it } from 'vitest';
import { Bookkeeping } from '../../../main/core/auth/bookkeeping.js';
import { HashGate } from '../../../main/core/auth/hash-gate.js';
import { silentLogger } from '../../../main/core/log.js';
import { Login, needsRehash } from '../../../main/core/auth/login.js';
import { Regulation } from '../../../main/core/auth/regulation.js';
import { loadSessionKey } from '../../../main/core/auth/session-key.js';
import { Sessions } from '../../../main/core/auth/sessions.js';
import { hashPassword } from '../../../main/core/auth/passwords.js';
import { loadConfig } from '../../../main/core/config/config.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { createUser, deleteUser, resetPassword, setEnabled, setRole } from '../../../main/core/users-service.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import argon2 from 'argon2';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function store(): Promise<Store> {
  const data = tempDataDir();
  const s = await openStore({
    dataDir: data.dir,
    config: loadConfig({ dataDir: data.dir, env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1' } }),
    clock: { now: () => Date.now() },
  });
  cleanups.push(() => {
    s.close();
    data.remove();
  });
  return s;
}

/** Counts the password work done, so "the same work" can be checked without timing. */
class CountingGate extends HashGate {
  runs = 0;
  override run<T>(work: () => Promise<T>): Promise<T> {
    this.runs += 1;
    return super.run(work);
  }
}

function loginFor(s: Store, gate = new CountingGate()) {
  const sessions = new Sessions(
    s.sessions,
    s.users,
    loadSessionKey(s.dataDir),
    s.clock,
    { idleMs: 3_600_000, absoluteMs: 86_400_000 },
    new Bookkeeping(s, silentLogger),
  );
  const regulation = new Regulation(s.regulation, s.audit, s.clock, {
    maxRetries: 100,
    findTimeMs: 60_000,
    banTimeMs: 60_000,
    globalMaxRetries: 1000,
  });
  return { login: new Login(s.db, s.users, sessions, regulation, s.audit, gate), gate };
}

describe('Login', () => {
  it('does the same password work for an unknown user, a disabled one and a wrong password', async () => {
    const s = await store();
    await createUser(s, { username: 'ann', password: 'ann password' }, 'test');
    await createUser(s, { username: 'off', password: 'off password' }, 'test');
    setEnabled(s, 'off', false, 'test');
    const { login, gate } = loginFor(s);
    for (const [user, password] of [
      ['nobody', 'ann password'],
      ['ann', 'wrong password'],
      ['off', 'off password'],
      ['ann', 'short'],
    ] as const) {
      const before = gate.runs;
      await expect(login.signIn(user, password)).rejects.toMatchObject({
        code: 'LOGIN_FAILED',
        message: 'wrong username or password',
      });
      expect(gate.runs - before, `${user}/${password}`).toBe(1);
    }
  });

  it('rehashes on sign-in a hash made with weaker parameters', async () => {
    const s = await store();
    await createUser(s, { username: 'old', password: 'old password' }, 'test');
    const weak = (
      await argon2.hash('old password', { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 })
    ).replace(/m=(\d+),p=(\d+),t=(\d+)/, 'm=$1,t=$3,p=$2');
    const user = s.users.findByUsername('old');
    s.users.rehash(user?.id ?? 0, weak);
    expect(needsRehash(weak)).toBe(true);
    await loginFor(s).login.signIn('old', 'old password');
    const stored = s.users.findByUsername('old')?.passwordHash ?? '';
    expect(stored).toMatch(/\$m=19456,t=2,p=1\$/);
    expect(needsRehash(stored)).toBe(false);
  });

  it('a password reset while the old password was being verified wins: the sign-in opens no session', async () => {
    const s = await store();
    await createUser(s, { username: 'ann', password: 'ann password' }, 'test');
    /** Resets the password from elsewhere (the CLI, an Admin) right after the verify. */
    class ResetDuringVerify extends HashGate {
      override async run<T>(work: () => Promise<T>): Promise<T> {
        const result = await super.run(work);
        await resetPassword(s, { username: 'ann', password: 'new password 1' }, 'cli');
        return result;
      }
    }
    const { login } = loginFor(s, new ResetDuringVerify() as CountingGate);
    await expect(login.signIn('ann', 'ann password')).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    expect(s.audit.list(10).filter((e) => e.kind === 'login')).toEqual([]);
  });
});

describe('HashGate', () => {
  it('runs at most `concurrency` hashes at once and refuses past its queue', async () => {
    const gate = new HashGate(2, 3);
    let running = 0;
    let peak = 0;
    const work = () =>
      gate.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
      });
    const accepted = Array.from({ length: 5 }, work);
    await expect(work()).rejects.toMatchObject({ code: 'LOGIN_BUSY', retryAfter: 1 });
    await Promise.all(accepted);
    expect(peak).toBe(2);
  });
});

describe('the last enabled Admin', () => {
  it('cannot be disabled, demoted or deleted; another Admin can', async () => {
    const s = await store();
    expect(() => setEnabled(s, 'admin', false, 'test')).toThrow(/last enabled Admin/);
    expect(() => setRole(s, 'admin', 'ReadOnly', 'test')).toThrow(/last enabled Admin/);
    expect(() => deleteUser(s, 'admin', 'test')).toThrow(/last enabled Admin/);
    await createUser(s, { username: 'second', password: 'second password', role: 'Admin' }, 'test');
    setEnabled(s, 'admin', false, 'test');
    expect(() => deleteUser(s, 'second', 'test')).toThrow(/last enabled Admin/);
    setEnabled(s, 'admin', true, 'test');
    deleteUser(s, 'second', 'test');
    expect(s.users.findByUsername('second')).toBeUndefined();
  });
});

describe('hashPassword', () => {
  it('is what createUser stores', async () => {
    const s = await store();
    await createUser(s, { username: 'h', password: 'h password' }, 'test');
    expect(s.users.findByUsername('h')?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hashPassword('x password')).not.toBe(await hashPassword('x password'));
  });
});
