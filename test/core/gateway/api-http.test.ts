import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_IDLE_MS, mintConsoleLink } from '../../../main/core/auth/console-sessions.js';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { createCore } from '../../../main/core/index.js';
import { createUser } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { sendRequest, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { consoleSession } from '../../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const clock = manualClock();
let gw: TestGateway;
let up: Upstream;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ clock });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

/** Opens a console session the way a browser does with the link `serve` prints. */
async function openConsole(g: TestGateway): Promise<string> {
  const link = new URL(mintConsoleLink(g.core.store, g.port));
  const landing = await g.request({ path: link.pathname + link.search, headers: { accept: 'text/html' } });
  expect(landing.status).toBe(200);
  const code = link.searchParams.get('code') ?? '';
  const redeemed = await g.request({
    method: 'POST',
    path: '/.latchkey/console',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: g.origin() },
    body: new URLSearchParams({ code }).toString(),
  });
  expect(redeemed.status).toBe(303);
  return String(redeemed.headers['set-cookie']).split(';')[0] as string;
}

const api = (g: TestGateway, method: 'GET' | 'POST', path: string, cookie: string, body?: unknown) =>
  g.request({
    method,
    path,
    headers: { cookie, Origin: g.origin(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('the control plane over HTTP', () => {
  it('is closed without a console session, even in impersonation mode (codex#17648, CVE-2025-49596)', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['POST', '/api/v1/identn'],
      ['POST', '/api/v1/tokens'],
      ['POST', '/api/v1/users/reset-password'],
    ] as const) {
      const res = await gw.request({
        method,
        path,
        headers: { 'Content-Type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('opens from the console link, whose landing page GET does not spend it; the link works once', async () => {
    const link = new URL(mintConsoleLink(gw.core.store, gw.port));
    for (let i = 0; i < 2; i += 1) {
      expect((await gw.request({ path: link.pathname + link.search })).status).toBe(200); // link previews
    }
    const redeem = () =>
      gw.request({
        method: 'POST',
        path: '/.latchkey/console',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
        body: `code=${link.searchParams.get('code')}`,
      });
    const first = await redeem();
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = String(first.headers['set-cookie']).split(';')[0] as string;
    expect((await api(gw, 'GET', '/api/v1/users', cookie)).json()).toMatchObject({ data: [{ username: 'admin' }] });
    expect((await redeem()).status).toBe(400);
  });

  it('refuses a cross-origin POST and a form content type even with a console session', async () => {
    const cookie = await openConsole(gw);
    const crossOrigin = await gw.request({
      method: 'POST',
      path: '/api/v1/users',
      headers: { cookie, Origin: 'http://localhost:5173', 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'mallory password' }),
    });
    expect(crossOrigin.status).toBe(403);
    const form = await gw.request({
      method: 'POST',
      path: '/api/v1/users',
      headers: { cookie, Origin: gw.origin(), 'Content-Type': 'text/plain' },
      body: JSON.stringify({ username: 'mallory', password: 'mallory password' }),
    });
    expect(form.status).toBe(415);
    expect(gw.core.store.users.findByUsername('mallory')).toBeUndefined();
  });

  it('ends a console session after 30 idle minutes', async () => {
    const cookie = await openConsole(gw);
    expect((await api(gw, 'GET', '/api/v1/config', cookie)).status).toBe(200);
    clock.advance(CONSOLE_IDLE_MS + 1);
    expect((await api(gw, 'GET', '/api/v1/config', cookie)).status).toBe(401);
  });

  it('validates input with the shared schemas and keeps error codes', async () => {
    const cookie = await openConsole(gw);
    const bad = await api(gw, 'POST', '/api/v1/apps', cookie, { slug: 'latchkey', upstream: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_ARGUMENT' } });
    const last = await api(gw, 'POST', '/api/v1/users/update', cookie, { username: 'admin', enabled: false });
    expect(last.status).toBe(409);
    expect(last.json()).toMatchObject({ error: { code: 'LAST_ADMIN' } });
  });

  it('does the work: add an app, create a user, reset a password with a generated one, turn logins on', async () => {
    const cookie = await openConsole(gw);
    expect((await api(gw, 'POST', '/api/v1/apps', cookie, { slug: 'grafana', upstream: up.url })).status).toBe(200);
    expect((await api(gw, 'GET', '/api/v1/apps', cookie)).json()).toMatchObject({
      data: [{ slug: 'grafana', url: `http://grafana.localhost:${gw.port}/` }],
    });
    expect((await api(gw, 'GET', '/api/v1/apps/health', cookie)).json()).toEqual({ data: { grafana: 'up' } });
    await api(gw, 'POST', '/api/v1/users', cookie, { username: 'ann', password: 'ann password' });
    const reset = (await api(gw, 'POST', '/api/v1/users/reset-password', cookie, { username: 'ann' })).json<{
      data: { generatedPassword: string };
    }>();
    expect(reset.data.generatedPassword).toHaveLength(24);

    const refused = await api(gw, 'POST', '/api/v1/identn', cookie, { impersonation: false });
    expect(refused.json()).toMatchObject({ error: { code: 'ADMIN_PASSWORD_NOT_CHOSEN' } });
    const on = await api(gw, 'POST', '/api/v1/identn', cookie, {
      impersonation: false,
      adminPassword: 'chosen admin pw',
    });
    expect(on.json()).toMatchObject({ data: { impersonation: { enabled: false }, tokenizer: { enabled: true } } });
    const audit = (await api(gw, 'GET', '/api/v1/audit?kind=identn&limit=5', cookie)).json<{
      data: { entries: { kind: string; actor: string }[] };
    }>();
    expect(audit.data.entries[0]).toMatchObject({ kind: 'identn.changed', actor: '(console link)' });
    // back to impersonation for the tests after this one
    await api(gw, 'POST', '/api/v1/identn', cookie, { impersonation: true });
  });

  it('never accepts a service-account token', async () => {
    const { token } = createToken(gw.core.store, { username: 'admin', lifetimeMs: null }, 'test');
    const res = await gw.request({ path: '/api/v1/users', headers: { Authorization: `Bearer Latchkey-${token}` } });
    expect(res.status).toBe(401);
  });
});

describe('with logins on', () => {
  let logins: TestGateway;
  beforeAll(async () => {
    logins = await startGateway({
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    await createUser(logins.core.store, { username: 'ann', password: 'ann password' }, 'test');
  });
  afterAll(() => logins.close());

  it('an Admin session may call everything; a ReadOnly one only its own account', async () => {
    const admin = await consoleSession(logins, 'admin', 'admin password 1');
    expect((await api(logins, 'GET', '/api/v1/users', admin)).status).toBe(200);
    const ann = await consoleSession(logins, 'ann', 'ann password');
    expect((await api(logins, 'GET', '/api/v1/users', ann)).status).toBe(403);
    expect((await api(logins, 'GET', '/api/v1/config', ann)).json()).toMatchObject({
      data: { caller: { kind: 'user', username: 'ann' } },
    });
    const changed = await api(logins, 'POST', '/api/v1/account/password', ann, {
      currentPassword: 'ann password',
      newPassword: 'ann new password',
    });
    expect(changed.status).toBe(200);
    expect((await api(logins, 'GET', '/api/v1/config', ann)).status).toBe(200);
  });
});

describe('in the desktop app', () => {
  it('the control plane has no HTTP route at all', async () => {
    const data = tempDataDir();
    const core = await createCore({ dataDir: data.dir, env: {}, port: 0, httpControlPlane: false });
    try {
      const { port } = await core.listen();
      const ask = (path: string) => sendRequest(port, { host: `latchkey.localhost:${port}`, path });
      expect((await ask('/api/v1/users')).status).toBe(404);
      expect((await ask(`/.latchkey/console?code=${'x'.repeat(32)}`)).status).toBe(404);
    } finally {
      await core.close();
      data.remove();
    }
  });
});
