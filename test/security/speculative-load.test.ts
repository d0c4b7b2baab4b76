/**
 * SPEC §7: a foreign page can ask the browser to prefetch or prerender any address
 * (speculation rules, `<link rel=prefetch>`). Such a request arrives with
 * `Sec-Fetch-Site: none` and `Sec-Fetch-Mode: navigate`, as if the user had typed the
 * address, so in impersonation mode it would act as the root admin. It is refused with a
 * status that makes the browser drop it; the real navigation that follows is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, rawExchange, reached, statusesOf } from './support.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/** What Chromium sends for a navigation the user did not start from a page (address bar, prerender). */
const NAVIGATION = { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' };

async function expectDropped(headers: Record<string, string>) {
  const mark = marker('speculative');
  const res = await gw.request({ host: gw.host('echo'), path: `/echo?${mark}`, headers });
  expect(res.status, JSON.stringify(headers)).toBe(503);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toContain('prefetch');
  expect(reached(up, mark)).toEqual([]);
}

describe('speculative loads are never served as the user in impersonation mode', () => {
  it('a speculation-rules prerender (Sec-Fetch-Site: none, Sec-Purpose: prefetch;prerender) from a foreign page does not reach the app as admin', async () => {
    await expectDropped({ ...NAVIGATION, 'Sec-Purpose': 'prefetch;prerender' });
  });

  it('a speculation-rules prefetch (Sec-Purpose: prefetch, also with anonymous-client-ip, any case) does not reach the app', async () => {
    await expectDropped({ ...NAVIGATION, 'Sec-Purpose': 'prefetch' });
    await expectDropped({ ...NAVIGATION, 'Sec-Purpose': 'Prefetch;anonymous-client-ip' });
    await expectDropped({ 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Purpose': 'prefetch' });
  });

  it('legacy prefetch marks (Purpose: prefetch, X-Purpose: preview, X-Moz: prefetch) do not reach the app', async () => {
    await expectDropped({ ...NAVIGATION, Purpose: 'prefetch' });
    await expectDropped({ ...NAVIGATION, 'X-Purpose': 'preview' });
    await expectDropped({ 'X-Moz': 'prefetch' });
  });

  it('a WebSocket upgrade marked as a prefetch is refused before the upstream', async () => {
    const mark = marker('speculative-ws');
    const reply = await rawExchange(
      gw.port,
      `GET /${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nSec-Purpose: prefetch\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusesOf(reply.text)[0]).toBe(503);
    expect(reached(up, mark)).toEqual([]);
  });

  it('the real navigation that follows the refused prefetch is served as the user', async () => {
    const mark = marker('navigation');
    const res = await gw.request({ host: gw.host('echo'), path: `/echo?${mark}`, headers: NAVIGATION });
    expect(res.status).toBe(200);
    expect(reached(up, mark)).toHaveLength(1);
    await expectStillServing(gw, up);
  });
});

describe('with logins on, a prefetch carries only what the browser sends', () => {
  it('is not refused for its mark (the session, not the mode, says who it is)', async () => {
    const logins = await startGateway({
      apps: [{ slug: 'echo', upstream: up.url, publicPaths: ['/echo'] }],
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    try {
      const res = await logins.request({
        host: logins.host('echo'),
        path: '/echo',
        headers: { ...NAVIGATION, 'Sec-Purpose': 'prefetch' },
      });
      expect(res.status).toBe(200);
    } finally {
      await logins.close();
    }
  });
});
