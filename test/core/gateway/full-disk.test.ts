import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import type { Logger } from '../../../main/core/log.js';
import { createUser } from '../../../main/core/users-service.js';
import { createCoreForTests, type TestCore } from '../../helpers/core.js';
import { runCli } from '../../helpers/cli.js';
import { sendRequest } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A 4 MiB tmpfs for the data folder, or the reason there cannot be one here. */
function smallDisk(): string | { reason: string } {
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return { reason: 'mounting a tmpfs needs root on Linux' };
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    return { reason: `cannot mount a tmpfs here: ${String((error as Error).message).split('\n')[0]}` };
  }
  cleanups.push(() => {
    execFileSync('umount', ['-l', dir]);
    rmdirSync(dir);
  });
  return dir;
}

/** Writes a file until the disk says it is full; returns how to free the space again. */
function fillDisk(dir: string): () => void {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // Tail space smaller than a chunk: take it too.
  const fd2 = openSync(file, 'a');
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512, 1));
  } catch {
    // full, as wanted
  } finally {
    closeSync(fd2);
  }
  return () => unlinkSync(file);
}

function recordingLog(lines: string[]): Logger {
  const at = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('on a full disk', () => {
  it('a valid, unused token is still served, sign-in gets 503 (not 500) and the CLI one line, exit 74', async (ctx) => {
    const disk = smallDisk();
    if (typeof disk !== 'string') return ctx.skip(disk.reason);
    const up: Upstream = await startUpstream();
    cleanups.push(() => up.close());
    const logged: string[] = [];
    const core: TestCore = await createCoreForTests({
      dataDir: join(disk, 'data'),
      env: {
        LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
        LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
        LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
        LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
      },
      port: 0,
      log: recordingLog(logged),
    });
    cleanups.push(() => core.close());
    core.store.apps.add({ slug: 'echo', upstream: up.url }, 'test');
    const { port } = await core.listen();
    await createUser(core.store, { username: 'ann', password: 'ann password' }, 'test');
    const { token, view } = createToken(core.store, { username: 'ann', lifetimeMs: null }, 'test');
    // An empty write-ahead log: the next write needs new space.
    core.store.db.pragma('wal_checkpoint(TRUNCATE)');
    const freeSpace = fillDisk(disk);

    const byToken = await sendRequest(port, {
      host: `echo.localhost:${port}`,
      path: '/echo',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(byToken.status).toBe(200);

    const signIn = await sendRequest(port, {
      method: 'POST',
      host: `latchkey.localhost:${port}`,
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: `http://latchkey.localhost:${port}` },
      body: JSON.stringify({ username: 'ann', password: 'ann password' }),
    });
    expect(signIn.status).toBe(503);
    expect(signIn.headers['retry-after']).toMatch(/^\d+$/);
    expect(signIn.json()).toMatchObject({ error: { code: 'DISK_FULL', message: expect.stringMatching(/full/) } });

    const cli = runCli(['admin', 'user', 'create', '--username', 'bob', '--password', 'bob password'], {
      LATCHKEY_DATA_DIR: join(disk, 'data'),
    });
    expect(cli.status).toBe(74);
    expect(cli.stderr).toMatch(/^latchkey: [^\n]*full[^\n]*\n$/);

    // Bookkeeping keeps the token's last use and says so once, however often it retries.
    expect(core.auth.bookkeeping.flush()).toBe(false);
    expect(core.auth.bookkeeping.flush()).toBe(false);
    expect(logged.filter((l) => l.includes('not written'))).toHaveLength(1);
    freeSpace();
    expect(core.auth.bookkeeping.flush()).toBe(true);
    expect(core.store.tokens.find(view.id)?.lastUsedAt).not.toBeNull();
  });
});
