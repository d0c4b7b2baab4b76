import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../main/core/backup.js';
import { systemClock } from '../../main/core/clock.js';
import { loadConfig } from '../../main/core/config/config.js';
import { dataFiles } from '../../main/core/data-dir.js';
import { holdStoreLock, takeStoreLockForRestore } from '../../main/core/store-lock.js';
import { openStore, type Store } from '../../main/core/store.js';
import { cleanEnv, runCli, startServe, type CliResult } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

/**
 * Another process (a gateway, as in crash-safety.test.ts) adding apps as fast as it can,
 * printing `ack N` once app N's transaction has committed.
 */
const WRITER = `
import { assembleCore } from './dist/main/core/assemble.js';
const core = await assembleCore({ dataDir: process.argv[1], env: {}, port: 0 });
for (let n = 0; ; n += 1) {
  core.store.apps.add({ slug: 'app-' + n, upstream: 'http://127.0.0.1:' + (1024 + (n % 60000)) }, 'test');
  process.stdout.write('ack ' + n + '\\n');
  if (n % 20 === 0) await new Promise((r) => setImmediate(r));
}
`;

interface Writer {
  child: ChildProcess;
  acked: number[];
  stop(): Promise<void>;
}

function startWriter(dataDir: string): Writer {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, dataDir], {
    cwd: process.cwd(),
    env: cleanEnv(),
  });
  const acked: number[] = [];
  let buffered = '';
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) acked.push(Number(line.slice(4)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    acked,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls until `check` holds; fails after `timeoutMs` so no wait is unbounded. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `ok` and the app slugs of a database file, or the error that reading it threw. */
function inspect(file: string, options: Database.Options = {}): { integrity: string; slugs: Set<string> } | Error {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, ...options });
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const slugs = new Set(db.prepare('SELECT slug FROM apps').pluck().all() as string[]);
    return { integrity, slugs };
  } catch (error) {
    return error as Error;
  } finally {
    db?.close();
  }
}

const restoredLine = (file: string) =>
  `restored from ${file}; sessions do not survive a restore: everyone signs in again\n`;

function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.status).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.splice(0).forEach((c) => c()));
function dir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

describe('backup while another process writes', () => {
  const source = dir();
  const out = dir();
  const online = join(out, 'online.db');
  const naive = join(out, 'naive.db');
  let ackedBeforeBackup: number[] = [];
  let onlineResult: ReturnType<typeof inspect>;
  let naiveResult: ReturnType<typeof inspect>;

  beforeAll(async () => {
    // This process's store is created first, so the writer never races it to bootstrap.
    const store: Store = await openStore({
      dataDir: source,
      config: loadConfig({ dataDir: source, env: {} }),
      clock: systemClock,
    });
    const writer = startWriter(source);
    const reader = new Database(join(source, 'latchkey.db'), { readonly: true });
    try {
      await waitFor('the writer to commit 50 apps', () => writer.acked.length >= 50);
      // As a gateway's automatic checkpoints would: latchkey.db gets what is committed so far.
      store.db.pragma('wal_checkpoint(PASSIVE)');
      // A read transaction held open here keeps every later commit out of latchkey.db: a
      // checkpoint may not copy WAL frames newer than an open reader's snapshot. Without
      // it the naive copy below still misses whatever sits in the WAL since the last
      // automatic checkpoint, but how much depends on timing; with it, the outcome is
      // certain. The online backup is unaffected: it reads through the WAL.
      reader.exec('BEGIN');
      const atSnapshot = reader.prepare('SELECT count(*) FROM apps').pluck().get() as number;
      await waitFor('200 more commits', () => writer.acked.length >= atSnapshot + 200);

      ackedBeforeBackup = [...writer.acked];
      // What `cp latchkey.db` does while the gateway runs: the main file only, no -wal.
      copyFileSync(join(source, 'latchkey.db'), naive);
      await backupDatabase(store, online);
      expect(writer.child.exitCode).toBeNull(); // it was writing all along
    } finally {
      reader.close();
      await writer.stop();
      store.close();
    }
    onlineResult = inspect(online, { readonly: true });
    naiveResult = inspect(naive);
  }, 60_000);

  it('the online backup passes integrity_check and holds every commit made before it started', () => {
    if (onlineResult instanceof Error) throw onlineResult;
    expect(onlineResult.integrity).toBe('ok');
    const { slugs } = onlineResult;
    const missing = ackedBeforeBackup.filter((n) => !slugs.has(`app-${n}`));
    expect(missing).toEqual([]);
    expect(ackedBeforeBackup.length).toBeGreaterThanOrEqual(250);
  });

  it('the backup is one self-contained, owner-only file', () => {
    expect(existsSync(`${online}-wal`)).toBe(false);
    expect(readFileSync(online)[18]).toBe(1); // rollback journal, not WAL: no -wal needed
    if (process.platform !== 'win32') {
      expect(statSync(online).mode & 0o077).toBe(0); // it holds password and token hashes
    }
  });

  it('a naive copy of latchkey.db alone misses commits or is damaged: why it is not a backup', () => {
    if (onlineResult instanceof Error) throw onlineResult;
    const complete =
      !(naiveResult instanceof Error) &&
      naiveResult.integrity === 'ok' &&
      naiveResult.slugs.size >= onlineResult.slugs.size;
    const naive = naiveResult instanceof Error ? naiveResult.message : `${naiveResult.slugs.size} apps`;
    console.info(`naive copy: ${naive}; online backup: ${onlineResult.slugs.size} apps`);
    expect(complete).toBe(false);
    if (!(naiveResult instanceof Error) && naiveResult.integrity === 'ok') {
      expect(naiveResult.slugs.size).toBeLessThan(onlineResult.slugs.size);
    }
  });

  it('restores into a fresh data directory, and app list shows the apps', () => {
    const fresh = join(dir(), 'new-data');
    const restored = runCli(['restore', online, '--data-dir', fresh]);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toBe(restoredLine(online));
    expect(restored.status).toBe(0);
    const listed = runCli(['app', 'list', '--json', '--data-dir', fresh]);
    expect(listed.status).toBe(0);
    const slugs = new Set((JSON.parse(listed.stdout) as { slug: string }[]).map((a) => a.slug));
    expect(ackedBeforeBackup.filter((n) => !slugs.has(`app-${n}`))).toEqual([]);
    expect(existsSync(join(fresh, 'latchkey.db.restore-' + String(process.pid)))).toBe(false);
  });
});

