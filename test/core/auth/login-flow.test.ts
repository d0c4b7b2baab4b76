import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../../../main/core/gateway/cookies.js';
import { browser } from '../../helpers/browser-client.js';
import { manualClock } from '../../helpers/clock.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../../helpers/upstream.js';
import { createUser } from '../../../main/core/users-service.js';

const ADMIN_PASSWORD = 'admin password 1';
const clock = manualClock();
let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    clock,
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: ADMIN_PASSWORD, LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    apps: [
      { slug: 'grafana', upstream: up.url },
      { slug: 'jupyter', upstream: up.url },
    ],
  });
  await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const json = (body: unknown) => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json' },
});

async function signIn(username: string, password: string) {
  const b = browser(gw.port);
  const res = await b.go(gw.host(), '/.latchkey/login', {
    ...json({ username, password }),
    headers: {
      'Content-Type': 'application/json',
      Origin: gw.origin(),
      'Sec-Fetch-Site': 'same-origin',
      'Sec-Fetch-Mode': 'cors',
    },
  });
  return { b, res };
}

describe('signing in on the console host', () => {
  it('JSON sign-in answers 200 and sets a host-only, HttpOnly, SameSite=Lax cookie named with the port', async () => {
    const { res } = await signIn('ann', 'ann password');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ data: { username: 'ann', role: 'ReadOnly' } });
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${sessionCookieName(gw.port)}=ey`));
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    expect(set).not.toMatch(/domain=/i);
  });

  it('a wrong password and an unknown user get the same answer', async () => {
    const wrong = await signIn('jupyter-user-that-exists-not', 'whatever password');
    const unknown = await signIn('ann', 'not her password');
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    expect(wrong.res.body).toBe(unknown.res.body);
    expect(wrong.res.headers['set-cookie']).toBeUndefined();
  });

  it('a form sign-in redirects to a local return address, never to another origin', async () => {
    for (const [rd, expected] of [
      ['/apps?x=1', '/apps?x=1'],
      ['//evil.com', '/'],
      ['/\\evil.com', '/'],
      ['https://evil.com', '/'],
      ['/%09/evil.com', '/'],
    ] as const) {
      const b = browser(gw.port);
      const res = await b.go(gw.host(), '/.latchkey/login', {
        method: 'POST',
        body: new URLSearchParams({ username: 'ann', password: 'ann password', rd }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(expected);
    }
  });

  it('a failed form sign-in shows the page again with the reason, as 401', async () => {
    const b = browser(gw.port);
    const res = await b.go(gw.host(), '/.latchkey/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'ann', password: 'wrong password!' }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
    });
    expect(res.status).toBe(401);
    expect(res.body).toContain('Wrong username or password.');
    expect(res.body).toContain('value="ann"');
  });

  it('refuses other content types with 415 and bad JSON with 400', async () => {
    const b = browser(gw.port);
    const text = await b.go(gw.host(), '/.latchkey/login', {
      method: 'POST',
      body: 'username=ann',
      headers: { 'Content-Type': 'text/plain', Origin: gw.origin() },
    });
    expect(text.status).toBe(415);
    const bad = await b.go(gw.host(), '/.latchkey/login', {
      method: 'POST',
      body: '{nope',
      headers: {
        'Content-Type': 'application/json',
        Origin: gw.origin(),
        Accept: 'application/json',
        'Sec-Fetch-Mode': 'cors',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_JSON' } });
  });
});

describe('one sign-in for every app host', () => {
  it('an API client without a session gets 401 JSON; a browser is sent to sign in', async () => {
    const api = await gw.request({ host: gw.host('grafana'), path: '/api/dashboards' });
    expect(api.status).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'NOT_SIGNED_IN' } });
    const b = browser(gw.port);
    const nav = await b.go(gw.host('grafana'), '/d/abc?orgId=1');
    expect(nav.status).toBe(303);
    const location = new URL(nav.headers.location as string);
    expect(location.origin).toBe(gw.origin());
    expect(location.pathname).toBe('/.latchkey/handoff');
    expect(location.searchParams.get('target')).toBe(`${gw.origin('grafana')}/d/abc?orgId=1`);
    expect(b.jar.get(gw.host('grafana'), `${sessionCookieName(gw.port)}_state`)).toBe(
      location.searchParams.get('state'),
    );
  });

  it('signs in once, then a second app host opens signed in; logout signs out of both', async () => {
    const b = browser(gw.port);
    const first = await b.follow(gw.host('grafana'), '/d/abc');
    expect(first.path).toMatch(/^\/\.latchkey\/login\?rd=/);
    expect(first.response.body).toContain('Sign in');

    const login = await b.go(gw.host(), '/.latchkey/login', {
      method: 'POST',
      body: new URLSearchParams({
        username: 'ann',
        password: 'ann password',
        rd: new URLSearchParams(first.path.split('?')[1]).get('rd') ?? '/',
      }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
    });
    expect(login.status).toBe(303);
    const back = await b.follow(gw.host(), login.headers.location as string);
    expect(back.host).toBe(gw.host('grafana'));
    expect(back.path).toBe('/d/abc');
    expect(back.response.status).toBe(200);
    expect(back.response.json<SeenRequest>().headers['x-forwarded-user']).toBe('ann');

    const second = await b.follow(gw.host('jupyter'), '/lab');
    expect(second.host).toBe(gw.host('jupyter'));
    expect(second.response.status).toBe(200);
    expect(second.response.json<SeenRequest>().headers['x-forwarded-user']).toBe('ann');
    // The gateway's cookie never reaches the app.
    expect(second.response.json<SeenRequest>().headers.cookie).toBeUndefined();

    const out = await b.go(gw.host('jupyter'), '/.latchkey/logout', {
      method: 'POST',
      headers: { Origin: gw.origin('jupyter'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(out.status).toBe(303);
    for (const slug of ['grafana', 'jupyter']) {
      const cookie = `${sessionCookieName(gw.port)}=${b.jar.get(gw.host(slug), sessionCookieName(gw.port)) ?? 'gone'}`;
      const after = await gw.request({ host: gw.host(slug), path: '/x', headers: { cookie } });
      expect(after.status).toBe(401);
    }
  });

  it('a hand-over code works once, for its own origin and state only', async () => {
    const { b } = await signIn('ann', 'ann password');
    const state = 'S'.repeat(24);
    const target = encodeURIComponent(`${gw.origin('grafana')}/`);
    const handoff = await b.go(gw.host(), `/.latchkey/handoff?target=${target}&state=${state}`);
    expect(handoff.status).toBe(303);
    const callback = new URL(handoff.headers.location as string);
    expect(callback.origin).toBe(gw.origin('grafana'));
    const path = callback.pathname + callback.search;

    const stateCookie = `${sessionCookieName(gw.port)}_state=${state}`;
    const onOtherApp = await gw.request({ host: gw.host('jupyter'), path, headers: { cookie: stateCookie } });
    expect(onOtherApp.status).toBe(400); // bound to grafana's origin, and now burnt
    const again = await gw.request({ host: gw.host('grafana'), path, headers: { cookie: stateCookie } });
    expect(again.status).toBe(400);

    const fresh = new URL(
      (await b.go(gw.host(), `/.latchkey/handoff?target=${target}&state=${state}`)).headers.location as string,
    );
    const wrongState = await gw.request({
      host: gw.host('grafana'),
      path: fresh.pathname + fresh.search,
      headers: { cookie: `${sessionCookieName(gw.port)}_state=${'T'.repeat(24)}` },
    });
    expect(wrongState.status).toBe(400);
  });

  it('refuses a hand-over to anything but an app host of this gateway', async () => {
    const { b } = await signIn('ann', 'ann password');
    for (const target of [
      'http://evil.com/',
      `http://grafana.localhost.evil.com:${gw.port}/`,
      `http://grafana.localhost:${gw.port + 1}/`,
      `https://grafana.localhost:${gw.port}/`,
      `http://latchkey.localhost:${gw.port}/`,
      'javascript:alert(1)',
    ]) {
      const res = await b.go(
        gw.host(),
        `/.latchkey/handoff?target=${encodeURIComponent(target)}&state=${'S'.repeat(24)}`,
      );
      expect(res.status, target).toBe(400);
    }
  });
});
