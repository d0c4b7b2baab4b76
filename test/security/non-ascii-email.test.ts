/**
 * SPEC §3: "nothing that could break a header line is ever asserted". An email such as
 * `jörg@example.com` was accepted, then every request of that user answered 500: Node
 * refuses a header value outside Latin-1 printable ASCII. It is refused wherever a user
 * is created, and a row that already holds one (an older database) never breaks a request.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

const LOGINS = {
  LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
  LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
  LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
  LATCHKEY_AUTH_INTERNAL_SIGNUP_ENABLED: 'true',
};
let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'grafana', upstream: up.url, headers: 'grafana' },
      { slug: 'remote', upstream: up.url, headers: 'remote' },
    ],
    env: LOGINS,
  });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

describe('an email that cannot be sent in a header', () => {
  it.each(['jörg@example.com', 'jorg@exämple.com', 'ann\u00a0b@example.com', 'ann@example.com\u2028'])(
    'is refused when an Admin or the CLI creates a user (%j)',
    async (email) => {
      await expect(
        createUser(gw.core.store, { username: 'jorg', password: 'jorg password', email }, 'test'),
      ).rejects.toThrow(/ASCII/);
    },
  );

  it('is refused at sign-up with a 400 that says why', async () => {
    const res = await gw.request({
      method: 'POST',
      path: '/.latchkey/signup',
      headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
      body: JSON.stringify({ username: 'jorg', password: 'jorg password', email: 'jörg@example.com' }),
    });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'USER_INVALID', message: expect.stringMatching(/ASCII/) } });
    expect(gw.core.store.users.findByUsername('jorg')).toBeUndefined();
  });

  it('is refused at start as auth.internal.admin.email, with one line naming the variable', async () => {
    await expect(
      startGateway({ env: { ...LOGINS, LATCHKEY_AUTH_INTERNAL_ADMIN_EMAIL: 'jörg@example.com' } }),
    ).rejects.toThrow(/LATCHKEY_AUTH_INTERNAL_ADMIN_EMAIL.*ASCII/);
  });

  it('a stored non-ASCII email (older database) never turns the user’s requests into 500s: the email headers are left out', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'joerg', password: 'joerg password' }, 'test');
    store.db.prepare('UPDATE users SET email = ? WHERE username = ?').run('jörg@example.com', 'joerg');
    const token = createToken(store, { username: 'joerg', lifetimeMs: 3_600_000 }, 'test').token;
    for (const slug of ['echo', 'grafana', 'remote']) {
      const res = await gw.request({
        host: gw.host(slug),
        path: '/echo',
        headers: { 'X-Latchkey-Authorization': token },
      });
      expect(res.status, slug).toBe(200);
      const headers = res.json<SeenRequest>().headers;
      expect(headers['x-forwarded-user']).toBe('joerg');
      expect(headers['x-forwarded-email']).toBeUndefined();
      expect(headers['x-webauth-email']).toBeUndefined();
      expect(headers['remote-email']).toBeUndefined();
      // The signed assertion is JSON: it carries the address as it is.
      expect(decodeJwt(String(headers['x-latchkey-jwt-assertion'])).email).toBe('jörg@example.com');
    }
    const auth = await gw.request({
      host: gw.host('echo'),
      path: '/.latchkey/auth',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(auth.status).toBe(200);
    expect(auth.headers['x-forwarded-user']).toBe('joerg');
  });

  it('a stored username no header can carry (older database) gets a 403 that says why, never a 500', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'umlaut', password: 'umlaut password' }, 'test');
    const token = createToken(store, { username: 'umlaut', lifetimeMs: 3_600_000 }, 'test').token;
    store.db.prepare('UPDATE users SET username = ? WHERE username = ?').run('ümlaut', 'umlaut');
    const res = await gw.request({
      host: gw.host('echo'),
      path: '/echo',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/cannot assert/) } });
  });
});
