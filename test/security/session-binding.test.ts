/**
 * SPEC §7: browsers send a host's cookies to every port, so any loopback listener —
 * another OS user's too — can receive them. On Linux every session, console session,
 * console link and hand-over is bound to the OS user whose connection created it, and
 * another user may hold only so many connections in login mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import { PENDING_PER_SESSION } from '../../main/core/auth/handoff.js';
import { FOREIGN_CONNECTIONS_PER_USER } from '../../main/core/gateway/admission.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { appSession, consoleSession } from '../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { canSwitchUser, cookieOf, NOBODY, requestAs, runAs, type Answer } from './other-user.js';
import { marker, reached } from './support.js';

describe('in login mode, what a connection created is worth nothing over another OS user’s connection', () => {
  const ADMIN_PASSWORD = 'admin password 1';
  let lup: Upstream;
  let lgw: TestGateway;
  beforeAll(async () => {
    lup = await startUpstream();
    lgw = await startGateway({
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: ADMIN_PASSWORD, LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
      apps: [{ slug: 'echo', upstream: lup.url }],
    });
    await createUser(lgw.core.store, { username: 'mallory', password: 'mallory password', role: 'ReadOnly' }, 'test');
  });
  afterAll(async () => {
    await lgw?.close();
    await lup?.close();
  });

  const createIntruder = (uid: number | undefined, cookie: string, username: string) =>
    requestAs(uid, lgw, {
      method: 'POST',
      path: '/api/v1/users',
      headers: { cookie, Origin: lgw.origin(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password: 'intruder password', role: 'Admin' }),
    });

  it.skipIf(!canSwitchUser)(
    'a stolen Admin session cookie replayed by another OS user (uid 65534, root, Linux) is refused, and creates no Admin',
    async () => {
      const cookie = await consoleSession(lgw, 'admin', ADMIN_PASSWORD);
      const stolen = await createIntruder(NOBODY, cookie, 'intruder1');
      expect(stolen.status).toBe(401);
      expect(stolen.body).toContain('SESSION_REQUIRED');
      expect(lgw.core.store.users.findByUsername('intruder1')).toBeUndefined();
      expect((await requestAs(NOBODY, lgw, { path: '/api/v1/config', headers: { cookie } })).status).toBe(401);
      // The same cookie over the owner's own connection is the Admin: the refusal is the peer.
      expect((await createIntruder(undefined, cookie, 'created-by-owner')).status).toBe(200);
      expect(lgw.core.store.users.findByUsername('created-by-owner')).toBeDefined();
    },
  );

  it.skipIf(!canSwitchUser)(
    'a stolen app-host session cookie replayed by another OS user (root, Linux) reaches the app as nobody',
    async () => {
      const appCookie = await appSession(lgw, await consoleSession(lgw, 'admin', ADMIN_PASSWORD), 'echo');
      const own = marker('own-app');
      expect(
        (await lgw.request({ host: lgw.host('echo'), path: `/echo?${own}`, headers: { cookie: appCookie } })).status,
      ).toBe(200);
      expect(reached(lup, own)).toHaveLength(1);
      const mark = marker('stolen-app');
      const res = await requestAs(NOBODY, lgw, {
        host: lgw.host('echo'),
        path: `/echo?${mark}`,
        headers: { cookie: appCookie },
      });
      expect(res.status).toBe(401);
      expect(reached(lup, mark)).toEqual([]);
    },
  );

  it.skipIf(!canSwitchUser)(
    'a stolen console-session cookie (from a console link) replayed by another OS user (root, Linux) is refused',
    async () => {
      const link = new URL(mintConsoleLink(lgw.core.store, lgw.port));
      const redeemed = await lgw.request({
        method: 'POST',
        path: '/.latchkey/console',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: lgw.origin() },
        body: new URLSearchParams({ code: link.searchParams.get('code') ?? '' }).toString(),
      });
      expect(redeemed.status).toBe(303);
      const cookie = String(redeemed.headers['set-cookie']).split(';')[0] as string;
      const stolen = await createIntruder(NOBODY, cookie, 'intruder2');
      expect(stolen.status).toBe(401);
      expect(lgw.core.store.users.findByUsername('intruder2')).toBeUndefined();
      // Another user's logout does not end the owner's console session either.
      await requestAs(NOBODY, lgw, {
        method: 'POST',
        path: '/.latchkey/logout',
        headers: { cookie, Origin: lgw.origin() },
      });
      expect((await lgw.request({ path: '/api/v1/config', headers: { cookie } })).status).toBe(200);
    },
  );

  it.skipIf(!canSwitchUser)(
    'a console link POSTed by another OS user (root, Linux) is refused in login mode, and still opens the console for the owner',
    async () => {
      const link = new URL(mintConsoleLink(lgw.core.store, lgw.port));
      const form = {
        method: 'POST',
        path: '/.latchkey/console',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: lgw.origin() },
        body: new URLSearchParams({ code: link.searchParams.get('code') ?? '' }).toString(),
      };
      const stranger = await requestAs(NOBODY, lgw, form);
      expect(stranger.status).toBe(403);
      expect(stranger.body).toContain('PEER_NOT_OWNER');
      expect(cookieOf(stranger, `latchkey_${lgw.port}_console`)).toBeUndefined();
      expect((await lgw.request(form)).status).toBe(303);
    },
  );

  /** Another OS user signs in as themselves and asks the console host for a code to an app. */
  async function strangersCode(state: string) {
    const login = await requestAs(NOBODY, lgw, {
      method: 'POST',
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: lgw.origin() },
      body: JSON.stringify({ username: 'mallory', password: 'mallory password' }),
    });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login, `latchkey_${lgw.port}`) as string;
    const target = encodeURIComponent(`${lgw.origin('echo')}/`);
    const handoff = await requestAs(NOBODY, lgw, {
      path: `/.latchkey/handoff?target=${target}&state=${state}`,
      headers: { cookie },
    });
    expect(handoff.status).toBe(303);
    return new URL(String(handoff.headers.location));
  }

  it.skipIf(!canSwitchUser)(
    'login CSRF: a hand-over code minted over another OS user’s connection, redeemed by the owner’s browser with a planted state cookie, signs nobody in (root, Linux)',
    async () => {
      const state = 'p'.repeat(24);
      const callback = await strangersCode(state);
      const res = await lgw.request({
        host: lgw.host('echo'),
        path: callback.pathname + callback.search,
        headers: { cookie: `latchkey_${lgw.port}_state=${state}` },
      });
      expect(res.status).toBe(400);
      expect(res.body).toContain('HANDOFF_INVALID');
      expect(cookieOf(res as Answer, `latchkey_${lgw.port}`)).toBeUndefined();
    },
  );

  it.skipIf(!canSwitchUser)(
    'cookie tossing: an app-host session another OS user planted in the owner’s browser gives the owner no identity (root, Linux)',
    async () => {
      const state = 'q'.repeat(24);
      const callback = await strangersCode(state);
      const redeemed = await requestAs(NOBODY, lgw, {
        host: lgw.host('echo'),
        path: callback.pathname + callback.search,
        headers: { cookie: `latchkey_${lgw.port}_state=${state}` },
      });
      expect(redeemed.status).toBe(303);
      const planted = cookieOf(redeemed, `latchkey_${lgw.port}`) as string;
      expect(planted).toBeDefined();
      const mark = marker('planted');
      const res = await lgw.request({ host: lgw.host('echo'), path: `/echo?${mark}`, headers: { cookie: planted } });
      expect(res.status).toBe(401);
      expect(reached(lup, mark)).toEqual([]);
    },
  );

  it('codes minted again and again by one session do not cancel another session’s pending code', async () => {
    const victim = await consoleSession(lgw, 'admin', ADMIN_PASSWORD);
    const attacker = await consoleSession(lgw, 'mallory', 'mallory password');
    const handoff = (cookie: string, state: string) =>
      lgw.request({
        path: `/.latchkey/handoff?target=${encodeURIComponent(`${lgw.origin('echo')}/`)}&state=${state}`,
        headers: { cookie },
      });
    const victimState = 'v'.repeat(24);
    const pending = new URL(String((await handoff(victim, victimState)).headers.location));
    const attackerState = 'a'.repeat(24);
    const first = new URL(String((await handoff(attacker, attackerState)).headers.location));
    for (let i = 0; i < PENDING_PER_SESSION * 4; i += 1) {
      expect((await handoff(attacker, attackerState)).status).toBe(303);
    }
    const redeem = (url: URL, state: string) =>
      lgw.request({
        host: lgw.host('echo'),
        path: url.pathname + url.search,
        headers: { cookie: `latchkey_${lgw.port}_state=${state}` },
      });
    // The attacker's own oldest code made room for its newer ones; the victim's is intact.
    expect((await redeem(first, attackerState)).status).toBe(400);
    expect((await redeem(pending, victimState)).status).toBe(303);
  });
});

