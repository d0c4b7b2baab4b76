/**
 * SPEC §3: return addresses only ever lead to a gateway origin. `rd=/a/..//evil.com`
 * passed every check on the raw text, then resolved to `//evil.com`, which a browser reads
 * as another host: `Location: //evil.com` from the sign-in page, the form sign-in and the
 * hand-over callback, and the same navigation from the sign-in page's script. One table
 * of cases runs against both implementations (the script cannot import the gateway's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeLocalPath } from '../../main/core/gateway/return-address.js';
import { returnTo } from '../../renderer/src/login/return-to.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { consoleSession } from '../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const ORIGIN = 'http://latchkey.localhost:7780';

/** Return addresses that lead away once resolved, decoded or read by a lenient server. */
const LEADS_AWAY = [
  '/a/..//evil.com',
  '/a/../..//evil.com',
  '/a/%2e%2e//evil.com',
  '/a/%2E%2E//evil.com',
  '/a/.%2e//evil.com',
  '/.//evil.com',
  '/%2e//evil.com',
  '/a/../\\evil.com',
  '/a/..%2f%2fevil.com',
  '/a/../%2f/evil.com',
  '/a/../%252f%252fevil.com',
  '/%5Cevil.com',
  '/%255Cevil.com',
  '/..;//evil.com',
  '/a/..;//evil.com',
  '/%2e%2e;//evil.com',
  '/a/%252e%252e//evil.com',
  '/a/..\t//evil.com',
  '/a/..%09//evil.com',
  '/a/..\n//evil.com',
  '/a/..%0a//evil.com',
  '/\t/evil.com',
  '//evil.com',
  '/\\evil.com',
  'https://evil.com',
];

/** Ordinary return addresses, and what they resolve to. */
const KEPT: [string, string][] = [
  ['/', '/'],
  ['/apps?x=1', '/apps?x=1'],
  ['/a/../b', '/b'],
  ['/a/./b/', '/a/b/'],
  ['/d/abc?next=//x', '/d/abc?next=//x'],
  [
    '/.latchkey/handoff?target=http%3A%2F%2Fa.localhost%3A1%2Fd%2Fmy%2520dash&state=x',
    '/.latchkey/handoff?target=http%3A%2F%2Fa.localhost%3A1%2Fd%2Fmy%2520dash&state=x',
  ],
];

describe('one rule for every return address (gateway and sign-in page script)', () => {
  it.each(LEADS_AWAY)('open redirect through the return address: %j leads to / (gateway)', (rd) => {
    expect(safeLocalPath(rd)).toBe('/');
  });

  it.each(LEADS_AWAY)('open redirect through the return address: %j leads to / (sign-in page script)', (rd) => {
    expect(returnTo(`?rd=${encodeURIComponent(rd)}`, ORIGIN)).toBe('/');
  });

  it.each(KEPT)('%j is kept as %j by both', (rd, expected) => {
    expect(safeLocalPath(rd)).toBe(expected);
    expect(returnTo(`?rd=${encodeURIComponent(rd)}`, ORIGIN)).toBe(expected);
  });
});

describe('the gateway never answers Location: //evil.com', () => {
  let up: Upstream;
  let gw: TestGateway;
  let session: string;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      apps: [{ slug: 'echo', upstream: up.url }],
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    session = await consoleSession(gw, 'admin', 'admin password 1');
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  const ATTACKS = ['/a/..//evil.com', '/a/%2e%2e//evil.com', '/.//evil.com', '/..;//evil.com', '/a/../%2f/evil.com'];

  it.each(ATTACKS)('open redirect through the sign-in page (GET, signed in): rd=%j', async (rd) => {
    const res = await gw.request({
      path: `/.latchkey/login?rd=${encodeURIComponent(rd)}`,
      headers: { cookie: session },
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each(ATTACKS)('open redirect through the form sign-in (POST): rd=%j', async (rd) => {
    const res = await gw.request({
      method: 'POST',
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
      body: new URLSearchParams({ username: 'admin', password: 'admin password 1', rd }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each(ATTACKS)('open redirect through the hand-over (target path and callback rd): %j', async (rd) => {
    const state = 's'.repeat(24);
    const target = encodeURIComponent(`${gw.origin('echo')}${rd}`);
    const handoff = await gw.request({
      path: `/.latchkey/handoff?target=${target}&state=${state}`,
      headers: { cookie: session },
    });
    expect(handoff.status).toBe(303);
    const callback = new URL(String(handoff.headers.location));
    expect(callback.searchParams.get('rd')).toBe('/');
    // A tampered callback: the code is valid, the rd is the attacker's.
    callback.searchParams.set('rd', rd);
    const redeemed = await gw.request({
      host: gw.host('echo'),
      path: callback.pathname + callback.search,
      headers: { cookie: `latchkey_${gw.port}_state=${state}` },
    });
    expect(redeemed.status).toBe(303);
    expect(redeemed.headers.location).toBe('/');
  });
});
