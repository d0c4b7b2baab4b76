import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInput } from '../../../main/common/apps.js';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { startGlobalViewAs, stopGlobalViewAs } from '../../../main/core/auth/view-as.js';
import { setIdentn } from '../../../main/core/identn-service.js';
import { createUser, resetPassword } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { consoleLinkSession, consoleSession } from '../../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

/**
 * What Latchkey's own pages and the console's settings offer depends on the mode and the
 * role: nothing is offered that is then refused, and a refusal says what would work.
 */
let up: Upstream;
let impersonating: TestGateway;
let logins: TestGateway;
const tokens: Record<string, Record<string, string>> = {};

const apps = (url: string): AppInput[] => [
  { slug: 'open', name: 'Open Tool', upstream: url },
  { slug: 'ann-only', name: 'Ann Tool', upstream: url, allowUsers: ['ann'] },
  { slug: 'bobs', name: 'Bob Tool', upstream: url, allowUsers: ['bob'] },
];

beforeAll(async () => {
  up = await startUpstream();
  impersonating = await startGateway({ apps: apps(up.url) });
  await createUser(impersonating.core.store, { username: 'bob', password: 'bob password' }, 'test');
  logins = await startGateway({
    apps: apps(up.url),
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
  await createUser(logins.core.store, { username: 'ann', password: 'ann password' }, 'test');
  await createUser(logins.core.store, { username: 'bob', password: 'bob password' }, 'test');
  for (const username of ['admin', 'bob']) {
    const token = createToken(logins.core.store, { username, lifetimeMs: 3_600_000 }, 'test').token;
    tokens[username] = { Authorization: `Bearer Latchkey-${token}`, accept: 'text/html' };
  }
});
afterAll(async () => {
  await impersonating?.close();
  await logins?.close();
  await up?.close();
});

const navigate = { accept: 'text/html', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Site': 'none' };

describe('sign-out while nobody signs in', () => {
  it("an app's sign-out link in impersonation mode says there is nothing to sign out of, never Not found", async () => {
    for (const host of [impersonating.host('open'), impersonating.host()]) {
      const page = await impersonating.request({ host, path: '/.latchkey/logout', headers: navigate });
      expect(page.status, host).toBe(200);
      expect(page.body).toContain('Nothing to sign out of');
      expect(page.body).toContain('impersonation mode');
      expect(page.body).toContain('href="/"');
      expect(page.body).not.toContain('<form');
    }
  });

  it('a sign-out form posted in impersonation mode lands on that page, not on a login page that is off', async () => {
    for (const slug of ['open', undefined]) {
      const host = impersonating.host(slug);
      const posted = await impersonating.request({
        host,
        method: 'POST',
        path: '/.latchkey/logout',
        headers: { Origin: impersonating.origin(slug), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(posted.status).toBe(303);
      const location = new URL(String(posted.headers.location), impersonating.origin(slug));
      expect(location.pathname).toBe('/.latchkey/logout');
      const landed = await impersonating.request({ host: location.host, path: location.pathname, headers: navigate });
      expect(landed.status).toBe(200);
      expect(landed.body).toContain('Nothing to sign out of');
    }
  });

  it('with sign-in on, the sign-out page still asks first and posts', async () => {
    const page = await logins.request({ host: logins.host('open'), path: '/.latchkey/logout', headers: navigate });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign out?');
    expect(page.body).toContain('<form');
  });
});

describe('the 403 page says what the one refused can do, by mode and role', () => {
  it('impersonation mode: the root admin refused is not told to "ask an Admin" (it is the Admin)', async () => {
    const res = await impersonating.request({ host: impersonating.host('ann-only'), path: '/', headers: navigate });
    expect(res.status).toBe(403);
    expect(res.body).toContain('No access to Ann Tool');
    expect(res.body).toContain('impersonation mode');
    expect(res.body).toContain('console\u2019s Apps screen');
    expect(res.body).not.toContain('Ask an Admin');
    expect(res.body).not.toContain('signed in as');
  });

  it('impersonation mode, viewing as someone refused: says how to stop, from every place it can be started', async () => {
    startGlobalViewAs(impersonating.core.store, 'bob', 'test');
    try {
      const res = await impersonating.request({ host: impersonating.host('ann-only'), path: '/', headers: navigate });
      expect(res.status).toBe(403);
      expect(res.body).toContain('viewing as <strong>bob</strong> (viewed by admin)');
      expect(res.body).toContain('latchkey view-as --stop');
      expect(res.body).not.toContain('Ask an Admin');
    } finally {
      stopGlobalViewAs(impersonating.core.store, 'test');
    }
  });

  it('with logins, an Admin refused is told to allow itself; a ReadOnly user to ask an Admin', async () => {
    const admin = await logins.request({ host: logins.host('ann-only'), path: '/', headers: tokens.admin });
    expect(admin.status).toBe(403);
    expect(admin.body).toContain('You are an Admin');
    expect(admin.body).not.toContain('Ask an Admin');
    const bob = await logins.request({ host: logins.host('ann-only'), path: '/', headers: tokens.bob });
    expect(bob.status).toBe(403);
    expect(bob.body).toContain('Ask an Admin');
  });
});

describe('the console is told what will work before it offers it', () => {
  const get = (g: TestGateway, path: string, cookie: string) =>
    g.request({ path, headers: { cookie, Origin: g.origin() } });

  it('view-as in a console-link session with logins on is marked refused, with the reason the start gives', async () => {
    const cookie = await consoleLinkSession(logins);
    const config = (await get(logins, '/api/v1/config', cookie)).json<{ data: { viewAsRefused: string | null } }>();
    expect(config.data.viewAsRefused).toMatch(/Admin session/);
    const start = await logins.request({
      method: 'POST',
      path: '/api/v1/view-as',
      headers: { cookie, Origin: logins.origin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'bob' }),
    });
    expect(start.status).toBe(400);
    expect(start.json<{ error: { message: string } }>().error.message).toBe(config.data.viewAsRefused);
  });

  it('view-as is offered to a console link in impersonation mode and to a signed-in Admin', async () => {
    const link = await consoleLinkSession(impersonating);
    const inImpersonation = (await get(impersonating, '/api/v1/config', link)).json<{
      data: { viewAsRefused: unknown };
    }>();
    expect(inImpersonation.data.viewAsRefused).toBeNull();
    const admin = await consoleSession(logins, 'admin', 'admin password 1');
    const signedIn = (await get(logins, '/api/v1/config', admin)).json<{ data: { viewAsRefused: unknown } }>();
    expect(signedIn.data.viewAsRefused).toBeNull();
  });

  it('a ReadOnly user gets the apps its policy lets it open, and no other app is named to it', async () => {
    const bob = await consoleSession(logins, 'bob', 'bob password');
    const res = await get(logins, '/api/v1/apps/mine', bob);
    expect(res.status).toBe(200);
    const mine = res.json<{ data: { slug: string; name: string; url: string }[] }>().data;
    expect(mine.map((a) => a.slug).sort()).toEqual(['bobs', 'open']);
    expect(mine.find((a) => a.slug === 'bobs')?.url).toBe(`http://bobs.localhost:${logins.port}/`);
    expect(res.body).not.toContain('ann-only');
    // Everything else about apps stays an Admin's.
    expect((await get(logins, '/api/v1/apps', bob)).status).toBe(403);
  });
});

describe('the console says which view-as is in force', () => {
  it("impersonation mode's view-as, left running when logins come on, is not reported: it asserts nobody then", async () => {
    const gw = await startGateway({ apps: apps(up.url) });
    try {
      const store = gw.core.store;
      await createUser(store, { username: 'bob', password: 'bob password' }, 'test');
      const cookie = await consoleLinkSession(gw);
      const viewing = async () =>
        (await gw.request({ path: '/api/v1/config', headers: { cookie, Origin: gw.origin() } })).json<{
          data: { viewingAs: { username: string } | null };
        }>().data.viewingAs;
      startGlobalViewAs(store, 'bob', 'test');
      expect(await viewing()).toMatchObject({ username: 'bob' });
      await resetPassword(store, { username: 'admin', password: 'admin password 1' }, 'test');
      setIdentn(store, { impersonation: false }, 'test');
      expect(await viewing()).toBeNull();
      // What the gateway does agrees: a request carries no one's identity without a sign-in.
      const res = await gw.request({ host: gw.host('open'), path: '/', headers: { accept: 'application/json' } });
      expect(res.status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});
