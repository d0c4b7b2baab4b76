import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let up: Upstream;
beforeAll(async () => (up = await startUpstream()));
afterAll(() => up.close());

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

async function serve(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const server = await startServe(args, env);
  cleanups.push(server.stop);
  return server;
}

describe('latchkey serve', () => {
  it('prints the listening line, the console address and where the admin password is', async () => {
    const dir = dataDir();
    const server = await serve(['--port', '0', '--data-dir', dir]);
    expect(server.lines[0]).toBe(`latchkey listening on http://localhost:${server.port}`);
    expect(server.lines[1]).toMatch(
      new RegExp(`^console: http://latchkey\\.localhost:${server.port}/\\.latchkey/console\\?code=[A-Za-z0-9_-]{32}$`),
    );
    await expect.poll(() => server.lines).toContain(`initial admin password: ${dir}/initial-admin-password`);
    const config = await sendRequest(server.port, { host: `localhost:${server.port}`, path: '/api/v1/global/config' });
    expect(config.json()).toMatchObject({
      data: { identN: { impersonation: { enabled: true }, tokenizer: { enabled: false }, apikey: { enabled: false } } },
    });
  });

  it('walks through the README: app add, then the app sees X-Forwarded-User: admin and no spoofed identity', async () => {
    const dir = dataDir();
    const server = await serve(['--port', '0', '--data-dir', dir]);
    const added = runCli(['app', 'add', '--slug', 'echo', '--upstream', up.url, '--data-dir', dir]);
    expect(added).toMatchObject({ status: 0, stdout: `added echo → ${up.url}\n` });
    const res = await sendRequest(server.port, {
      host: `echo.localhost:${server.port}`,
      path: '/echo',
      rawHeaders: ['X-Forwarded-User', 'mallory', 'x_forwarded_user', 'mallory', 'Remote-User', 'mallory'],
    });
    expect(res.status).toBe(200);
    const seen = res.json<SeenRequest>();
    const identityLines = seen.rawHeaders.filter(
      (_, i) => i % 2 === 0 && /^(x[-_.]forwarded[-_.]user|remote[-_.]user)$/i.test(seen.rawHeaders[i] ?? ''),
    );
    expect(identityLines).toEqual(['x-forwarded-user']);
    expect(seen.headers['x-forwarded-user']).toBe('admin');
  });

  it('applies `identn set` from another process on the very next request, without restart', async () => {
    const dir = dataDir();
    const server = await serve(['--port', '0', '--data-dir', dir]);
    runCli(['app', 'add', '--slug', 'echo', '--upstream', up.url, '--data-dir', dir]);
    const ask = () => sendRequest(server.port, { host: `echo.localhost:${server.port}`, path: '/echo' });
    expect((await ask()).status).toBe(200);
    expect(
      runCli(['admin', 'user', 'reset-password', '--username', 'admin', '--password', 'chosen pw 1', '--data-dir', dir])
        .status,
    ).toBe(0);
    const set = runCli(['identn', 'set', '--impersonation', 'off', '--data-dir', dir]);
    expect(set.stdout).toMatch(/impersonation +off/);
    const after = await ask();
    expect(after.status).toBe(401);
    expect(after.json()).toMatchObject({ error: { code: 'NOT_SIGNED_IN' } });
    runCli(['identn', 'set', '--impersonation', 'on', '--data-dir', dir]);
    expect((await ask()).status).toBe(200);
  });

  it('refuses impersonation and tokenizer both on from the environment, in one line naming the variable', () => {
    const result = runCli(['serve', '--port', '0', '--data-dir', dataDir()], {
      LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'true',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('LATCHKEY_IDENTN_TOKENIZER_ENABLED');
  });

  it('refuses logins from the environment while the admin password was never chosen, naming the reset command', () => {
    const result = runCli(['serve', '--port', '0', '--data-dir', dataDir()], {
      LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^latchkey: .*latchkey admin user reset-password/);
  });

  it('says so and does not start when the port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => squatter.close(r)));
    const { port } = squatter.address() as AddressInfo;
    const result = runCli(['serve', '--port', String(port), '--data-dir', dataDir()]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toBe(
      `latchkey: port ${port} on 127.0.0.1 is already in use by another program; stop it or choose another port with --port or LATCHKEY_PORT\n`,
    );
  });

  it('refuses a non-loopback bind in impersonation mode', () => {
    const result = runCli(['serve', '--port', '0', '--host', '0.0.0.0', '--data-dir', dataDir()]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/0\.0\.0\.0 is not a loopback address/);
  });

  it.runIf(process.platform === 'linux')(
    'under --host 127.0.0.2 the listening line names 127.0.0.2, not localhost where nothing listens, and no console link leads there',
    async () => {
      const server = await serve(['--port', '0', '--host', '127.0.0.2', '--data-dir', dataDir()]);
      expect(server.lines[0]).toBe(`latchkey listening on http://127.0.0.2:${server.port}`);
      expect(server.lines[1]).toMatch(/^console: no link printed: .*latchkey console-link prints one$/);
      expect(server.lines.join('\n')).not.toMatch(/http:\/\/(latchkey\.)?localhost/);
      const answer = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.2',
            port: server.port,
            path: '/api/v1/global/config',
            headers: { Host: `localhost:${server.port}` },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(answer).toBe(200);
      // Where `localhost` leads, nothing answers.
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(server.port, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    },
  );

  it('keeps the port it used, so bookmarks stay valid', async () => {
    const dir = dataDir();
    const first = await serve(['--port', '0', '--data-dir', dir]);
    const port = first.port;
    await first.stop();
    const second = await serve(['--data-dir', dir]);
    expect(second.port).toBe(port);
  });
});

describe('latchkey console-link', () => {
  it('mints a new one-time link for the running gateway, written owner-only to the data directory', async () => {
    const dir = dataDir();
    const server = await serve(['--port', '0', '--data-dir', dir]);
    const printed = server.lines[1]?.replace(/^console: /, '') ?? '';
    const fresh = runCli(['console-link', '--data-dir', dir]).stdout.trim();
    expect(fresh).toMatch(new RegExp(`^http://latchkey\\.localhost:${server.port}/\\.latchkey/console\\?code=`));
    expect(fresh).not.toBe(printed);
    const { statSync, readFileSync } = await import('node:fs');
    const file = `${dir}/console-link`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(fresh);
    // The printed link was replaced: only the fresh one opens the console.
    const redeem = (link: string) =>
      sendRequest(server.port, {
        method: 'POST',
        host: `latchkey.localhost:${server.port}`,
        path: '/.latchkey/console',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: `http://latchkey.localhost:${server.port}`,
        },
        body: `code=${new URL(link).searchParams.get('code')}`,
      });
    expect((await redeem(printed)).status).toBe(400);
    expect((await redeem(fresh)).status).toBe(303);
  });
});
