import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../../main/core/auth/service-accounts.js';
import { createUser, setEnabled } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';

const clock = manualClock();
let up: Upstream;
let gw: TestGateway;
let token: string;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    clock,
    apps: [{ slug: 'grafana', upstream: up.url }],
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
  });
  await createUser(gw.core.store, { username: 'ci', password: 'ci password' }, 'test');
  token = createToken(gw.core.store, { username: 'ci', lifetimeMs: 3_600_000, description: 'pipeline' }, 'test').token;
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const ask = (headers: Record<string, string>, path = '/echo') =>
  gw.request({ host: gw.host('grafana'), path, headers });

describe('service-account tokens', () => {
  it.each([
    ['Authorization: Bearer Latchkey-<token>', (t: string) => ({ Authorization: `Bearer Latchkey-${t}` })],
    ['X-Latchkey-Authorization: <token>', (t: string) => ({ 'X-Latchkey-Authorization': t })],
    ['Authorization: Latchkey <token>', (t: string) => ({ Authorization: `Latchkey ${t}` })],
  ])('are accepted as %s, and the token never reaches the app', async (_name, headers) => {
    const res = await ask(headers(token));
    expect(res.status).toBe(200);
    const seen = res.json<SeenRequest>();
    expect(seen.headers['x-forwarded-user']).toBe('ci');
    expect(JSON.stringify(seen.rawHeaders)).not.toContain(token.split('.')[1]);
  });

  it('are never read from the URL or a cookie', async () => {
    expect((await ask({}, `/echo?access_token=${token}`)).status).toBe(401);
    expect((await ask({ Cookie: `token=${token}; latchkey_token=${token}` })).status).toBe(401);
  });

  it("leave an app's own Authorization: Bearer untouched", async () => {
    const res = await gw.request({
      host: gw.host('grafana'),
      path: '/echo',
      rawHeaders: ['X-Latchkey-Authorization', token, 'Authorization', 'Bearer app-own-token'],
    });
    expect(res.json<SeenRequest>().headers.authorization).toBe('Bearer app-own-token');
  });

  it('refuse a malformed, unknown or tampered token with 401 and a reason', async () => {
    for (const [bad, reason] of [
      ['not-a-token', 'malformed'],
      [`${token.slice(0, 16)}.${'A'.repeat(43)}`, 'not valid'],
      [`AAAAAAAAAAAAAAAA.${token.slice(17)}`, 'not valid'],
    ] as const) {
      const res = await ask({ Authorization: `Bearer Latchkey-${bad}` });
      expect(res.status).toBe(401);
      expect(res.json<{ error: { message: string } }>().error.message).toContain(reason);
    }
  });

  it('refuse an expired token with 401, and a revoked one from the next request on', async () => {
    const short = createToken(gw.core.store, { username: 'ci', lifetimeMs: 60_000 }, 'test');
    expect((await ask({ 'X-Latchkey-Authorization': short.token })).status).toBe(200);
    clock.advance(61_000);
    const expired = await ask({ 'X-Latchkey-Authorization': short.token });
    expect(expired.status).toBe(401);
    expect(expired.json<{ error: { message: string } }>().error.message).toBe('the token has expired');

    const doomed = createToken(gw.core.store, { username: 'ci', lifetimeMs: null }, 'test');
    expect((await ask({ 'X-Latchkey-Authorization': doomed.token })).status).toBe(200);
    revokeToken(gw.core.store, doomed.view.id, 'test');
    const revoked = await ask({ 'X-Latchkey-Authorization': doomed.token });
    expect(revoked.status).toBe(401);
    expect(revoked.json<{ error: { message: string } }>().error.message).toBe('the token was revoked');
  });

  it("refuse a disabled user's token with 403", async () => {
    await createUser(gw.core.store, { username: 'gone', password: 'gone password' }, 'test');
    const gone = createToken(gw.core.store, { username: 'gone', lifetimeMs: null }, 'test');
    setEnabled(gw.core.store, 'gone', false, 'test');
    expect((await ask({ 'X-Latchkey-Authorization': gone.token })).status).toBe(403);
  });

  it('are recorded with their creator and last use, and stored only as a hash', async () => {
    // Last use is written in batches, off the request path; the close of a batch is now.
    expect(gw.core.auth.bookkeeping.flush()).toBe(true);
    const row = gw.core.store.tokens.list().find((t) => t.description === 'pipeline');
    expect(row).toMatchObject({ createdBy: 'test', username: 'ci' });
    expect(row?.lastUsedAt).not.toBeNull();
    expect(row?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.secretHash).not.toContain(token.split('.')[1]);
  });

  it('never reach the control plane', async () => {
    const res = await gw.request({
      host: gw.host(),
      path: '/api/v1/users',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(res.status).toBe(401);
  });
});
