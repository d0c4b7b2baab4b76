import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInput } from '../../../main/common/apps.js';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { createUser } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { appSession } from '../../helpers/sign-in.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';

let up: Upstream;
let impersonating: TestGateway;
let logins: TestGateway;
const credentials: Record<string, Record<string, string>> = {};

const apps = (url: string): AppInput[] => [
  { slug: 'open', upstream: url },
  { slug: 'admins', name: 'Admin Tools', upstream: url, allowRoles: ['Admin'], publicPaths: ['/healthz'] },
  { slug: 'ann-only', upstream: url, allowUsers: ['ann'] },
  { slug: 'readers', upstream: url, allowRoles: ['ReadOnly'] },
];

beforeAll(async () => {
  up = await startUpstream();
  impersonating = await startGateway({ apps: apps(up.url) });
  logins = await startGateway({
    apps: apps(up.url),
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
  const store = logins.core.store;
  await createUser(store, { username: 'ann', password: 'ann password' }, 'test');
  await createUser(store, { username: 'bob', password: 'bob password' }, 'test');
  for (const [username, password] of [
    ['admin', 'admin password 1'],
    ['ann', 'ann password'],
    ['bob', 'bob password'],
  ] as const) {
    const res = await logins.request({
      method: 'POST',
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: logins.origin() },
      body: JSON.stringify({ username, password }),
    });
    credentials[`session:${username}`] = { cookie: String(res.headers['set-cookie']).split(';')[0] as string };
  }
  for (const username of ['admin', 'ann', 'bob']) {
    const token = createToken(store, { username, lifetimeMs: 3_600_000 }, 'test').token;
    credentials[`token:${username}`] = { Authorization: `Bearer Latchkey-${token}` };
  }
});
afterAll(async () => {
  await impersonating.close();
  await logins.close();
  await up.close();
});

/** The expected status for each (who, app): 200 allowed, 403 refused by the policy. */
const MATRIX: Record<string, Record<string, number>> = {
  admin: { open: 200, admins: 200, 'ann-only': 403, readers: 403 },
  ann: { open: 200, admins: 403, 'ann-only': 200, readers: 200 },
  bob: { open: 200, admins: 403, 'ann-only': 403, readers: 200 },
};

describe('app policies: role × app × authenticator', () => {
  for (const slug of Object.keys(MATRIX.admin ?? {})) {
    it(`impersonation (the root Admin) → ${slug}`, async () => {
      const res = await impersonating.request({ host: impersonating.host(slug), path: '/echo' });
      expect(res.status).toBe(MATRIX.admin?.[slug]);
    });
  }

  for (const [who, row] of Object.entries(MATRIX)) {
    for (const [slug, expected] of Object.entries(row)) {
      it(`service-account token of ${who} → ${slug}: ${expected}`, async () => {
        const res = await logins.request({
          host: logins.host(slug),
          path: '/echo',
          headers: credentials[`token:${who}`],
        });
        expect(res.status).toBe(expected);
        if (expected === 200) expect(res.json<SeenRequest>().headers['x-forwarded-user']).toBe(who);
      });
    }
  }

  for (const [who, row] of Object.entries(MATRIX)) {
    it(`the session of ${who}, handed over to each app host, is held to the same policy`, async () => {
      for (const [slug, expected] of Object.entries(row)) {
        const cookie = await appSession(logins, credentials[`session:${who}`]?.cookie ?? '', slug);
        const res = await logins.request({ host: logins.host(slug), path: '/echo', headers: { cookie } });
        expect(res.status, `${who} → ${slug}`).toBe(expected);
      }
    });
  }

  it('a refused user gets a 403 page naming the app and the user, and the upstream sees nothing', async () => {
    const before = up.seen.length;
    const res = await logins.request({
      host: logins.host('admins'),
      path: '/secret',
      headers: { ...credentials['token:ann'], accept: 'text/html' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('No access to Admin Tools');
    expect(res.body).toContain('<strong>ann</strong>');
    expect(up.seen.length).toBe(before);
  });

  it('a public path needs no identity, matched on the normalized path and never the query', async () => {
    const anonymous = await logins.request({ host: logins.host('admins'), path: '/healthz' });
    expect(anonymous.status).toBe(200);
    expect(anonymous.json<SeenRequest>().headers['x-forwarded-user']).toBeUndefined();
    expect((await logins.request({ host: logins.host('admins'), path: '/healthz/deep' })).status).toBe(200);
    for (const path of ['/admin?next=/healthz', '/healthzz', '/healthz/../admin', '/healthz/%2e%2e/admin']) {
      expect((await logins.request({ host: logins.host('admins'), path })).status, path).toBe(401);
    }
  });
});
