import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_TYP } from '../../../main/core/auth/sessions.js';
import { loadSessionKey } from '../../../main/core/auth/session-key.js';
import { sessionCookieName } from '../../../main/core/gateway/cookies.js';
import { setIdentn } from '../../../main/core/identn-service.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { loadConfig } from '../../../main/core/config/config.js';
import { createUser, deleteUser, resetPassword, setEnabled, setRole } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const clock = manualClock();
let up: Upstream;
let gw: TestGateway;
/** A second connection to the same database: what the CLI, another process, looks like. */
let other: Store;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    clock,
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    apps: [{ slug: 'grafana', upstream: up.url }],
  });
  other = await openStore({ dataDir: gw.dataDir, config: loadConfig({ dataDir: gw.dataDir, env: {} }), clock });
});
afterAll(async () => {
  other.close();
  await gw.close();
  await up.close();
});

let n = 0;
/** A fresh user signed in on the console host; returns the cookie to send. */
async function signedInUser(role: 'Admin' | 'ReadOnly' = 'ReadOnly') {
  n += 1;
  const username = `user${n}`;
  await createUser(gw.core.store, { username, password: 'password ' + n, role }, 'test');
  const res = await gw.request({
    method: 'POST',
    path: '/.latchkey/login',
    headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
    body: JSON.stringify({ username, password: 'password ' + n }),
  });
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
  return { username, cookie, password: 'password ' + n };
}

/** A request that needs a live session: the console API's own-account config. */
const home = (cookie: string) => gw.request({ host: gw.host(), path: '/api/v1/config', headers: { cookie } });

describe('a session ends on the next request after', () => {
  beforeEach(() => clock.advance(1_000));

  it('logout', async () => {
    const { cookie } = await signedInUser();
    expect((await home(cookie)).status).toBe(200);
    await gw.request({ method: 'POST', path: '/.latchkey/logout', headers: { cookie, Origin: gw.origin() } });
    expect((await home(cookie)).status).toBe(401);
  });

  it('a password reset by another process (the CLI)', async () => {
    const { username, cookie } = await signedInUser();
    await resetPassword(other, { username, password: 'a new password' }, 'cli');
    expect((await home(cookie)).status).toBe(401);
  });

  it("the user's own password change, which keeps the changing browser signed in", async () => {
    const first = await signedInUser();
    const second = await gw.request({
      method: 'POST',
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
      body: JSON.stringify({ username: first.username, password: first.password }),
    });
    const secondCookie = String(second.headers['set-cookie']).split(';')[0] as string;
    const change = await gw.request({
      method: 'POST',
      path: '/api/v1/account/password',
      headers: { cookie: first.cookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ currentPassword: first.password, newPassword: 'brand new password' }),
    });
    expect(change.status).toBe(200);
    expect(change.json()).toEqual({ data: { changed: true } });
    expect((await home(secondCookie)).status).toBe(401);
    expect((await home(first.cookie)).status).toBe(200);
  });

  it('disabling, by another process', async () => {
    const { username, cookie } = await signedInUser();
    setEnabled(other, username, false, 'cli');
    expect((await home(cookie)).status).toBe(401);
  });

  it('deleting', async () => {
    const { username, cookie } = await signedInUser();
    deleteUser(other, username, 'cli');
    expect((await home(cookie)).status).toBe(401);
  });

  it('a role change', async () => {
    const { username, cookie } = await signedInUser();
    setRole(other, username, 'Admin', 'cli');
    expect((await home(cookie)).status).toBe(401);
  });

  it('12 hours idle, or 7 days in all', async () => {
    const idle = await signedInUser();
    clock.advance(12 * 3_600_000);
    expect((await home(idle.cookie)).status).toBe(401);

    const busy = await signedInUser();
    for (let hour = 0; hour < 7 * 24; hour += 6) {
      clock.advance(6 * 3_600_000);
      expect((await home(busy.cookie)).status, `after ${hour + 6} h`).toBe(hour + 6 >= 7 * 24 ? 401 : 200);
    }
  });
});

