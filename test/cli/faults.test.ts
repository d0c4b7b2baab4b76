import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, runCli, type CliResult } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

/**
 * Faults of the data directory and the disk under it: each ends in one line on stderr
 * that says what is wrong and what to do, with the exit code the README documents, and
 * `serve` never says "listening" first. The full disk and the read-only folder need
 * root and mount(8) (a tmpfs, a read-only bind mount); elsewhere they are skipped.
 */

const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((c) => c()),
);

const base = tempDataDir();
afterAll(() => base.remove());
let made = 0;
function folder(): string {
  const dir = join(base.dir, `f${(made += 1)}`);
  mkdirSync(dir);
  return dir;
}

function mount(args: string[]): boolean {
  return spawnSync('mount', args, { stdio: 'ignore' }).status === 0;
}
function umount(dir: string): void {
  spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Whether this machine lets the test mount a tmpfs (root on Linux, with mount(8)). */
const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = folder();
  if (!mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe])) return false;
  umount(probe);
  return true;
})();
if (!canMount) console.info('faults.test: full-disk and read-only tests skipped (they need root and mount)');

/** A data directory set up by a first command, with one app. */
function setUp(dir: string): string {
  const data = join(dir, 'data');
  expect(
    runCli(['app', 'add', '--slug', 'grafana', '--upstream', 'http://127.0.0.1:3000', '--data-dir', data]).status,
  ).toBe(0);
  return data;
}

function expectOneLine(result: CliResult, exitCode: number, pattern: RegExp): void {
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.stderr).toMatch(/^latchkey: /);
  expect(result.status).toBe(exitCode);
}

/** `serve` run to its end (it should refuse to start); what it printed on each stream. */
function serveRefusal(data: string): CliResult {
  const result = runCli(['serve', '--port', '0', '--data-dir', data]);
  expect(result.stdout).not.toMatch(/listening/);
  return result;
}

/** Fills the file system under `dir` until it has no space left. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // Whatever was left below a whole chunk, byte by byte pages.
  const small = openSync(join(dir, 'filler-2'), 'w');
  try {
    for (;;) writeSync(small, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
}

describe('a damaged store: one line naming latchkey restore, exit 65, for serve and every command', () => {
  it('a zero-length latchkey.db: serve refuses before listening, commands refuse, nothing is re-created', () => {
    const data = setUp(folder());
    writeFileSync(join(data, 'latchkey.db'), '');
    expectOneLine(serveRefusal(data), 65, /latchkey\.db is empty; .*restore a backup with latchkey restore FILE/);
    for (const args of [['app', 'list'], ['admin', 'user', 'list'], ['identn', 'set', '--apikey', 'on'], ['audit']]) {
      expectOneLine(runCli([...args, '--data-dir', data]), 65, /latchkey restore FILE/);
    }
    expectOneLine(runCli(['backup', join(data, 'b.db'), '--data-dir', data]), 65, /latchkey restore FILE/);
  });

  it('a malformed latchkey.db (damaged pages): one line, exit 65, not a stack trace', () => {
    const data = setUp(folder());
    const db = new Database(join(data, 'latchkey.db'));
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(join(data, 'latchkey.db'), 'r+');
    writeSync(fd, Buffer.alloc(pageSize * 3, 0xa5), 0, pageSize * 3, pageSize);
    closeSync(fd);
    expectOneLine(
      runCli(['app', 'list', '--data-dir', data]),
      65,
      /latchkey\.db is damaged \(.*\); .*latchkey restore/,
    );
    expectOneLine(serveRefusal(data), 65, /is damaged/);
  });
});

describe('a database another process keeps locked', () => {
  it('a CLI write waits for the lock, then says it is locked and to try again: exit 75, no stack trace', async () => {
    const data = setUp(folder());
    // Another process takes the write lock and keeps it past the 5 s busy timeout.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); setTimeout(() => {}, 60000);`,
        join(data, 'latchkey.db'),
      ],
      { cwd: process.cwd(), env: cleanEnv() },
    );
    cleanups.push(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', () => reject(new Error('the lock holder ended')));
    });
    const result = await new Promise<CliResult>((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, 'admin', 'user', 'create', '--username', 'ann', '--password', 'ann password', '--data-dir', data],
        { env: cleanEnv() },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expectOneLine(result, 75, /locked by another process .*; try again in a moment/);
  }, 30_000);
});

describe.runIf(canMount)('a full disk (needs root: a tmpfs filled up)', () => {
  it('a CLI write ends in one line saying the disk is full, exit 74, and serve refuses before listening', () => {
    const dir = folder();
    expect(mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir])).toBe(true);
    cleanups.push(() => umount(dir));
    const data = setUp(dir);
    fill(dir);
    expectOneLine(
      runCli(['app', 'add', '--slug', 'more', '--upstream', 'http://127.0.0.1:1', '--data-dir', data]),
      74,
      /no space left on the disk that holds .*; free some space, then try again/,
    );
    expectOneLine(serveRefusal(data), 74, /no space left/);
    // Space freed: it starts again, nothing lost.
    rmSync(join(dir, 'filler'));
    expect(runCli(['app', 'list', '--json', '--data-dir', data]).stdout).toContain('grafana');
  }, 60_000);
});

describe.runIf(canMount)('a read-only data folder (needs root: a read-only bind mount)', () => {
  it('commands and serve say the folder is read-only in one line, exit 74; serve never says listening', () => {
    const dir = folder();
    const data = setUp(dir);
    expect(mount(['--bind', data, data])).toBe(true);
    cleanups.push(() => umount(data));
    expect(mount(['-o', 'remount,bind,ro', data])).toBe(true);
    expectOneLine(
      runCli(['app', 'add', '--slug', 'more', '--upstream', 'http://127.0.0.1:1', '--data-dir', data]),
      74,
      /is read-only .*make it writable/,
    );
    expectOneLine(runCli(['app', 'list', '--data-dir', data]), 74, /is read-only/);
    expectOneLine(serveRefusal(data), 74, /is read-only/);
  }, 60_000);
});

describe('the session key at start of serve', () => {
  it('an empty session.key: serve starts and says in one line that it was replaced and everyone signs in again', async () => {
    const data = setUp(folder());
    writeFileSync(join(data, 'session.key'), '');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', data], { env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('console:')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`serve ended: ${stderr}`)));
    });
    child.kill('SIGTERM');
    await exited;
    expect(stderr).toMatch(
      /^latchkey warn: .*session\.key was damaged \(empty\); it was replaced by a new key: everyone signed in must sign in again\n$/,
    );
    expect(stdout).toMatch(/^latchkey listening on /);
  }, 30_000);
});