describe('another OS user cannot exhaust the gateway’s descriptors in login mode either', () => {
  it.skipIf(!canSwitchUser)(
    'idle connections from uid 65534 past its share are closed, and the owner is still served (root, Linux)',
    async () => {
      const lup = await startUpstream();
      const lgw = await startGateway({
        env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
        apps: [{ slug: 'echo', upstream: lup.url }],
      });
      try {
        const COUNT = FOREIGN_CONNECTIONS_PER_USER * 4;
        // Holds every connection open and idle; reports how many the gateway closed.
        const script = `
const net = require('node:net');
const count = Number(process.env.COUNT);
let connected = 0, closed = 0;
const report = () => { console.log(JSON.stringify({ connected, closed })); process.exit(0); };
for (let i = 0; i < count; i += 1) {
  const s = net.connect(Number(process.env.PORT), '127.0.0.1');
  s.on('connect', () => { connected += 1; });
  s.on('error', () => undefined);
  // A connection turned away with a reset may close before its connect is seen: count closes.
  s.on('close', () => { closed += 1; if (closed >= count - Number(process.env.CAP)) report(); });
}
setTimeout(report, 10000);
`;
        const flood = runAs(
          NOBODY,
          script,
          { PORT: String(lgw.port), COUNT: String(COUNT), CAP: String(FOREIGN_CONNECTIONS_PER_USER) },
          15_000,
        );
        const result = JSON.parse(await flood) as { closed: number };
        expect(COUNT - result.closed).toBeLessThanOrEqual(FOREIGN_CONNECTIONS_PER_USER);
        expect((await lgw.request({ path: '/api/v1/global/config' })).status).toBe(200);
      } finally {
        await lgw.close();
        await lup.close();
      }
    },
  );
});
