/**
 * SPEC §3 and §7: strangers' failures slow sign-in down but never lock a user out of their
 * own account; sign-up and "change my password" are regulated and capped like sign-in.
 * Regulation counts per username and client, the client being the OS user of a loopback
 * connection where the OS tells (Linux).
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { SLOWDOWN_MS } from '../../main/core/auth/regulation.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type StartOptions, type TestGateway } from '../helpers/gateway.js';
import { consoleSession } from '../helpers/sign-in.js';

const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0;
const NOBODY = 65534;
const ADMIN_PASSWORD = 'admin password 1';
const LOGINS = { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: ADMIN_PASSWORD, LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' };

const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
});

/** A gateway whose regulation records the waits it asks for instead of waiting. */
async function gateway(env: Record<string, string> = {}, options: StartOptions = {}) {
  const sleeps: number[] = [];
  const gw = await startGateway({
    env: { ...LOGINS, ...env },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  gateways.push(gw);
  return { gw, sleeps };
}

const post = (gw: TestGateway, path: string, body: unknown, headers: Record<string, string> = {}) =>
  gw.request({
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json', Origin: gw.origin(), ...headers },
    body: JSON.stringify(body),
  });

const signIn = (gw: TestGateway, username: string, password: string) =>
  post(gw, '/.latchkey/login', { username, password });

/** Runs `script` in a fresh node process as `uid` and returns what it printed last. */
function runAs(uid: number, script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 10_000, uid, gid: uid },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout.trim().split('\n').pop() as string);
      },
    );
  });
}

/** Posts BODIES (a JSON list) to PATH_ one after another; prints the statuses as JSON. */
const SEQUENTIAL_POSTS = `
const http = require('node:http');
const post = (body) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port: Number(process.env.PORT), path: process.env.PATH_, method: 'POST',
    headers: { Host: process.env.HOST_HEADER, 'Content-Type': 'application/json' }, setHost: false, agent: false },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', () => resolve(0));
  req.end(JSON.stringify(body));
});
(async () => {
  const statuses = [];
  for (const body of JSON.parse(process.env.BODIES)) statuses.push(await post(body));
  console.log(JSON.stringify(statuses));
})();
`;

