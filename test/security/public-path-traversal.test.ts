/**
 * SPEC §6 and §7: a public path (no identity needed) applies only to a path no upstream
 * could read as another. With public path `/healthz`, `GET /healthz/..%2fadmin` is under
 * `/healthz` to the gateway, but a server that decodes `%2f` (Python's http.server, nginx
 * `proxy_pass` with a URI, Node code using `new URL()`, which also turns `\` into `/`)
 * serves `/admin` without identity (Envoy CVE-2019-9901, oauth2-proxy CVE-2025-54576).
 * Such paths get no exception; whoever may use the app still reaches them unchanged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { marker, rawExchange, statusesOf } from './support.js';

/** What the decoding upstream understood each request as, by marker. */
const understood = new Map<string, string>();
let upstream: Server;
let gw: TestGateway;
let token: string;

/** Reads a path the lenient way many servers do: decode everything, then resolve it as a URL. */
function lenientPath(url: string): string {
  let path = new URL(url, 'http://upstream').pathname;
  for (let i = 0; i < 3; i += 1) {
    try {
      path = decodeURIComponent(path);
    } catch {
      path = unescape(path);
    }
    path = path.replace(/;[^/]*/g, '');
  }
  return new URL(path.normalize('NFKC'), 'http://upstream').pathname;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = lenientPath(url);
    const mark = /[?&](mark-[^&]+)/.exec(url)?.[1];
    if (mark) understood.set(mark, path);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(path === '/admin' ? 'ADMIN SECRET' : `ok ${path}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gw = await startGateway({
    apps: [{ slug: 'app', upstream: `http://127.0.0.1:${port}`, publicPaths: ['/healthz'] }],
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
  token = createToken(gw.core.store, { username: 'admin', lifetimeMs: 3_600_000 }, 'test').token;
});

afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** Sends `path` byte for byte (no client-side normalization), anonymously unless a token is given. */
async function send(path: string, withToken = false) {
  const mark = marker('mark');
  const auth = withToken ? `X-Latchkey-Authorization: ${token}\r\n` : '';
  const reply = await rawExchange(
    gw.port,
    `GET ${path}?${mark} HTTP/1.1\r\nHost: ${gw.host('app')}\r\n${auth}Connection: close\r\n\r\n`,
    3_000,
  );
  return { status: statusesOf(reply.text)[0], body: reply.text, seenAs: understood.get(mark) };
}

const TRAVERSALS = [
  '/healthz/..%2fadmin',
  '/healthz/..%2Fadmin',
  '/healthz/%2e%2e%2fadmin',
  '/healthz/..%5cadmin',
  '/healthz/..%5Cadmin',
  '/healthz\\..\\admin',
  '/healthz/..\\admin',
  '/healthz/..%252fadmin',
  '/healthz/..%25252fadmin',
  '/healthz/%252e%252e/admin',
  '/healthz/%25252e%25252e/admin',
  '/healthz/..;/admin',
  '/healthz/%2e%2e;/admin',
  '/healthz/..%3b/admin',
  '/healthz/..%00/admin',
  '/healthz/%c0%ae%c0%ae/admin',
  '/healthz/..%c0%afadmin',
  '/healthz/..%e0%80%afadmin',
  '/healthz/%u002e%u002e/admin',
  '/healthz/%ef%bc%8e%ef%bc%8e%ef%bc%8fadmin',
  '/healthz/..%3f/admin',
  '/healthz/..%23/admin',
  '/healthz/.../admin',
];

describe('a public path is no way around identity', () => {
  it.each(TRAVERSALS)(
    'encoded traversal past a public path: anonymous %s never reaches the upstream (CVE-2019-9901, CVE-2025-54576)',
    async (path) => {
      const { status, body, seenAs } = await send(path);
      expect(seenAs, `${path} reached the upstream as ${seenAs}`).toBeUndefined();
      expect(status).toBe(401);
      expect(body).not.toContain('ADMIN SECRET');
    },
  );

  it('the public path itself and what is below it stay public', async () => {
    expect(await send('/healthz')).toMatchObject({ status: 200, seenAs: '/healthz' });
    expect(await send('/healthz/live')).toMatchObject({ status: 200, seenAs: '/healthz/live' });
    expect(await send('/healthz/x/../ready')).toMatchObject({ status: 200, seenAs: '/healthz/ready' });
  });

  it('a path with an encoded slash is an ordinary app path: a signed-in client reaches it unchanged', async () => {
    const { status, seenAs } = await send('/healthz/..%2fadmin', true);
    expect(status).toBe(200);
    expect(seenAs).toBe('/admin');
  });
});
