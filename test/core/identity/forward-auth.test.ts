import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { createUser } from '../../../main/core/users-service.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { sendRequest, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** The configuration README shows, with this test's ports filled in. */
function nginxConf(dir: string, listen: number, latchkey: number, upstream: number): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${listen};
    location / {
      auth_request /.latchkey-auth;
      auth_request_set $latchkey_user $upstream_http_x_forwarded_user;
      auth_request_set $latchkey_assertion $upstream_http_x_latchkey_jwt_assertion;
      proxy_set_header X-Forwarded-User $latchkey_user;
      proxy_set_header X-Latchkey-Jwt-Assertion $latchkey_assertion;
      proxy_pass http://127.0.0.1:${upstream};
    }
    location = /.latchkey-auth {
      internal;
      proxy_pass http://127.0.0.1:${latchkey}/.latchkey/auth;
      proxy_set_header Host grafana.localhost:${latchkey};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
  }
}
`;
}

describe.skipIf(!NGINX)("forward auth behind nginx auth_request (needs Debian's nginx)", () => {
  let up: Upstream;
  let gw: TestGateway;
  let nginx: ChildProcess | undefined;
  let port = 0;
  const dir = tempDataDir();
  let ciToken = '';
  let annToken = '';

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      apps: [{ slug: 'grafana', upstream: up.url, allowUsers: ['ci'] }],
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
    });
    await createUser(gw.core.store, { username: 'ci', password: 'ci password' }, 'test');
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    ciToken = createToken(gw.core.store, { username: 'ci', lifetimeMs: null }, 'test').token;
    annToken = createToken(gw.core.store, { username: 'ann', lifetimeMs: null }, 'test').token;
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir.dir, sub));
    // nginx cannot listen on port 0: try a few random high ports until one binds.
    for (let attempt = 0; attempt < 8 && !nginx; attempt += 1) {
      port = 20_000 + Math.floor(Math.random() * 30_000);
      writeFileSync(join(dir.dir, 'nginx.conf'), nginxConf(dir.dir, port, gw.port, up.port));
      const child = spawn(
        NGINX as string,
        ['-p', dir.dir, '-e', join(dir.dir, 'error.log'), '-c', join(dir.dir, 'nginx.conf')],
        {
          stdio: 'ignore',
        },
      );
      const listening = await waitForPort(port, child);
      if (listening) nginx = child;
      else child.kill('SIGKILL');
    }
    if (!nginx) throw new Error(`nginx did not start: ${readFileSync(join(dir.dir, 'error.log'), 'utf8')}`);
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await gw.close();
    await up.close();
    dir.remove();
  });

  const viaNginx = (headers: Record<string, string>) =>
    sendRequest(port, { host: 'tools.example.test', path: '/echo', headers });

  it('lets an allowed token through with the identity and a signed assertion', async () => {
    const res = await viaNginx({ Authorization: `Bearer Latchkey-${ciToken}` });
    expect(res.status).toBe(200);
    const headers = res.json<SeenRequest>().headers;
    expect(headers['x-forwarded-user']).toBe('ci');
    expect(String(headers['x-latchkey-jwt-assertion']).split('.')).toHaveLength(3);
  });

  it("answers 401 without credentials and 403 for a user the app's policy refuses", async () => {
    expect((await viaNginx({})).status).toBe(401);
    expect((await viaNginx({ Authorization: `Bearer Latchkey-${annToken}` })).status).toBe(403);
  });

  it('is answered directly with the identity headers', async () => {
    const res = await gw.request({
      host: gw.host('grafana'),
      path: '/.latchkey/auth',
      headers: { 'X-Latchkey-Authorization': ciToken },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-forwarded-user']).toBe('ci');
    expect(res.body).toBe('');
  });
});

async function waitForPort(port: number, child: ChildProcess): Promise<boolean> {
  for (const deadline = Date.now() + 3_000; Date.now() < deadline;) {
    if (child.exitCode !== null) return false;
    const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore' });
    if (probe.status === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
