import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

describe('latchkey token, against a running gateway', () => {
  const data = tempDataDir();
  const dir = data.dir;
  let server: ServeProcess;
  let up: Upstream;

  beforeAll(async () => {
    up = await startUpstream();
    server = await startServe(['--port', '0', '--data-dir', dir], {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'first admin password',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    });
    runCli(['app', 'add', '--slug', 'grafana', '--upstream', up.url, '--data-dir', dir]);
    runCli(['admin', 'user', 'create', '--username', 'ci', '--password', 'ci password', '--data-dir', dir]);
  });
  afterAll(async () => {
    await server.stop();
    await up.close();
    data.remove();
  });

  const ask = (headers: Record<string, string>) =>
    sendRequest(server.port, { host: `grafana.localhost:${server.port}`, path: '/echo', headers });

  it('creates a token printed alone on the last line; it works in all three schemes until revoked', async () => {
    const created = runCli([
      'token',
      'create',
      '--user',
      'ci',
      '--expires',
      '1h',
      '--description',
      'nightly',
      '--data-dir',
      dir,
    ]);
    expect(created.status).toBe(0);
    const lines = created.stdout.trimEnd().split('\n');
    const token = lines.at(-1) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);
    const id = token.split('.')[0] as string;

    for (const headers of <Record<string, string>[]>[
      { Authorization: `Bearer Latchkey-${token}` },
      { 'X-Latchkey-Authorization': token },
      { Authorization: `Latchkey ${token}` },
    ]) {
      const res = await ask(headers);
      expect(res.status).toBe(200);
      expect(res.json<SeenRequest>().headers['x-forwarded-user']).toBe('ci');
    }

    // Last-used is bookkeeping the gateway writes in batches, off the request path.
    const usedLine = new RegExp(`^${id}  ci  active  expires \\S+  last used \\S+Z  nightly$`, 'm');
    await expect
      .poll(() => runCli(['token', 'list', '--data-dir', dir]).stdout, { timeout: 10_000, interval: 250 })
      .toMatch(usedLine);
    const listed = runCli(['token', 'list', '--data-dir', dir]).stdout;
    expect(listed).not.toContain(token.split('.')[1]);

    expect(runCli(['token', 'revoke', id, '--data-dir', dir]).stdout).toBe(`revoked ${id}\n`);
    const after = await ask({ Authorization: `Bearer Latchkey-${token}` });
    expect(after.status).toBe(401);
    expect(after.json()).toMatchObject({ error: { message: 'the token was revoked' } });
  });

  it('refuses bad arguments in one line', () => {
    expect(runCli(['token', 'create', '--user', 'nobody', '--data-dir', dir]).stderr).toBe(
      'latchkey: no user "nobody"\n',
    );
    expect(runCli(['token', 'create', '--user', 'ci', '--expires', 'soon', '--data-dir', dir]).stderr).toMatch(
      /--expires takes a duration/,
    );
    expect(runCli(['token', 'revoke', 'nope', '--data-dir', dir]).stderr).toBe('latchkey: no token with id "nope"\n');
    expect(runCli(['view-as', '--data-dir', dir]).stderr).toBe('latchkey: give a username, or --stop\n');
  });

  it('refuses view-as from the CLI while logins are on', () => {
    const res = runCli(['view-as', 'ci', '--data-dir', dir], { LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/view-as belongs to an Admin session/);
  });
});
