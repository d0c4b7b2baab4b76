import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

describe('latchkey admin user', () => {
  it('creates and lists users, refusing bad input in one line', () => {
    const dir = dataDir();
    expect(
      runCli(['admin', 'user', 'create', '--username', 'Ann', '--password', 'ann password', '--data-dir', dir]).stdout,
    ).toBe('created ann (ReadOnly)\n');
    const list = runCli(['admin', 'user', 'list', '--data-dir', dir]).stdout;
    expect(list).toMatch(/^admin +Admin +enabled +last sign-in never\nann +ReadOnly +enabled +last sign-in never\n$/);
    const dup = runCli([
      'admin',
      'user',
      'create',
      '--username',
      'ann',
      '--password',
      'ann password',
      '--data-dir',
      dir,
    ]);
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toBe('latchkey: user "ann" already exists\n');
    const short = runCli(['admin', 'user', 'create', '--username', 'bob', '--password', 'short', '--data-dir', dir]);
    expect(short.stderr).toBe('latchkey: password must be at least 8 bytes\n');
    const role = runCli([
      'admin',
      'user',
      'create',
      '--username',
      'bob',
      '--password',
      'bob password',
      '--role',
      'Root',
      '--data-dir',
      dir,
    ]);
    expect(role.stderr).toMatch(/role must be Admin or ReadOnly/);
    const bad = runCli([
      'admin',
      'user',
      'create',
      '--username',
      'b\nx',
      '--password',
      'bob password',
      '--data-dir',
      dir,
    ]);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.status).not.toBe(0);
  });

  it('records what it did in the audit log', () => {
    const dir = dataDir();
    runCli(['admin', 'user', 'create', '--username', 'ann', '--password', 'ann password', '--data-dir', dir]);
    runCli(['admin', 'user', 'reset-password', '--username', 'ann', '--password', 'ann password 2', '--data-dir', dir]);
    const audit = runCli(['audit', '--limit', '2', '--data-dir', dir]).stdout.trim().split('\n');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatch(/password\.reset +\(cli\) → ann/);
    expect(audit[1]).toMatch(/user\.created +\(cli\) → ann +\{"role":"ReadOnly"\}/);
    expect(runCli(['audit', '--limit', 'lots', '--data-dir', dir]).stderr).toMatch(/--limit takes a number/);
  });
});

describe('with the gateway running', () => {
  const data = tempDataDir();
  const dir = data.dir;
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--port', '0', '--data-dir', dir], {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'first admin password',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
    });
  });
  afterAll(async () => {
    await server.stop();
    data.remove();
  });

  const signIn = (password: string) =>
    sendRequest(server.port, {
      method: 'POST',
      host: `latchkey.localhost:${server.port}`,
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: `http://latchkey.localhost:${server.port}` },
      body: JSON.stringify({ username: 'admin', password }),
    });

  it('reset-password --enable lets the admin in at once with the new password, the old one nowhere', async () => {
    expect((await signIn('first admin password')).status).toBe(200);
    for (let i = 0; i < 3; i += 1) await signIn('a wrong password');
    expect((await signIn('first admin password')).status).toBe(429);
    expect(runCli(['admin', 'ban', 'list', '--data-dir', dir]).stdout).toMatch(
      /^admin +client (uid:\d+|unknown) +until /,
    );

    const reset = runCli([
      'admin',
      'user',
      'reset-password',
      '--username',
      'admin',
      '--password',
      'N3w-pass!',
      '--enable',
      '--data-dir',
      dir,
    ]);
    expect(reset.stdout).toBe('password of admin reset; user enabled, ban lifted\n');
    expect((await signIn('N3w-pass!')).status).toBe(200);
    expect((await signIn('first admin password')).status).toBe(401);
    expect(runCli(['admin', 'ban', 'list', '--data-dir', dir]).stdout).toBe('no active bans\n');
  });

  it('ban lift works while the gateway runs', async () => {
    for (let i = 0; i < 3; i += 1) await signIn('a wrong password');
    expect((await signIn('N3w-pass!')).status).toBe(429);
    expect(runCli(['admin', 'ban', 'lift', '--username', 'admin', '--data-dir', dir]).stdout).toBe(
      'lifted the ban on admin\n',
    );
    expect((await signIn('N3w-pass!')).status).toBe(200);
  });
});
