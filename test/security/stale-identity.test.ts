/**
 * SPEC §6: the signed assertion carries the identity of the request it rides on. An
 * assertion reused from a cache keyed only by username would keep saying Admin after
 * the user was demoted, while X-Forwarded-Groups already said ReadOnly; an upstream that
 * verifies the assertion (the stronger choice) would still grant Admin.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser, deleteUser, setRole } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [{ slug: 'echo', upstream: up.url }],
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/** What the upstream saw: the role header and the role inside the assertion. */
async function rolesSeen(token: string): Promise<{ header: unknown; asserted: unknown }> {
  const res = await gw.request({
    host: gw.host('echo'),
    path: '/echo',
    headers: { 'X-Latchkey-Authorization': token },
  });
  expect(res.status).toBe(200);
  const headers = res.json<SeenRequest>().headers;
  return {
    header: headers['x-forwarded-groups'],
    asserted: decodeJwt(String(headers['x-latchkey-jwt-assertion'])).groups,
  };
}

describe('the signed assertion follows the identity of each request', () => {
  it('a demoted Admin gets no assertion that still says Admin (stale signer cache)', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'dora', password: 'dora password', role: 'Admin' }, 'test');
    const token = createToken(store, { username: 'dora', lifetimeMs: 3_600_000 }, 'test').token;
    expect(await rolesSeen(token)).toEqual({ header: 'Admin', asserted: ['Admin'] });
    setRole(store, 'dora', 'ReadOnly', 'test');
    expect(await rolesSeen(token)).toEqual({ header: 'ReadOnly', asserted: ['ReadOnly'] });
  });

  it('an Admin deleted and re-created as ReadOnly (new email) is asserted as the new user', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'eve', password: 'eve password', role: 'Admin' }, 'test');
    const first = createToken(store, { username: 'eve', lifetimeMs: 3_600_000 }, 'test').token;
    expect((await rolesSeen(first)).asserted).toEqual(['Admin']);
    deleteUser(store, 'eve', 'test');
    await createUser(store, { username: 'eve', password: 'eve password', email: 'eve@new.example' }, 'test');
    const second = createToken(store, { username: 'eve', lifetimeMs: 3_600_000 }, 'test').token;
    const res = await gw.request({
      host: gw.host('echo'),
      path: '/echo',
      headers: { 'X-Latchkey-Authorization': second },
    });
    const claims = decodeJwt(String(res.json<SeenRequest>().headers['x-latchkey-jwt-assertion']));
    expect(claims).toMatchObject({ sub: 'eve', email: 'eve@new.example', groups: ['ReadOnly'] });
  });
});
