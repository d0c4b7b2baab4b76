import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import type { TestGateway } from './gateway.js';

/** Signs in on the console host by JSON; returns the `name=value` of the session cookie. */
export async function consoleSession(gw: TestGateway, username: string, password: string): Promise<string> {
  const res = await gw.request({
    method: 'POST',
    path: '/.latchkey/login',
    headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${username} answered ${res.status}: ${res.body}`);
  return String(res.headers['set-cookie']).split(';')[0] as string;
}

/** Carries a console session to an app host through the hand-over, as a browser would. */
export async function appSession(gw: TestGateway, consoleCookie: string, slug: string): Promise<string> {
  const state = 's'.repeat(24);
  const target = encodeURIComponent(`${gw.origin(slug)}/`);
  const handoff = await gw.request({
    path: `/.latchkey/handoff?target=${target}&state=${state}`,
    headers: { cookie: consoleCookie },
  });
  const callback = new URL(String(handoff.headers.location));
  const redeemed = await gw.request({
    host: gw.host(slug),
    path: callback.pathname + callback.search,
    headers: { cookie: `latchkey_${gw.port}_state=${state}` },
  });
  const cookie = [redeemed.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`latchkey_${gw.port}=`));
  if (!cookie) throw new Error(`no session cookie from the hand-over to ${slug}: ${redeemed.status}`);
  return cookie.split(';')[0] as string;
}

/**
 * Opens a console session the way a browser does with the link `serve` prints: mints a
 * link, posts its code; returns the `name=value` of the console cookie.
 */
export async function consoleLinkSession(gw: TestGateway): Promise<string> {
  const code = new URL(mintConsoleLink(gw.core.store, gw.port)).searchParams.get('code') ?? '';
  const res = await gw.request({
    method: 'POST',
    path: '/.latchkey/console',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
    body: new URLSearchParams({ code }).toString(),
  });
  if (res.status !== 303) throw new Error(`the console link answered ${res.status}: ${res.body}`);
  return String(res.headers['set-cookie']).split(';')[0] as string;
}
