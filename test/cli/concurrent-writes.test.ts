import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, type CliResult } from '../helpers/cli.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { consoleSession } from '../helpers/sign-in.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
    },
  });
});
afterAll(() => gw.close());

/** The CLI as its own process, without blocking this one (the gateway runs here). */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('users created from the console API and the CLI at once', () => {
  it('never answer "database is locked"', async () => {
    const admin = await consoleSession(gw, 'admin', 'admin password 1');
    const rounds = 6;
    const fromApi = Array.from({ length: rounds }, (_, i) =>
      gw.request({
        method: 'POST',
        path: '/api/v1/users',
        headers: { cookie: admin, Origin: gw.origin(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: `api${i}`, password: 'api password' }),
      }),
    );
    const fromCli = Array.from({ length: rounds }, (_, i) =>
      cli(['admin', 'user', 'create', '--username', `cli${i}`, '--password', 'cli password', '--data-dir', gw.dataDir]),
    );
    const [api, cmd] = await Promise.all([Promise.all(fromApi), Promise.all(fromCli)]);
    for (const res of api) {
      expect(res.body).not.toMatch(/locked/i);
      expect(res.status, res.body).toBe(200);
    }
    for (const res of cmd) {
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    }
    const names = gw.core.store.users.list().map((u) => u.username);
    for (let i = 0; i < rounds; i += 1) expect(names).toEqual(expect.arrayContaining([`api${i}`, `cli${i}`]));
  });
});

describe('a CLI write while another process holds the lock', () => {
  it('waits its turn (the busy timeout is honoured) instead of failing at once', async () => {
    const holder = await holdWriteLock(`${gw.dataDir}/latchkey.db`, 3_000);
    const res = await cli([
      'admin',
      'user',
      'create',
      '--username',
      'patient',
      '--password',
      'patient pass',
      '--data-dir',
      gw.dataDir,
    ]);
    holder.note('cli exited');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(holder.events).toEqual(['locked', 'released', 'cli exited']);
  });

  it('gives up after the busy timeout with one line and exit 75, not a stack trace and 70', async () => {
    const holder = await holdWriteLock(`${gw.dataDir}/latchkey.db`, 30_000);
    try {
      const res = await cli([
        'admin',
        'user',
        'create',
        '--username',
        'late',
        '--password',
        'late password',
        '--data-dir',
        gw.dataDir,
      ]);
      holder.note('cli exited');
      expect(res.status).toBe(75);
      expect(res.stderr).toMatch(/^latchkey: the database is busy: [^\n]*\n$/);
      expect(holder.events).toEqual(['locked', 'cli exited']);
    } finally {
      await holder.release();
    }
  });
});
