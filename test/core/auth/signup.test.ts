import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createUser } from '../../../main/core/users-service.js';

const LOGINS = { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' };
let open: TestGateway;
let closed: TestGateway;

beforeAll(async () => {
  open = await startGateway({
    env: { ...LOGINS, LATCHKEY_AUTH_INTERNAL_SIGNUP_ENABLED: 'true', LATCHKEY_AUTH_SIGNUP_DEFAULT_ROLE: 'ReadOnly' },
  });
  closed = await startGateway({ env: LOGINS });
});
afterAll(async () => {
  await open.close();
  await closed.close();
});

const signUp = (gw: TestGateway, body: Record<string, string>) =>
  gw.request({
    method: 'POST',
    path: '/.latchkey/signup',
    headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
    body: JSON.stringify(body),
  });

describe('self sign-up (auth.internal.signup-enabled, as in Pyroscope)', () => {
  it('is announced by /api/v1/global/config', async () => {
    const config = (g: TestGateway) => g.request({ path: '/api/v1/global/config' }).then((r) => r.json());
    expect(await config(open)).toMatchObject({ data: { signup: { enabled: true } } });
    expect(await config(closed)).toMatchObject({ data: { signup: { enabled: false } } });
  });

  it('creates a user with the default role and signs them in', async () => {
    const res = await signUp(open, { username: 'Newbie', password: 'newbie password' });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ data: { username: 'newbie', role: 'ReadOnly' } });
    expect(String(res.headers['set-cookie'])).toMatch(/^latchkey_\d+=ey/);
    expect(open.core.store.audit.list(5).map((e) => e.kind)).toEqual(expect.arrayContaining(['user.created', 'login']));
  });

  it('refuses a taken username with 409 and a short password with 400', async () => {
    expect((await signUp(open, { username: 'admin', password: 'some password' })).status).toBe(409);
    expect((await signUp(open, { username: 'shorty', password: 'short' })).json()).toMatchObject({
      error: { code: 'PASSWORD_INVALID' },
    });
  });

  it('does not exist while sign-up is off', async () => {
    const res = await signUp(closed, { username: 'intruder', password: 'intruder password' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'SIGNUP_OFF' } });
    expect(closed.core.store.users.findByUsername('intruder')).toBeUndefined();
  });
});

describe("another user's email", () => {
  it("a stranger cannot sign up with the admin's email, in any case, so no app is told it is the admin", async () => {
    const gw = await startGateway({ env: { ...LOGINS, LATCHKEY_AUTH_INTERNAL_SIGNUP_ENABLED: 'true' } });
    try {
      const taken = await signUp(gw, {
        username: 'evil',
        password: 'evil password',
        email: 'Admin@LocalHost.LocalDomain',
      });
      expect(taken.status).toBe(409);
      expect(taken.json()).toMatchObject({ error: { code: 'USER_EXISTS', message: expect.stringMatching(/email/) } });
      expect(gw.core.store.users.findByUsername('evil')).toBeUndefined();
      // The console and the CLI, which create users through the same service, refuse it too.
      await expect(
        createUser(gw.core.store, { username: 'x', password: 'x password', email: 'ADMIN@localhost.localdomain' }, 't'),
      ).rejects.toMatchObject({ code: 'USER_EXISTS' });
    } finally {
      await gw.close();
    }
  });
});
