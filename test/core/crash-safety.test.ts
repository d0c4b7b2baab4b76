import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../main/core/auth/passwords.js';
import { cleanEnv } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const data = tempDataDir();
const mixed = tempDataDir();
const compileCache = tempDataDir();
afterAll(() => {
  data.remove();
  mixed.remove();
  compileCache.remove();
});

/**
 * A gateway process that adds apps as fast as it can and prints `ack N` only after
 * app N's transaction has returned (committed).
 */
const WRITER = `
import { assembleCore } from './dist/main/core/assemble.js';
const core = await assembleCore({ dataDir: process.argv[1], env: {}, port: 0 });
await core.listen();
const start = Number(process.argv[2]);
for (let n = start; ; n += 1) {
  core.store.apps.add({ slug: 'app-' + n, upstream: 'http://127.0.0.1:' + (1024 + (n % 60000)) }, 'test');
  process.stdout.write('ack ' + n + '\\n');
  if (n % 20 === 0) await new Promise((r) => setImmediate(r));
}
`;

function runAndKill(start: number, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, data.dir, String(start)], {
      cwd: process.cwd(),
      env: cleanEnv(),
    });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    // Bounded: a writer that never acknowledges is killed, and the round fails below.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line.slice(4)));
      // The clock starts at the first acknowledgement, so every round kills mid-write.
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(watchdog);
      if (signal !== 'SIGKILL') reject(new Error(`writer ended by itself: ${stderr}`));
      else if (acked.length === 0) reject(new Error(`writer acknowledged nothing in 20 s: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('crash safety', () => {
  it('kill -9 of the gateway while apps are being added loses nothing acknowledged (20 rounds)', async () => {
    const acknowledged = new Set<number>();
    let next = 0;
    const deadline = Date.now() + 60_000;
    for (let round = 0; round < 20 && Date.now() < deadline; round += 1) {
      const acked = await runAndKill(next, 5 + Math.floor(Math.random() * 150));
      acked.forEach((n) => acknowledged.add(n));

      const db = new Database(join(data.dir, 'latchkey.db'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const stored = new Set(db.prepare('SELECT slug FROM apps').pluck().all() as string[]);
        const lost = [...acknowledged].filter((n) => !stored.has(`app-${n}`));
        expect(lost).toEqual([]);
        // A commit may land just before the kill without its ack: carry on after it.
        next = Math.max(next, ...[...stored].map((slug) => Number(slug.slice(4)) + 1));
      } finally {
        db.close();
      }
    }
    expect(acknowledged.size).toBeGreaterThan(20);
  }, 90_000);
});

/**
 * A writer of every kind of change the CLI and console make: apps, users (inserted with
 * a precomputed hash, as argon2 would take most of a round), tokens created and revoked,
 * and the identN settings (apikey toggled, with its audit row, in one transaction). It
 * imports everything, prints `ready`, and waits for `go <app> <user> <token>` on stdin
 * before it opens the store, so the next writer's slow start overlaps this round's.
 * `ack <kind> <n>` is printed only after the change has committed.
 */
const MIXED_WRITER = `
import { openStore } from './dist/main/core/store.js';
import { loadConfig } from './dist/main/core/config/config.js';
import { systemClock } from './dist/main/core/clock.js';
import { findRootUser } from './dist/main/core/auth/root-admin.js';
import { createToken, revokeToken } from './dist/main/core/auth/service-accounts.js';
import { setIdentn } from './dist/main/core/identn-service.js';
import { currentIdentn } from './dist/main/core/config/identn.js';
import { resetPassword } from './dist/main/core/users-service.js';
const [dir, hash] = process.argv.slice(1);
process.stdin.on('end', () => process.exit(0)); // the test is gone
const go = await new Promise((resolve) => {
  let buffered = '';
  process.stdin.on('data', (c) => {
    buffered += c;
    if (buffered.includes('\\n')) resolve(buffered.split('\\n')[0]);
  });
  process.stdout.write('ready\\n');
});
let [app, user, token] = go.split(' ').slice(1).map(Number);
const store = await openStore({ dataDir: dir, config: loadConfig({ dataDir: dir, env: {} }), clock: systemClock });
const ack = (kind, n) => process.stdout.write('ack ' + kind + ' ' + n + '\\n');
// Logins need a chosen admin password: only the very first writer hashes one.
const root = findRootUser(store.settings, store.users);
if (!root.passwordChosen) await resetPassword(store, { username: root.username, password: 'crash test password' }, 'crash-test');
for (let i = 0; ; i += 1) {
  store.apps.add({ slug: 'app-' + app, upstream: 'http://127.0.0.1:' + (1024 + (app % 60000)) }, 'test');
  ack('app', app++);
  store.db.transaction(() => {
    const username = 'user-' + user;
    store.users.create({ username, email: username + '@localhost.localdomain', displayName: username,
      role: 'ReadOnly', passwordHash: hash, passwordChosen: true });
    store.audit.record('user.created', 'crash-test', username, { role: 'ReadOnly' });
  })();
  ack('user', user++);
  const { view } = createToken(store, { username: root.username, lifetimeMs: null, description: 'tok-' + token }, 'crash-test');
  ack('token', token);
  revokeToken(store, view.id, 'crash-test');
  ack('revoke', token++);
  const apikey = !currentIdentn(store).apikey.enabled;
  setIdentn(store, { impersonation: false, tokenizer: true, apikey }, 'crash-test');
  ack('setting', apikey ? 1 : 0);
  if (i % 4 === 0) await new Promise((r) => setImmediate(r));
}
`;

interface WarmWriter {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  lines: string[];
  onLine: (() => void) | undefined;
  stderr: string;
  exited: Promise<NodeJS.Signals | null>;
}

/** Starts a mixed writer up to the point where it waits for `go`. */
function warmWriter(dir: string, hash: string): WarmWriter {
  const child = spawn(process.execPath, ['--input-type=module', '-e', MIXED_WRITER, dir, hash], {
    cwd: process.cwd(),
    // Each round starts a process; caching compiled code makes the start a fifth cheaper.
    env: cleanEnv({ NODE_COMPILE_CACHE: compileCache.dir }),
  });
  const warm: WarmWriter = {
    child,
    ready: Promise.resolve(),
    lines: [],
    onLine: undefined,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal))),
  };
  let buffered = '';
  let readyNow: () => void = () => undefined;
  warm.ready = new Promise((resolve) => (readyNow = resolve));
  child.stderr.on('data', (c: Buffer) => (warm.stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (line === 'ready') readyNow();
      else warm.lines.push(line);
    }
    warm.onLine?.();
  });
  return warm;
}

function bounded<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One round: tells a warm writer to go, SIGKILLs it `killAfterMs` after its first
 * acknowledgement (or, when `duringOpen`, that long after `go`, while it opens and
 * recovers the store), and returns the acknowledgements it printed.
 */
async function mixedRound(
  warm: WarmWriter,
  starts: { app: number; user: number; token: number },
  killAfterMs: number,
  duringOpen: boolean,
): Promise<string[]> {
  await bounded('a writer start', warm.ready, 30_000);
  let timer: NodeJS.Timeout | undefined;
  const kill = () => (timer ??= setTimeout(() => warm.child.kill('SIGKILL'), killAfterMs));
  const watchdog = setTimeout(() => warm.child.kill('SIGKILL'), 20_000);
  warm.onLine = kill;
  warm.child.stdin.write(`go ${starts.app} ${starts.user} ${starts.token}\n`);
  if (duringOpen) kill();
  const signal = await warm.exited;
  clearTimeout(timer);
  clearTimeout(watchdog);
  if (signal !== 'SIGKILL') throw new Error(`writer ended by itself: ${warm.stderr}`);
  if (!duringOpen && warm.lines.length === 0) throw new Error(`writer acknowledged nothing in 20 s: ${warm.stderr}`);
  return warm.lines;
}

describe('crash safety of every kind of change', () => {
  it('kill -9 while users, tokens, settings and apps change loses nothing acknowledged (200 rounds)', async () => {
    const ROUNDS = 200;
    const hash = await hashPassword('crash test user password');
    const acked = {
      app: new Set<number>(),
      user: new Set<number>(),
      token: new Set<number>(),
      revoke: new Set<number>(),
    };
    let settingFloor = 0; // identn changes that must be in the audit log
    let settingAcks = 0;
    const starts = { app: 0, user: 0, token: 0 };
    const maxOf = (values: string[], prefix: string) =>
      Math.max(-1, ...values.map((v) => Number(v.slice(prefix.length)))) + 1;

    // Two writers warm at all times: on two cores, their imports overlap the round.
    const warm = [warmWriter(mixed.dir, hash), warmWriter(mixed.dir, hash)];
    const started = Date.now();
    const deadline = started + 60_000;
    let rounds = 0;
    let openKills = 0;
    try {
      while (rounds < ROUNDS && Date.now() < deadline) {
        const writer = warm.shift() as WarmWriter;
        warm.push(warmWriter(mixed.dir, hash));
        // The first round always reaches its first commit; after it, one in eight kills
        // land while the store opens (WAL recovery of the previous kill included).
        const duringOpen = rounds > 0 && Math.random() < 1 / 8;
        if (duringOpen) openKills += 1;
        const killAfter = duringOpen ? Math.floor(Math.random() * 20) : 5 + Math.floor(Math.random() * 56);
        const lines = await mixedRound(writer, starts, killAfter, duringOpen);
        for (const line of lines) {
          const [, kind, n] = line.split(' ') as [string, keyof typeof acked | 'setting', string];
          if (kind === 'setting') {
            settingFloor += 1;
            settingAcks += 1;
          } else acked[kind].add(Number(n));
        }
        rounds += 1;

        const db = new Database(join(mixed.dir, 'latchkey.db'), { readonly: true });
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const apps = db.prepare("SELECT slug FROM apps WHERE slug LIKE 'app-%'").pluck().all() as string[];
          const users = db.prepare("SELECT username FROM users WHERE username LIKE 'user-%'").pluck().all() as string[];
          const tokens = db.prepare('SELECT description, revoked_at AS revokedAt FROM tokens').all() as {
            description: string;
            revokedAt: number | null;
          }[];
          const appSet = new Set(apps);
          const userSet = new Set(users);
          const tokenSet = new Set(tokens.map((t) => t.description));
          const revokedSet = new Set(tokens.filter((t) => t.revokedAt !== null).map((t) => t.description));
          const lost = [
            ...[...acked.app].filter((n) => !appSet.has(`app-${n}`)).map((n) => `app ${n}`),
            ...[...acked.user].filter((n) => !userSet.has(`user-${n}`)).map((n) => `user ${n}`),
            ...[...acked.token].filter((n) => !tokenSet.has(`tok-${n}`)).map((n) => `token ${n}`),
            ...[...acked.revoke].filter((n) => !revokedSet.has(`tok-${n}`)).map((n) => `revoke ${n}`),
          ];
          expect(lost, `round ${rounds}`).toEqual([]);

          // Each toggle flips apikey and adds its audit row in the same transaction: the
          // rows count every committed toggle, acknowledged or not, and the stored value
          // must agree with their number.
          const changes = db
            .prepare("SELECT count(*) FROM audit WHERE kind = 'identn.changed' AND actor = 'crash-test'")
            .pluck()
            .get() as number;
          expect(changes, `round ${rounds}: acknowledged identn changes`).toBeGreaterThanOrEqual(settingFloor);
          const stored = db.prepare("SELECT value FROM settings WHERE key = 'identn.apikey.enabled'").pluck().get() as
            string | undefined;
          expect(stored === undefined ? false : JSON.parse(stored), `round ${rounds}: apikey`).toBe(changes % 2 === 1);
          settingFloor = changes;

          // A commit may land just before the kill without its ack: carry on after it.
          starts.app = Math.max(starts.app, maxOf(apps, 'app-'));
          starts.user = Math.max(starts.user, maxOf(users, 'user-'));
          starts.token = Math.max(
            starts.token,
            maxOf(
              [...tokenSet].filter((d) => d.startsWith('tok-')),
              'tok-',
            ),
          );
        } finally {
          db.close();
        }
      }
    } finally {
      for (const spare of warm) spare.child.kill('SIGKILL');
      await bounded('spare writers to exit', Promise.all(warm.map((w) => w.exited)), 10_000);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const total = Object.values(acked).reduce((sum, set) => sum + set.size, settingAcks);
    console.info(
      `crash safety: ${rounds} rounds (${openKills} killed while opening) in ${seconds} s, ${total} commits`,
    );
    // About 50 s on an idle 2-core machine, where all 200 rounds must run. On one busy
    // with other test files, the time bound may stop it first: it still must get far.
    if (rounds < ROUNDS) {
      console.warn(`crash safety: the 60 s bound stopped the test after ${rounds} of ${ROUNDS} rounds`);
      expect(rounds, `only ${rounds} rounds fit in 60 s`).toBeGreaterThanOrEqual(ROUNDS / 4);
    }
    // Every kind of change was acknowledged, and then checked, many times over.
    const counts = { ...Object.fromEntries(Object.entries(acked).map(([k, v]) => [k, v.size])), setting: settingAcks };
    expect(Math.min(...Object.values(counts)), JSON.stringify(counts)).toBeGreaterThanOrEqual(10);
  }, 100_000);
});
