import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftBan } from '../../../main/core/auth/regulation.js';
import { createUser, resetPassword } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const clock = manualClock();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    clock,
    sleep: () => Promise.resolve(),
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
  });
  for (const name of ['bob', 'carol', 'dave'])
    await createUser(gw.core.store, { username: name, password: `${name} password` }, 'test');
});
afterAll(() => gw.close());

const attempt = (username: string, password: string, extra: Record<string, string> = {}) =>
  gw.request({
    method: 'POST',
    path: '/.latchkey/login',
    headers: { 'Content-Type': 'application/json', Origin: gw.origin(), ...extra },
    body: JSON.stringify({ username, password }),
  });

describe('regulation (Authelia defaults: 3 failures in 2 min ban for 5 min)', () => {
  it('bans a username after three failures, even with the right password, until the ban ends', async () => {
    for (let i = 0; i < 3; i += 1) expect((await attempt('bob', 'wrong password')).status).toBe(401);
    expect(gw.core.store.regulation.activeBans(clock.now())).toMatchObject([
      { username: 'bob', client: process.platform === 'linux' ? `uid:${process.getuid?.()}` : 'unknown' },
    ]);
    const banned = await attempt('bob', 'bob password');
    expect(banned.status).toBe(429);
    expect(Number(banned.headers['retry-after'])).toBeGreaterThan(290);
    expect(banned.json()).toMatchObject({ error: { code: 'LOGIN_BANNED' } });
    clock.advance(5 * 60_000 + 1_000);
    expect((await attempt('bob', 'bob password')).status).toBe(200);
  });

  it('bans a username that does not exist the same way', async () => {
    for (let i = 0; i < 3; i += 1) await attempt('nobody', 'wrong password');
    expect((await attempt('nobody', 'wrong password')).status).toBe(429);
  });

  it('forgets failures older than the window', async () => {
    await attempt('carol', 'wrong password');
    await attempt('carol', 'wrong password');
    clock.advance(2 * 60_000 + 1_000);
    await attempt('carol', 'wrong password');
    expect((await attempt('carol', 'carol password')).status).toBe(200);
  });

  it('forwarding headers never change who the client is', async () => {
    for (let i = 0; i < 3; i += 1) {
      await attempt('dave', 'wrong password', { 'X-Forwarded-For': `10.0.0.${i}`, 'X-Real-IP': `10.0.1.${i}` });
    }
    expect((await attempt('dave', 'dave password', { 'X-Forwarded-For': '10.9.9.9' })).status).toBe(429);
  });

  it('an Admin or the CLI lifts a ban; reset-password --enable does too; all of it is audited', async () => {
    expect(liftBan(gw.core.store, 'dave', 'cli')).toBe(true);
    expect((await attempt('dave', 'dave password')).status).toBe(200);
    for (let i = 0; i < 3; i += 1) await attempt('dave', 'wrong password');
    expect((await attempt('dave', 'dave password')).status).toBe(429);
    await resetPassword(gw.core.store, { username: 'dave', password: 'dave new password', enable: true }, 'cli');
    expect((await attempt('dave', 'dave new password')).status).toBe(200);
    const kinds = gw.core.store.audit.list(100).map((e) => `${e.kind}:${e.subject}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['login.failed:dave', 'login.banned:dave', 'ban.lifted:dave', 'login:dave']),
    );
  });

  it('too many failures across usernames slow every sign-in down but refuse none (no ban on everyone)', async () => {
    clock.advance(10 * 60_000);
    for (let i = 0; i < 30; i += 1) await attempt(`spray${i}`, 'wrong password');
    expect((await attempt('carol', 'carol password')).status).toBe(200);
    expect(gw.core.store.regulation.activeBans(clock.now()).map((b) => b.username)).not.toContain('*');
  });
});
