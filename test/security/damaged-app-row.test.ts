/**
 * A stored app's policy columns are JSON. A row damaged by a hand edit, a failing disk or
 * a release that wrote another shape must never be read with a policy guessed from what
 * is left: a list stored as a string would be matched by substring, letting in a user or
 * an origin whose name is part of the allowed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { marker, reached } from './support.js';

let up: Upstream;

beforeAll(async () => {
  up = await startUpstream();
});
afterAll(async () => {
  await up?.close();
});

/** Writes a column of an app's row as another process (or a hand edit) could. */
function damage(gw: TestGateway, slug: string, column: string, value: string): void {
  gw.core.store.db.prepare(`UPDATE apps SET ${column} = ? WHERE slug = ?`).run(value, slug);
}

describe('logins: a damaged allow-users list', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      apps: [
        { slug: 'echo', upstream: up.url, allowUsers: ['alice-admin'] },
        { slug: 'other', upstream: up.url },
      ],
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('an allow-users list stored as a string lets in no user whose name is part of it (substring match)', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'alice', password: 'alice password' }, 'test');
    const { token } = createToken(store, { username: 'alice', lifetimeMs: 3_600_000 }, 'test');
    damage(gw, 'echo', 'allow_users', '"alice-admin"');
    const mark = marker('substring-user');
    const res = await gw.request({
      host: gw.host('echo'),
      path: `/echo/${mark}`,
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(res.status).toBe(404);
    expect(reached(up, mark)).toHaveLength(0);
  });

  it('a public-paths list holding an empty path does not make every path of the app public', async () => {
    damage(gw, 'echo', 'allow_users', '["alice-admin"]');
    damage(gw, 'echo', 'public_paths', '[""]');
    const mark = marker('empty-public-path');
    const res = await gw.request({ host: gw.host('echo'), path: `/echo/${mark}` });
    expect(res.status).not.toBe(200);
    expect(reached(up, mark)).toHaveLength(0);
  });

  it('a policy column that is not JSON leaves the other apps served, not every request 503', async () => {
    const store = gw.core.store;
    const { token } = createToken(store, { username: 'alice', lifetimeMs: 3_600_000 }, 'test');
    damage(gw, 'echo', 'public_paths', '[/public');
    const res = await gw.request({
      host: gw.host('other'),
      path: '/echo',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(res.status).toBe(200);
    const damaged = await gw.request({
      host: gw.host('echo'),
      path: '/echo',
      headers: { 'X-Latchkey-Authorization': token },
    });
    expect(damaged.status).toBe(404);
  });
});

describe('impersonation: a damaged allowed-origins list', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url, allowedOrigins: ['http://localhost:51730'] }] });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('an allowed-origins list stored as a string lets no origin that is part of it post (cross-site CSRF)', async () => {
    damage(gw, 'echo', 'allowed_origins', '"http://localhost:51730"');
    const mark = marker('substring-origin');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'POST',
      path: `/echo/${mark}`,
      headers: {
        origin: 'http://localhost:5173',
        'sec-fetch-site': 'same-site',
        'sec-fetch-mode': 'cors',
        'content-type': 'text/plain',
      },
      body: 'x',
    });
    expect(res.status).not.toBe(200);
    expect(reached(up, mark)).toHaveLength(0);
  });

  it('an allowed origin stored as "null" lets no sandboxed frame or file:// page post', async () => {
    damage(gw, 'echo', 'allowed_origins', '["null"]');
    const mark = marker('null-origin');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'POST',
      path: `/echo/${mark}`,
      headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).not.toBe(200);
    expect(reached(up, mark)).toHaveLength(0);
  });
});
