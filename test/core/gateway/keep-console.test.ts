import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setIdentn } from '../../../main/core/identn-service.js';
import { createUser, resetPassword } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { consoleSession } from '../../helpers/sign-in.js';

let gw: TestGateway;

beforeEach(async () => {
  gw = await startGateway();
  await resetPassword(gw.core.store, { username: 'admin', password: 'a chosen one' }, 'cli');
  setIdentn(gw.core.store, { impersonation: false }, 'cli');
});
afterEach(async () => {
  await gw?.close();
});

const api = (method: 'GET' | 'POST', path: string, cookie: string, body?: unknown) =>
  gw.request({
    method,
    path,
    headers: {
      cookie,
      Origin: gw.origin(),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const cookieOf = (setCookie: string | string[] | undefined) =>
  [setCookie ?? []].flat().find((c) => c.startsWith(`latchkey_${gw.port}_console=`));

describe('the one who flips the switch keeps the console', () => {
  it('an Admin signed in who turns impersonation on is not locked out of the console', async () => {
    const signedIn = await consoleSession(gw, 'admin', 'a chosen one');
    const flipped = await api('POST', '/api/v1/identn', signedIn, { impersonation: true });
    expect(flipped.status).toBe(200);
    const consoleCookie = cookieOf(flipped.headers['set-cookie']);
    expect(consoleCookie, 'a console session for the browser that flipped it').toBeDefined();
    expect(consoleCookie).toMatch(/HttpOnly/);
    expect(consoleCookie).toMatch(/SameSite=Strict/);
    const pair = (consoleCookie as string).split(';')[0] as string;
    expect((await api('GET', '/api/v1/users', pair)).status).toBe(200);
    // The sign-in alone no longer counts: sign-in is off.
    expect((await api('GET', '/api/v1/users', signedIn)).status).toBe(401);
  });

  it('a change that leaves sign-in on hands out no console session', async () => {
    const signedIn = await consoleSession(gw, 'admin', 'a chosen one');
    const res = await api('POST', '/api/v1/identn', signedIn, { apikey: true });
    expect(res.status).toBe(200);
    expect(cookieOf(res.headers['set-cookie'])).toBeUndefined();
  });

  it('a ReadOnly user cannot turn impersonation on to get a console session', async () => {
    await createUser(gw.core.store, { username: 'rita', password: 'rita password', role: 'ReadOnly' }, 'cli');
    const signedIn = await consoleSession(gw, 'rita', 'rita password');
    const res = await api('POST', '/api/v1/identn', signedIn, { impersonation: true });
    expect(res.status).toBe(403);
    expect(cookieOf(res.headers['set-cookie'])).toBeUndefined();
    expect(gw.core.state.current().identn.impersonation.enabled).toBe(false);
  });
});