describe('session tokens', () => {
  async function withToken(token: string) {
    return home(`${sessionCookieName(gw.port)}=${token}`);
  }

  async function validParts() {
    const { cookie } = await signedInUser();
    return cookie.split('=')[1] as string;
  }

  it('alg none is refused', async () => {
    const token = new UnsecuredJWT({ sid: 'x' })
      .setAudience(gw.origin())
      .setIssuer('latchkey')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expect((await withToken(token)).status).toBe(401);
  });

  it('a flipped byte in the signature is refused', async () => {
    const token = await validParts();
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(await withToken(token.slice(0, -2) + last + token.at(-1))).toMatchObject({ status: 401 });
  });

  it('a token for another host (audience) is refused', async () => {
    const token = await validParts();
    const res = await gw.request({
      host: gw.host('grafana'),
      path: '/',
      headers: { cookie: `${sessionCookieName(gw.port)}=${token}` },
    });
    expect(res.status).toBe(401);
  });

  const key = () => loadSessionKey(gw.dataDir);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: SESSION_TYP, ...header });

  it('a wrong typ, a missing exp, an expired token and a future iat are refused', async () => {
    const { cookie } = await signedInUser();
    const { sid, peer } = JSON.parse(
      Buffer.from((cookie.split('=')[1] as string).split('.')[1] as string, 'base64url').toString(),
    ) as { sid: string; peer?: string };
    const now = Math.floor(clock.now() / 1000);
    const base = { sid, peer, iss: 'latchkey', aud: gw.origin() };
    const cases = {
      'wrong typ': await sign({ ...base, iat: now, exp: now + 600 }, { typ: 'JWT' }).sign(key()),
      'missing exp': await sign({ ...base, iat: now }).sign(key()),
      expired: await sign({ ...base, iat: now - 600, exp: now - 1 }).sign(key()),
      'future iat': await sign({ ...base, iat: now + 3600, exp: now + 7200 }).sign(key()),
      'HS512 not allowed': await new SignJWT({ ...base, iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: 'HS512', typ: SESSION_TYP })
        .sign(key()),
      'an oversized token': `${'a'.repeat(2_000)}.${'b'.repeat(2_000)}.c`,
      ...(process.platform === 'linux'
        ? {
            // Where the OS tells who owns a connection, a token bound to no OS user (one
            // from before bindings existed) holds nowhere: users sign in again.
            'no peer claim': await sign({ sid, iss: 'latchkey', aud: gw.origin(), iat: now, exp: now + 600 }).sign(
              key(),
            ),
            'another OS user in the peer claim': await sign({
              ...base,
              peer: 'uid:65534',
              iat: now,
              exp: now + 600,
            }).sign(key()),
          }
        : {}),
    };
    for (const [name, token] of Object.entries(cases)) {
      expect((await withToken(token)).status, name).toBe(401);
    }
    expect((await withToken('a'.repeat(100_000))).status, 'a 100 KB token').toBe(431);
    // The same claims, correctly signed, pass: the refusals above are the attacks, not the setup.
    expect((await withToken(await sign({ ...base, iat: now, exp: now + 600 }).sign(key()))).status).toBe(200);
  });

  it('a token from another install is refused', async () => {
    const elsewhere = tempDataDir();
    const foreignKey = loadSessionKey(elsewhere.dir);
    elsewhere.remove();
    const now = Math.floor(clock.now() / 1000);
    const token = await sign({ sid: 'x', iss: 'latchkey', aud: gw.origin(), iat: now, exp: now + 600 }).sign(
      foreignKey,
    );
    expect((await withToken(token)).status).toBe(401);
  });
});

describe('switching modes at run time', () => {
  it('applies to the next request, and no request in flight fails', async () => {
    const upstreamOnly = await startGateway({ apps: [{ slug: 'grafana', upstream: up.url }] });
    try {
      const store = upstreamOnly.core.store;
      await resetPassword(store, { username: 'admin', password: 'admin password 2' }, 'test');
      let stop = false;
      const statuses: number[] = [];
      const loop = (async () => {
        while (!stop) {
          const res = await upstreamOnly.request({ host: upstreamOnly.host('grafana'), path: '/echo' });
          statuses.push(res.status);
        }
      })();
      const until = async (done: () => boolean) => {
        for (const deadline = Date.now() + 5_000; !done() && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await until(() => statuses.length >= 5);
      setIdentn(store, { impersonation: false }, 'test');
      const afterFlip = await upstreamOnly.request({ host: upstreamOnly.host('grafana'), path: '/echo' });
      expect(afterFlip.status).toBe(401);
      const flippedAt = statuses.length;
      await until(() => statuses.length >= flippedAt + 5);
      setIdentn(store, { impersonation: true }, 'test');
      expect((await upstreamOnly.request({ host: upstreamOnly.host('grafana'), path: '/echo' })).status).toBe(200);
      stop = true;
      await loop;
      expect(statuses).toContain(401);
      expect(statuses.every((s) => s === 200 || s === 401)).toBe(true);
    } finally {
      await upstreamOnly.close();
    }
  });

  it('the login page does not exist while impersonation is on', async () => {
    const impersonating = await startGateway();
    try {
      const res = await impersonating.request({ path: '/.latchkey/login', headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(res.body).toContain('impersonation mode');
    } finally {
      await impersonating.close();
    }
  });
});
