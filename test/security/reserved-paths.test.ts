/**
 * SPEC §0 and §6, security case 40: on an app host, `/.latchkey/…` and
 * `/.well-known/latchkey/jwks.json` are Latchkey's, never the app's. The decision must be
 * made on the path as the upstream will understand it: dot-segments and percent-encoded
 * dots must not smuggle a reserved path past the gateway (Envoy CVE-2019-9901), and no
 * client header can mark a request as internal (Next.js CVE-2025-29927).
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

/** Sends `path` verbatim (no client-side normalization) and expects it not to reach the app. */
async function expectNotProxied(path: string, statuses = [400, 404]) {
  const mark = marker('reserved');
  const target = `${path}${path.includes('?') ? '&' : '?'}${mark}`;
  const reply = await rawExchange(
    gw.port,
    `GET ${target} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nConnection: close\r\n\r\n`,
    2_000,
  );
  const [status] = statusesOf(reply.text);
  expect(reached(up, mark), `${path} reached the upstream (status ${status})`).toEqual([]);
  expect(statuses).toContain(status);
}

describe('reserved paths on an app host are never proxied', () => {
  it('/.latchkey/… is answered by the gateway, not proxied', async () => {
    // The forward-auth endpoint answers for itself: 200 with the identity, never the app's reply.
    await expectNotProxied('/.latchkey/auth', [200]);
    await expectNotProxied('/.latchkey/redeem');
  });

  it('Envoy CVE-2019-9901: /x/../.latchkey/… (a dot-segment) does not smuggle a reserved path to the app', async () => {
    await expectNotProxied('/x/../.latchkey/redeem');
  });

  it('/./.latchkey/… does not smuggle a reserved path to the app', async () => {
    await expectNotProxied('/./.latchkey/redeem');
  });

  it('/%2elatchkey/… and /%2Elatchkey/… (percent-encoded dot) do not smuggle a reserved path to the app', async () => {
    await expectNotProxied('/%2elatchkey/redeem');
    await expectNotProxied('/%2Elatchkey/redeem');
  });

  it('/x/%2e%2e/.latchkey/… (encoded dot-segment) does not smuggle a reserved path to the app', async () => {
    await expectNotProxied('/x/%2e%2e/.latchkey/redeem');
  });

  it("/.well-known/latchkey/jwks.json on an app host is Latchkey's, never the app's (no key substitution by an app)", async () => {
    await expectNotProxiedOrServed('/.well-known/latchkey/jwks.json');
  });

  it('the gateway still serves normal requests', async () => {
    await expectStillServing(gw, up);
  });
});

/** The JWKS path may be served by the gateway (200) but must never come from the upstream. */
async function expectNotProxiedOrServed(path: string) {
  const mark = marker('jwks');
  const reply = await rawExchange(
    gw.port,
    `GET ${path}?${mark} HTTP/1.1\r\nHost: ${gw.host('echo')}\r\nConnection: close\r\n\r\n`,
    2_000,
  );
  expect(reached(up, mark), `${path} reached the upstream`).toEqual([]);
  expect(statusesOf(reply.text)).toHaveLength(1);
}

describe('no client header marks a request as internal', () => {
  it('x-middleware-subrequest, X-Original-URL, X-Rewrite-URL are not forwarded (Next.js CVE-2025-29927)', async () => {
    const mark = marker('internal');
    const res = await gw.request({
      host: gw.host('echo'),
      path: `/echo?${mark}`,
      rawHeaders: [
        'X-Original-URL',
        '/.latchkey/redeem',
        'X-Rewrite-URL',
        '/.latchkey/redeem',
        'X-Original-URI',
        '/admin',
      ],
    });
    expect(res.status).toBe(200);
    const seen = reached(up, mark)[0];
    const names = (seen?.rawHeaders ?? []).filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const name of ['x-original-url', 'x-rewrite-url', 'x-original-uri']) expect(names).not.toContain(name);
  });
});