describe('latchkey backup and restore', { timeout: 60_000 }, () => {
  // Every command on a new data directory hashes a generated admin password: the data
  // directories are made once, and copied (closed, so without a -wal) for each test.
  let source = '';
  let backup = '';
  let template = '';

  beforeAll(() => {
    source = dir();
    for (const slug of ['grafana', 'jupyter']) {
      expect(
        runCli(['app', 'add', '--slug', slug, '--upstream', 'http://127.0.0.1:3000', '--data-dir', source]).status,
      ).toBe(0);
    }
    backup = join(dir(), 'latchkey-backup.db');
    const result = runCli(['backup', backup, '--data-dir', source]);
    expect(result).toEqual({ status: 0, stdout: `backed up to ${backup}\n`, stderr: '' });
    template = dir();
    expect(
      runCli(['app', 'add', '--slug', 'other', '--upstream', 'http://127.0.0.1:4000', '--data-dir', template]).status,
    ).toBe(0);
  }, 60_000);

  function appSlugs(data: string): string[] {
    const listed = runCli(['app', 'list', '--json', '--data-dir', data]);
    expect(listed.status).toBe(0);
    return (JSON.parse(listed.stdout) as { slug: string }[]).map((a) => a.slug).sort();
  }

  /** A data directory holding one app, `other`, that a refused restore must leave alone. */
  function target(): string {
    const data = dir();
    cpSync(template, data, { recursive: true });
    expect(existsSync(`${join(data, 'latchkey.db')}-wal`)).toBe(false);
    return data;
  }

  /** Kills a process that has just committed app `stale`, so the commit is only in latchkey.db-wal. */
  function leaveCommitInWal(data: string): void {
    const killed = spawnSync(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.pragma('wal_autocheckpoint = 0');
         db.prepare(process.argv[2]).run();
         process.kill(process.pid, 'SIGKILL');`,
        join(data, 'latchkey.db'),
        `INSERT INTO apps (slug, name, upstream, headers, preserve_host, created_at, updated_at)
         VALUES ('stale', 'stale', 'http://127.0.0.1:1', 'generic', 1, 0, 0)`,
      ],
      { cwd: process.cwd(), timeout: 20_000 },
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(statSync(join(data, 'latchkey.db-wal')).size).toBeGreaterThan(0);
  }

  it('backup refuses to overwrite a file', () => {
    const data = source;
    const before = readFileSync(backup);
    expectOneLineError(runCli(['backup', backup, '--data-dir', data]), /already exists/);
    expect(readFileSync(backup).equals(before)).toBe(true);
    expectOneLineError(runCli(['backup', join(data, 'no-such-dir', 'b.db'), '--data-dir', data]), /not a directory/);
  });

  it('restore replaces the database, leaving no stale -wal or temporary file', () => {
    const data = target();
    // Replayed onto the restored file, this WAL would corrupt it or bring `stale` back.
    leaveCommitInWal(data);

    expect(runCli(['restore', backup, '--data-dir', data])).toEqual({
      status: 0,
      stdout: restoredLine(backup),
      stderr: '',
    });
    expect(readdirSync(data).filter((f) => f.includes('.restore-'))).toEqual([]);
    expect(appSlugs(data)).toEqual(['grafana', 'jupyter']);
    const db = new Database(join(data, 'latchkey.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('restore refuses a live database file whose commits are in its -wal', () => {
    const live = target();
    leaveCommitInWal(live);
    const data = target();
    expectOneLineError(runCli(['restore', join(live, 'latchkey.db'), '--data-dir', data]), /live database/);
    expect(appSlugs(data)).toEqual(['other']);
  });

  it('restore refuses a file of random bytes', () => {
    const data = target();
    const junk = join(dir(), 'junk.db');
    writeFileSync(junk, Buffer.from(Array.from({ length: 16_384 }, () => Math.floor(Math.random() * 256))));
    expectOneLineError(runCli(['restore', junk, '--data-dir', data]), /not a readable database/);
    expect(appSlugs(data)).toEqual(['other']);
  });

  it('restore refuses a database whose pages are damaged', () => {
    const data = target();
    const damaged = join(dir(), 'damaged.db');
    const bytes = readFileSync(backup);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, pageSize, bytes.length); // every page but the header page
    writeFileSync(damaged, bytes);
    expectOneLineError(runCli(['restore', damaged, '--data-dir', data]), /damaged|not a readable database/);
    expect(appSlugs(data)).toEqual(['other']);
  });

  it('restore refuses a database from a newer schema', () => {
    const data = target();
    const future = join(dir(), 'future.db');
    copyFileSync(backup, future);
    const db = new Database(future);
    db.pragma('user_version = 999');
    db.close();
    expectOneLineError(runCli(['restore', future, '--data-dir', data]), /newer Latchkey \(schema 999/);
    expect(appSlugs(data)).toEqual(['other']);
  });

  it('restore refuses an SQLite file that is not a Latchkey database', () => {
    const data = target();
    const foreign = join(dir(), 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    expectOneLineError(runCli(['restore', foreign, '--data-dir', data]), /not a Latchkey database/);
    expect(appSlugs(data)).toEqual(['other']);
  });

  it('restore refuses while latchkey serve runs on the data directory, and works once it stops', async () => {
    const data = target();
    const serve = await startServe(['--data-dir', data, '--port', '0']);
    try {
      expectOneLineError(runCli(['restore', backup, '--data-dir', data]), /a Latchkey process uses .* stop it first/);
      expect(serve.child.exitCode).toBeNull();
    } finally {
      await serve.stop();
    }
    expect(appSlugs(data)).toEqual(['other']);
    expect(runCli(['restore', backup, '--data-dir', data]).status).toBe(0);
    expect(appSlugs(data)).toEqual(['grafana', 'jupyter']);
  }, 60_000);

  it('restore removes an initial admin password file that the restored database does not accept', () => {
    const data = target();
    const passwordFile = join(data, 'initial-admin-password');
    expect(existsSync(passwordFile)).toBe(true); // generated for the database being replaced
    expect(runCli(['restore', backup, '--data-dir', data]).status).toBe(0);
    expect(existsSync(passwordFile)).toBe(false);
    // Restored where it was taken, the file still opens the restored Admin: it stays.
    const ownFile = join(source, 'initial-admin-password');
    expect(existsSync(ownFile)).toBe(true);
    expect(runCli(['restore', backup, '--data-dir', source]).status).toBe(0);
    expect(existsSync(ownFile)).toBe(true);
  });
});

describe('restore never swaps the database under a live Latchkey process', { timeout: 90_000 }, () => {
  let backup = '';
  let template = '';

  beforeAll(() => {
    const source = dir();
    expect(
      runCli(['app', 'add', '--slug', 'restored', '--upstream', 'http://127.0.0.1:3000', '--data-dir', source]).status,
    ).toBe(0);
    backup = join(dir(), 'backup.db');
    expect(runCli(['backup', backup, '--data-dir', source]).status).toBe(0);
    template = dir();
    expect(
      runCli(['app', 'add', '--slug', 'live', '--upstream', 'http://127.0.0.1:4000', '--data-dir', template]).status,
    ).toBe(0);
  }, 60_000);

  function target(): string {
    const data = dir();
    cpSync(template, data, { recursive: true });
    return data;
  }

  function slugs(data: string): string[] {
    const listed = runCli(['app', 'list', '--json', '--data-dir', data]);
    expect(listed.status).toBe(0);
    return (JSON.parse(listed.stdout) as { slug: string }[]).map((a) => a.slug);
  }

  const refused = (data: string) =>
    expectOneLineError(runCli(['restore', backup, '--data-dir', data]), /a Latchkey process uses .*; stop it first/);

  it.runIf(process.platform === 'linux')(
    'a gateway on --host 127.0.0.2 and a port of its own, which no loopback probe finds, blocks restore',
    async () => {
      const data = target();
      const serve = await startServe(['--data-dir', data, '--port', '0', '--host', '127.0.0.2']);
      try {
        refused(data);
        expect(runCli(['restore', backup, '--data-dir', data]).status).toBe(75);
      } finally {
        await serve.stop();
      }
      expect(slugs(data)).toEqual(['live']);
    },
  );

  it('a stalled gateway (SIGSTOP, answering nothing) blocks restore', async () => {
    const data = target();
    const serve = await startServe(['--data-dir', data, '--port', '0']);
    try {
      serve.child.kill('SIGSTOP');
      refused(data);
    } finally {
      serve.child.kill('SIGCONT');
      await serve.stop();
    }
    expect(slugs(data)).toEqual(['live']);
  });

  it('a gateway whose latchkey.lock was deleted under it still blocks restore: the database itself is checked', async () => {
    const data = target();
    const serve = await startServe(['--data-dir', data, '--port', '0']);
    try {
      rmSync(join(data, 'latchkey.lock'));
      expectOneLineError(
        runCli(['restore', backup, '--data-dir', data]),
        /another process has the database in .* open; stop latchkey serve/,
      );
    } finally {
      await serve.stop();
    }
    expect(slugs(data)).toEqual(['live']);
  });

  it('a lock file that is not one Latchkey made is named, with what to do', () => {
    const data = target();
    writeFileSync(join(data, 'latchkey.lock'), randomBytes(8192));
    expectOneLineError(
      runCli(['app', 'list', '--data-dir', data]),
      /latchkey\.lock is not the lock file Latchkey made .*delete it and try again/,
    );
  });

  it('a gateway killed with kill -9 holds nothing: restore proceeds', async () => {
    const data = target();
    const serve = await startServe(['--data-dir', data, '--port', '0']);
    const exited = new Promise((resolve) => serve.child.once('exit', resolve));
    serve.child.kill('SIGKILL');
    await exited;
    expect(runCli(['restore', backup, '--data-dir', data]).status).toBe(0);
    expect(slugs(data)).toEqual(['restored']);
  });

  it('a process that merely has the store open (a command, a script) blocks restore until it closes it', async () => {
    const data = target();
    const store = await openStore({
      dataDir: data,
      config: loadConfig({ dataDir: data, env: {} }),
      clock: systemClock,
    });
    try {
      refused(data);
    } finally {
      store.close();
    }
    expect(runCli(['restore', backup, '--data-dir', data]).status).toBe(0);
  });

  it('while restore holds the store, no process opens it halfway through the swap', () => {
    const data = target();
    const files = dataFiles(data);
    const restoring = takeStoreLockForRestore(files.lock, data);
    try {
      expect(() => holdStoreLock(files.lock, data, 50)).toThrow(
        expect.objectContaining({ code: 'DB_BUSY', message: expect.stringMatching(/a restore is replacing/) }),
      );
      const opened = runCli(['app', 'list', '--data-dir', data], {});
      // The command waits for the restore, then says why it cannot go on.
      expect(opened.status).toBe(75);
      expect(opened.stderr).toMatch(
        /^latchkey: a restore is replacing the database in .*; try again once it has finished\n$/,
      );
    } finally {
      restoring.release();
    }
    expect(slugs(data)).toEqual(['live']);
  }, 30_000);
});

describe('what a restore does to sessions', () => {
  it('a session logged out after the backup does not come back with the restore (nor any other session)', async () => {
    const data = dir();
    const store = await openStore({
      dataDir: data,
      config: loadConfig({ dataDir: data, env: {} }),
      clock: systemClock,
    });
    const backup = join(dir(), 'with-session.db');
    try {
      const admin = store.users.findByUsername('admin');
      if (!admin) throw new Error('no admin');
      const session = {
        id: 'logged-out-later',
        userId: admin.id,
        createdAt: 1,
        lastSeenAt: 1,
        expiresAt: Date.now() + 86_400_000,
      };
      store.sessions.create(session);
      store.settings.setMany({ 'session.key-id': 'signed-by-this-key' });
      await backupDatabase(store, backup);
      store.sessions.delete(session.id); // the user logs out
    } finally {
      store.close();
    }
    const restored = runCli(['restore', backup, '--data-dir', data]);
    expect(restored.stdout).toBe(restoredLine(backup));
    const db = new Database(join(data, 'latchkey.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM sessions').pluck().all()).toEqual([]);
      expect(db.prepare("SELECT value FROM settings WHERE key = 'session.key-id'").pluck().get()).toBeUndefined();
    } finally {
      db.close();
    }
  }, 30_000);
});
