/**
 * SPEC §6 and §8: an unknown app host answers 404 with the apps the requester may open,
 * never the whole list to anyone. With logins on, an anonymous local process must not
 * learn which tools run behind the gateway (names, slugs) from a made-up host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInput } from '../../main/common/apps.js';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

let up: Upstream;
let logins: TestGateway;
let impersonating: TestGateway;
const tokens: Record<string, string> = {};

const apps = (url: string): AppInput[] => [
  { slug: 'payroll', name: 'Payroll Secrets', upstream: url, allowRoles: ['Admin'] },
  { slug: 'wiki', name: 'Team Wiki', upstream: url },
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
  await createUser(logins.core.store, { username: 'ann', password: 'ann password' }, 'test');
  for (const username of ['admin', 'ann']) {
    tokens[username] = createToken(logins.core.store, { username, lifetimeMs: 3_600_000 }, 'test').token;
  }
});

afterAll(async () => {
  await logins?.close();
  await impersonating?.close();
  await up?.close();
});

async function unknownPage(gw: TestGateway, headers: Record<string, string> = {}): Promise<string> {
  const res = await gw.request({
    host: gw.host('no-such-app'),
    path: '/',
    headers: { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', ...headers },
  });
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toContain('text/html');
  return res.body;
}

describe('the unknown-app page lists only what the requester may open', () => {
  it('app enumeration: an anonymous request in login mode is shown no app names or slugs', async () => {
    const body = await unknownPage(logins);
    for (const leaked of ['Payroll Secrets', 'payroll.localhost', 'Team Wiki', 'wiki.localhost']) {
      expect(body).not.toContain(leaked);
    }
    expect(body).toContain('Sign in');
  });

  it('app enumeration: a request with a bad token is shown no app either', async () => {
    const body = await unknownPage(logins, { 'X-Latchkey-Authorization': 'not-a-token' });
    expect(body).not.toContain('Payroll Secrets');
    expect(body).not.toContain('Team Wiki');
  });

  it('a ReadOnly user sees the apps it may open and not the Admin-only one', async () => {
    const body = await unknownPage(logins, { 'X-Latchkey-Authorization': tokens.ann as string });
    expect(body).toContain('Team Wiki');
    expect(body).not.toContain('Payroll Secrets');
  });

  it('an Admin sees every app', async () => {
    const body = await unknownPage(logins, { 'X-Latchkey-Authorization': tokens.admin as string });
    expect(body).toContain('Team Wiki');
    expect(body).toContain('Payroll Secrets');
  });

  it("impersonation mode's root admin sees every app", async () => {
    const body = await unknownPage(impersonating);
    expect(body).toContain('Team Wiki');
    expect(body).toContain('Payroll Secrets');
  });

  it('a program gets a JSON 404 that names no app', async () => {
    const res = await logins.request({ host: logins.host('no-such-app'), path: '/' });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'APP_UNKNOWN', message: 'no app is called "no-such-app"' } });
  });
});
