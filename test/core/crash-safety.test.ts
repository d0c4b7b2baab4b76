import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../main/core/auth/passwords.js';
import { cleanEnv } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const data = tempDataDir();
const mixed = tempDataDir();
afterAll(() => {
  data.remove();
  mixed.remove();
});

/**
 * A gateway process that adds apps as fast as it can and prints `ack N` only after
 * app N's transaction has returned (committed).
 */
const WRITER = `
import { createCore } from './dist/main/core/index.js';
const core = await createCore({ dataDir: process.argv[1], env: {}, port: 0 });
await core.listen();
const start = Number(process.argv[2]);
for (let n = start; ; n += 1) {
  core.store.apps.add({ slug: 'app-' + n, upstream: 'http://127.0.0.1:' + (1024 + (n % 60000)) });
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