describe('strangers never lock a user out of their own account', () => {
  it('failed sign-ins with random usernames never lock the admin out of their own account', async () => {
    const { gw, sleeps } = await gateway({ LATCHKEY_REGULATION_GLOBAL_MAX_RETRIES: '20' });
    for (let round = 0; round < 5; round += 1) {
      const batch = Array.from({ length: 8 }, (_, i) => signIn(gw, `spray-${round}-${i}`, 'wrong password'));
      for (const res of await Promise.all(batch)) expect(res.status).toBe(401);
    }
    sleeps.length = 0;
    const admin = await signIn(gw, 'admin', ADMIN_PASSWORD);
    expect(admin.status).toBe(200);
    // Slowed down, not refused: the overall rule made this sign-in wait before its check.
    expect(sleeps).toEqual([SLOWDOWN_MS]);
    expect(gw.core.store.regulation.activeBans(Date.now())).toEqual([]);
  });

  it('below the overall limit nobody is slowed down', async () => {
    const { gw, sleeps } = await gateway();
    await signIn(gw, 'someone', 'wrong password');
    expect((await signIn(gw, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    expect(sleeps).toEqual([]);
  });

  it.skipIf(!canSwitchUser)("another OS user's failures do not ban the owner", async () => {
    const { gw } = await gateway();
    const guesses = Array.from({ length: 5 }, (_, i) => ({ username: 'admin', password: `guess number ${i}` }));
    const out = await runAs(NOBODY, SEQUENTIAL_POSTS, {
      PORT: String(gw.port),
      PATH_: '/.latchkey/login',
      HOST_HEADER: gw.host(),
      BODIES: JSON.stringify(guesses),
    });
    // The guesser is banned after three...
    expect(JSON.parse(out)).toEqual([401, 401, 401, 429, 429]);
    const bans = gw.core.store.regulation.activeBans(Date.now());
    expect(bans.map((b) => `${b.username} ${b.client}`)).toEqual([`admin uid:${NOBODY}`]);
    // ...and the owner, another client, signs in with the right password.
    expect((await signIn(gw, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    // The bans list says who was banned; lifting a username lifts it for every client.
    const console = await consoleSession(gw, 'admin', ADMIN_PASSWORD);
    const listed = await gw.request({ path: '/api/v1/bans', headers: { cookie: console, Origin: gw.origin() } });
    expect(listed.json()).toMatchObject({ data: [{ username: 'admin', client: `uid:${NOBODY}` }] });
    const lifted = await post(gw, '/api/v1/bans/lift', { username: 'admin' }, { cookie: console });
    expect(lifted.json()).toEqual({ data: { lifted: true } });
    expect(gw.core.store.regulation.activeBans(Date.now())).toEqual([]);
  });

  it.skipIf(!canSwitchUser)('the owner failing for a username does not ban it for another OS user', async () => {
    const { gw } = await gateway();
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    for (let i = 0; i < 3; i += 1) await signIn(gw, 'ann', 'wrong password');
    expect((await signIn(gw, 'ann', 'ann password')).status).toBe(429);
    const out = await runAs(NOBODY, SEQUENTIAL_POSTS, {
      PORT: String(gw.port),
      PATH_: '/.latchkey/login',
      HOST_HEADER: gw.host(),
      BODIES: JSON.stringify([{ username: 'ann', password: 'ann password' }]),
    });
    expect(JSON.parse(out)).toEqual([200]);
  });

  it('a burst of guesses sent at once learns nothing once the guesses before it earned a ban', async () => {
    const { gw } = await gateway();
    await createUser(gw.core.store, { username: 'bob', password: 'bob password' }, 'test');
    // Every request passes the first ban check before any failure is recorded; the right
    // password rides at the end of the burst.
    const burst = Array.from({ length: 12 }, (_, i) => signIn(gw, 'bob', `guess number ${i}`));
    burst.push(signIn(gw, 'bob', 'bob password'));
    const statuses = (await Promise.all(burst)).map((r) => r.status);
    // Three checks were made (and failed); every other guess was refused unchecked.
    expect(statuses.filter((s) => s !== 429)).toEqual([401, 401, 401]);
  });
});

describe('sign-up is regulated and capped like sign-in', () => {
  const SIGNUP = { LATCHKEY_AUTH_INTERNAL_SIGNUP_ENABLED: 'true' };

  it('a sign-up flood creates no more accounts than regulation allows and an admin can still sign in', async () => {
    const { gw } = await gateway(SIGNUP);
    const before = gw.core.store.users.list().length;
    const flood = Array.from({ length: 300 }, (_, i) =>
      post(gw, '/.latchkey/signup', { username: `flood${i}`, password: 'flood password' }),
    );
    const admin = signIn(gw, 'admin', ADMIN_PASSWORD);
    const statuses = (await Promise.all(flood)).map((r) => r.status);
    expect((await admin).status).toBe(200);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(gw.core.store.users.list().length - before).toBe(3);
    expect(gw.core.store.regulation.activeBans(Date.now()).map((b) => b.username)).toEqual(['(sign-up)']);
  });

  it('two concurrent sign-ups for one username give one account and one 409', async () => {
    const { gw } = await gateway(SIGNUP);
    const both = await Promise.all(
      [1, 2].map((n) => post(gw, '/.latchkey/signup', { username: 'twin', password: `twin password ${n}` })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(gw.core.store.users.list().filter((u) => u.username === 'twin')).toHaveLength(1);
  });

  it('sign-up attempts count towards the overall slowdown', async () => {
    const { gw, sleeps } = await gateway({ ...SIGNUP, LATCHKEY_REGULATION_GLOBAL_MAX_RETRIES: '2' });
    await post(gw, '/.latchkey/signup', { username: 'first', password: 'first password' });
    await post(gw, '/.latchkey/signup', { username: 'second', password: 'second password' });
    sleeps.length = 0;
    expect((await signIn(gw, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    expect(sleeps).toEqual([SLOWDOWN_MS]);
  });
});

describe('"change my password" is no side door for guessing', () => {
  it('guessing the current password through change-password is banned and audited', async () => {
    const { gw } = await gateway();
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    const cookie = await consoleSession(gw, 'ann', 'ann password');
    const change = (currentPassword: string) =>
      post(gw, '/api/v1/account/password', { currentPassword, newPassword: 'a new password' }, { cookie });
    for (let i = 0; i < 3; i += 1) {
      const wrong = await change(`guess number ${i}`);
      expect(wrong.status).toBe(400);
      expect(wrong.json()).toMatchObject({ error: { code: 'PASSWORD_INVALID' } });
    }
    const banned = await change('ann password');
    expect(banned.status).toBe(429);
    expect(Number(banned.headers['retry-after'])).toBeGreaterThan(290);
    expect(banned.json()).toMatchObject({ error: { code: 'LOGIN_BANNED' } });
    // The same bucket as sign-in: the guesser cannot sign in as ann either.
    expect((await signIn(gw, 'ann', 'ann password')).status).toBe(429);
    const audit = gw.core.store.audit.list(20).map((e) => `${e.kind}:${e.subject}:${String(e.detail.via ?? '')}`);
    expect(audit.filter((e) => e === 'login.failed:ann:password.change')).toHaveLength(3);
    expect(audit).toContain('login.banned:ann:');
    // Nothing was changed, and another client is not banned.
    await expect(gw.core.auth.login.signIn('ann', 'a new password', 'uid:4242')).rejects.toMatchObject({
      code: 'LOGIN_FAILED',
    });
  });
});
