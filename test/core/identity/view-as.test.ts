import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGlobalViewAs, stopGlobalViewAs, VIEW_AS_MS } from '../../../main/core/auth/view-as.js';
import { createUser, setEnabled } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { appSession, consoleSession } from '../../helpers/sign-in.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';

const clock = manualClock();
let up: Upstream;

beforeAll(async () => {
  up = await startUpstream();
});
afterAll(() => up.close());

const apps = () => [
  { slug: 'tools', name: 'Admin Tools', upstream: up.url, allowRoles: ['Admin' as const] },
  { slug: 'open', upstream: up.url },
];

describe('view as, in impersonation mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ clock, apps: apps() });
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
  });
  afterAll(() => gw.close());

  const seen = async (slug: string) => gw.request({ host: gw.host(slug), path: '/echo' });

  it("asserts the user to every request, applies that user's policies, and stops", async () => {
    startGlobalViewAs(gw.core.store, 'ann', 'cli');
    const open = await seen('open');
    const headers = open.json<SeenRequest>().headers;
    expect(headers['x-forwarded-user']).toBe('ann');
    expect(headers['x-latchkey-impersonator']).toBe('admin');
    expect(decodeJwt(String(headers['x-latchkey-jwt-assertion']))).toMatchObject({ sub: 'ann', act: { sub: 'admin' } });
    expect((await seen('tools')).status).toBe(403);

    expect(stopGlobalViewAs(gw.core.store, 'cli')).toBe('ann');
    const back = await seen('tools');
    expect(back.status).toBe(200);
    expect(back.json<SeenRequest>().headers['x-latchkey-impersonator']).toBeUndefined();
    const audit = gw.core.store.audit.list(5).map((e) => [e.kind, e.actor, e.subject]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['viewas.started', 'admin', 'ann'],
        ['viewas.stopped', 'admin', 'ann'],
      ]),
    );
  });

  it('ends after an hour, or when the user is disabled; no chained view-as', async () => {
    startGlobalViewAs(gw.core.store, 'ann', 'cli');
    expect(() => startGlobalViewAs(gw.core.store, 'ann', 'cli')).toThrow(/already viewing as "ann"/);
    clock.advance(VIEW_AS_MS + 1);
    expect((await seen('open')).json<SeenRequest>().headers['x-forwarded-user']).toBe('admin');
    stopGlobalViewAs(gw.core.store, 'cli');

    startGlobalViewAs(gw.core.store, 'ann', 'cli');
    setEnabled(gw.core.store, 'ann', false, 'test');
    expect((await seen('open')).json<SeenRequest>().headers['x-forwarded-user']).toBe('admin');
    setEnabled(gw.core.store, 'ann', true, 'test');
    stopGlobalViewAs(gw.core.store, 'cli');
  });
});

describe('view as, with logins', () => {
  let gw: TestGateway;
  let adminCookie: string;
  beforeAll(async () => {
    gw = await startGateway({
      clock,
      apps: apps(),
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    adminCookie = await consoleSession(gw, 'admin', 'admin password 1');
  });
  afterAll(() => gw.close());

  const post = (path: string, cookie: string, body: unknown = {}) =>
    gw.request({
      method: 'POST',
      path,
      headers: { cookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("changes only that Admin's session, and the Admin may always stop", async () => {
    const tools = await appSession(gw, adminCookie, 'tools');
    expect((await gw.request({ host: gw.host('tools'), path: '/echo', headers: { cookie: tools } })).status).toBe(200);

    expect((await post('/api/v1/view-as', adminCookie, { username: 'ann' })).json()).toMatchObject({
      data: { username: 'ann' },
    });
    const refused = await gw.request({
      host: gw.host('tools'),
      path: '/echo',
      headers: { cookie: tools, accept: 'text/html' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('viewed by admin');

    const otherAdmin = await consoleSession(gw, 'admin', 'admin password 1');
    const untouched = await appSession(gw, otherAdmin, 'tools');
    expect((await gw.request({ host: gw.host('tools'), path: '/echo', headers: { cookie: untouched } })).status).toBe(
      200,
    );

    expect((await post('/api/v1/view-as/stop', adminCookie)).status).toBe(200);
    expect((await gw.request({ host: gw.host('tools'), path: '/echo', headers: { cookie: tools } })).status).toBe(200);
  });

  it('is refused to a user who is not an Admin, and from a foreign origin', async () => {
    const ann = await consoleSession(gw, 'ann', 'ann password');
    expect((await post('/api/v1/view-as', ann, { username: 'admin' })).status).toBe(403);
    const foreign = await gw.request({
      method: 'POST',
      path: '/api/v1/view-as',
      headers: { cookie: adminCookie, Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ann' }),
    });
    expect(foreign.status).toBe(403);
  });

  it('has no HTTP route in impersonation mode', async () => {
    const impersonating = await startGateway({ apps: apps() });
    try {
      const res = await impersonating.request({
        method: 'POST',
        path: '/api/v1/view-as',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'admin' }),
      });
      expect(res.status).toBe(401);
    } finally {
      await impersonating.close();
    }
  });
});
