import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../main/core/atomic-file.js';
import { cleanEnv } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const SIZE = 1 << 21;

/** Rewrites a file as fast as it can, alternately all `a` and all `b`, with the built helper. */
const WRITER = `
import { writeFileAtomically } from './dist/main/core/atomic-file.js';
const all = (c) => Buffer.alloc(${SIZE}, c);
const contents = [all('a'), all('b')];
for (let n = 0; ; n += 1) {
  writeFileAtomically(process.argv[1], contents[n % 2], { durable: n % 3 === 0 });
  if (n === 0) process.stdout.write('written\\n');
  if (n % 4 === 0) await new Promise((r) => setImmediate(r));
}
`;

/** Whole means one of the two contents, every byte: not empty, not short, not mixed. */
function whole(bytes: Buffer): boolean {
  if (bytes.length !== SIZE) return false;
  const other = bytes[0] === 0x61 ? 0x62 : 0x61;
  return (bytes[0] === 0x61 || bytes[0] === 0x62) && !bytes.includes(other);
}

/**
 * Runs the writer, reads the file while it writes, then kills it with SIGKILL after
 * `readsBeforeKill` reads: every read, and the file left behind, must be whole.
 */
function readWhileWritingThenKill(file: string, readsBeforeKill: number): Promise<{ torn: number; reads: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, file], {
      cwd: process.cwd(),
      env: cleanEnv(),
    });
    let stderr = '';
    let reads = 0;
    let torn = 0;
    let done = false;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => {
      const readOnce = () => {
        if (done) return;
        if (!whole(readFileSync(file))) torn += 1;
        reads += 1;
        if (reads === readsBeforeKill) child.kill('SIGKILL');
        else setImmediate(readOnce);
      };
      readOnce();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      done = true;
      clearTimeout(watchdog);
      if (signal !== 'SIGKILL' || reads < readsBeforeKill) reject(new Error(`writer ended early: ${stderr}`));
      else resolve({ torn: torn + (whole(readFileSync(file)) ? 0 : 1), reads });
    });
  });
}

describe('writeFileAtomically', () => {
  const dirs: { remove(): void }[] = [];
  const fresh = () => {
    const made = tempDataDir();
    dirs.push(made);
    return made.dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('a reader, and a writer killed at any moment, see the old content or the new one, never a torn file', async () => {
    const file = join(fresh(), 'state.json');
    // Killed at a different point of its loop each round.
    for (const readsBeforeKill of [3, 17, 40, 91]) {
      const { torn, reads } = await readWhileWritingThenKill(file, readsBeforeKill);
      expect({ torn, reads }).toEqual({ torn: 0, reads: readsBeforeKill });
    }
  });

  it('replaces a file whole, owner-only, and leaves no temporary file beside it', () => {
    const dir = fresh();
    const file = join(dir, 'session.key');
    writeFileSync(file, 'old', { mode: 0o644 });
    expect(writeFileAtomically(file, 'new\n')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['session.key']);
  });

  it("with ifExists: 'keep', never replaces a file that exists, and says so", () => {
    const dir = fresh();
    const file = join(dir, 'session.key');
    expect(writeFileAtomically(file, 'first\n', { ifExists: 'keep' })).toBe(true);
    expect(writeFileAtomically(file, 'second\n', { ifExists: 'keep' })).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(readdirSync(dir)).toEqual(['session.key']);
  });

  it('a write that cannot be placed leaves what was there and no temporary file', () => {
    const dir = fresh();
    const file = join(dir, 'taken');
    mkdirSync(join(file, 'inside'), { recursive: true });
    expect(() => writeFileAtomically(file, 'x')).toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(file)).toEqual(['inside']);
  });
});
