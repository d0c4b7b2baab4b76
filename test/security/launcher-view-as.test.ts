/**
 * SPEC §4: while viewing as someone an Admin has exactly that user's rights in the apps.
 * The launcher (`apps.mine`) must offer what the gateway would let that user open, not
 * every app the Admin manages: else it names apps the viewed user's policy does not
 * allow, and the console and the gateway disagree about who the Admin is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGlobalViewAs } from '../../main/core/auth/view-as.js';
import { createUser } from '../../main/core/users-service.js';
import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { consoleSession } from '../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

let up: Upstream;
beforeAll(async () => {
  up = await startUpstream();
});
afterAll(async () => {
  await up?.close();
});

const apps = (url: string) => [
  { slug: 'open', upstream: url },
  { slug: 'bobs', upstream: url, allowUsers: ['bob'] },
  { slug: 'admins', upstream: url, allowRoles: ['Admin' as const] },
];

async function mine(gw: TestGateway, cookie: string): Promise<string[]> {
  const res = await gw.request({ path: '/api/v1/apps/mine', headers: { cookie, Origin: gw.origin() } });
  expect(res.status).toBe(200);
  return res
    .json<{ data: { slug: string }[] }>()
    .data.map((a) => a.slug)
    .sort();
}

describe('the launcher follows view-as', () => {
  it('an Admin viewing as a user is offered only the apps that user may open (session view-as)', async () => {
    const gw = await startGateway({
      apps: apps(up.url),
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    try {
      await createUser(gw.core.store, { username: 'bob', password: 'bob password' }, 'test');
      const admin = await consoleSession(gw, 'admin', 'admin password 1');
      expect(await mine(gw, admin)).toEqual(['admins', 'bobs', 'open']);
      const start = await gw.request({
        method: 'POST',
        path: '/api/v1/view-as',
        headers: { cookie: admin, Origin: gw.origin(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bob' }),
      });
      expect(start.status).toBe(200);
      expect(await mine(gw, admin)).toEqual(['bobs', 'open']);
    } finally {
      await gw.close();
    }
  });

  it("a console link in impersonation mode is offered only the viewed user's apps (global view-as)", async () => {
    const gw = await startGateway({ apps: apps(up.url) });
    try {
      await createUser(gw.core.store, { username: 'bob', password: 'bob password' }, 'test');
      const link = new URL(mintConsoleLink(gw.core.store, gw.port));
      const opened = await gw.request({
        method: 'POST',
        path: '/.latchkey/console',
        headers: { Origin: gw.origin(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code: link.searchParams.get('code') ?? '' }).toString(),
      });
      expect(opened.status).toBe(303);
      const cookie = String(opened.headers['set-cookie']).split(';')[0] as string;
      expect(await mine(gw, cookie)).toEqual(['admins', 'bobs', 'open']);
      startGlobalViewAs(gw.core.store, 'bob', 'test');
      expect(await mine(gw, cookie)).toEqual(['bobs', 'open']);
    } finally {
      await gw.close();
    }
  });
});
