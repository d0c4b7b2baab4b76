/**
 * SPEC §6 and §7, security cases 36, 37 and 41: a client must never choose the identity
 * an app sees. Every identity header of every preset, in every spelling, is removed before
 * the gateway adds its own; Connection cannot remove what the gateway adds; inbound
 * forwarding headers are rebuilt; trailers are never forwarded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, statusOf, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, linesNamed, marker, normalizeName, rawExchange, reached } from './support.js';

/** An upstream that also records trailers and every byte it received on each connection. */
interface ByteUpstream {
  url: string;
  records: { url: string; rawHeaders: string[]; rawTrailers: string[]; bodyBytes: number }[];
  bytes(): string;
  close(): Promise<void>;
}

async function startByteUpstream(): Promise<ByteUpstream> {
  const records: ByteUpstream['records'] = [];
  const received: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      records.push({ url: req.url ?? '', rawHeaders: req.rawHeaders, rawTrailers: req.rawTrailers, bodyBytes });
      res.end('ok');
    });
  });
  server.on('connection', (socket) => socket.on('data', (c: Buffer) => received.push(c)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    bytes: () => Buffer.concat(received).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let up: Upstream;
let bytesUp: ByteUpstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  bytesUp = await startByteUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'graf', upstream: up.url, headers: 'grafana' },
      { slug: 'remote', upstream: up.url, headers: 'remote' },
      { slug: 'bytes', upstream: bytesUp.url },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  await bytesUp?.close();
});

const ATTACKER = 'attacker';

/** Sends a GET with the given raw header lines to `slug` and returns what the upstream saw. */
async function throughGateway(
  rawHeaders: string[],
  slug = 'echo',
  extra: Record<string, string> = {},
): Promise<SeenRequest> {
  const mark = marker('ident');
  const res = await gw.request({ host: gw.host(slug), path: `/echo?${mark}`, rawHeaders, headers: extra });
  expect(res.status).toBe(200);
  const seen = reached(up, mark);
  expect(seen).toHaveLength(1);
  return seen[0] as SeenRequest;
}

/** Nothing the attacker sent reached the upstream, in any header, under any name. */
function expectNoAttackerValue(seen: SeenRequest) {
  for (let i = 0; i < seen.rawHeaders.length; i += 2) {
    expect(seen.rawHeaders[i + 1], `header ${seen.rawHeaders[i]} carries the attacker's value`).not.toContain(ATTACKER);
  }
}

/** No raw header name that is an `_`/`.` alias of a reserved name reached the upstream. */
function expectNoAliases(seen: SeenRequest) {
  const aliases = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) {
    const name = seen.rawHeaders[i] as string;
    if (/[_.]/.test(name)) aliases.push(name);
  }
  expect(aliases).toEqual([]);
}

/** Exactly one line of `name` (in every spelling), whose value is `value`. */
function expectExactlyOne(seen: SeenRequest, name: string, value: string) {
  expect(linesNamed(seen, name).map(([, v]) => v)).toEqual([value]);
}

function expectOnlyGatewayIdentity(seen: SeenRequest) {
  expectExactlyOne(seen, 'x-forwarded-user', 'admin');
  expectExactlyOne(seen, 'x-forwarded-preferred-username', 'admin');
  expectExactlyOne(seen, 'x-forwarded-email', 'admin@localhost.localdomain');
  expectExactlyOne(seen, 'x-forwarded-groups', 'Admin');
  expect(linesNamed(seen, 'x-latchkey-jwt-assertion').length).toBeLessThanOrEqual(1);
  expect(linesNamed(seen, 'x-latchkey-impersonator')).toEqual([]);
  expectNoAttackerValue(seen);
  expectNoAliases(seen);
}

describe('client-supplied identity headers never reach an app', () => {
  const spoofs: [string, string[]][] = [
    ['X-Forwarded-User in canonical case', ['X-Forwarded-User', ATTACKER]],
    ['X-FORWARDED-USER in upper case', ['X-FORWARDED-USER', ATTACKER]],
    ['x-fOrWaRdEd-uSeR in mixed case', ['x-fOrWaRdEd-uSeR', ATTACKER]],
    ['X-Forwarded-User duplicated (two lines)', ['X-Forwarded-User', ATTACKER, 'X-Forwarded-User', 'attacker2']],
    ['X-Forwarded-User as a comma-joined list', ['X-Forwarded-User', `${ATTACKER}, admin`]],
    [
      'X_Forwarded_User, an underscore alias (oauth2-proxy GHSA-vjrc-mh2v-45x6 / CVE-2025-64484, Traefik GHSA-x677-9fxg-v5c5)',
      ['X_Forwarded_User', ATTACKER],
    ],
    ['x.forwarded.user, a dot alias (Traefik GHSA-rf44-j88r-hh8c)', ['x.forwarded.user', ATTACKER]],
    ['X-Forwarded_User, a mixed alias', ['X-Forwarded_User', ATTACKER]],
    [
      'X_FORWARDED_EMAIL / X.Forwarded.Groups / x_forwarded_preferred_username aliases',
      [
        'X_FORWARDED_EMAIL',
        `${ATTACKER}@evil.example`,
        'X.Forwarded.Groups',
        `${ATTACKER}-Admin`,
        'x_forwarded_preferred_username',
        ATTACKER,
      ],
    ],
    [
      'X-Forwarded-Email, -Groups and -Preferred-Username',
      [
        'X-Forwarded-Email',
        `${ATTACKER}@evil.example`,
        'X-Forwarded-Groups',
        `${ATTACKER}s`,
        'X-Forwarded-Preferred-Username',
        ATTACKER,
      ],
    ],
    [
      'Remote-User / Remote-Groups (Authelia threat model)',
      ['Remote-User', ATTACKER, 'Remote-Groups', `${ATTACKER}s`, 'remote_email', `${ATTACKER}@evil.example`],
    ],
    [
      'X-WEBAUTH-USER (Grafana auth proxy) and X_WEBAUTH_USER',
      ['X-WEBAUTH-USER', ATTACKER, 'X_WEBAUTH_USER', ATTACKER, 'X-Webauth-Role', `${ATTACKER}-Admin`],
    ],
    [
      'X-Auth-Request-User / -Email (oauth2-proxy) and X-Remote-User',
      ['X-Auth-Request-User', ATTACKER, 'X-Auth-Request-Email', `${ATTACKER}@evil.example`, 'X-Remote-User', ATTACKER],
    ],
    [
      "X-Latchkey-Jwt-Assertion, the gateway's own assertion (Pomerium signed-header docs)",
      [
        'X-Latchkey-Jwt-Assertion',
        `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ${ATTACKER}In0.`,
        'x_latchkey_jwt_assertion',
        ATTACKER,
      ],
    ],
    ['X-Latchkey-Impersonator (a fake "view as")', ['X-Latchkey-Impersonator', ATTACKER]],
  ];
  for (const [title, headers] of spoofs) {
    it(`identity spoofing: ${title} is stripped; the app sees exactly one X-Forwarded-User: admin`, async () => {
      const seen = await throughGateway(headers);
      expectOnlyGatewayIdentity(seen);
    });
  }

  it('identity spoofing on a POST with a body is stripped too', async () => {
    const mark = marker('ident-post');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'POST',
      path: `/echo?${mark}`,
      rawHeaders: ['X_Forwarded_User', ATTACKER, 'Remote-User', ATTACKER],
      body: 'payload',
    });
    expect(res.status).toBe(200);
    expectOnlyGatewayIdentity(reached(up, mark)[0] as SeenRequest);
  });

  it('Grafana preset: a spoofed X-WEBAUTH-USER (and its _ and . aliases) is replaced by exactly one gateway value (Caddy GHSA-7r4p-vjf4-gxv4)', async () => {
    const seen = await throughGateway(
      [
        'X-WEBAUTH-USER',
        ATTACKER,
        'x_webauth_user',
        ATTACKER,
        'X.WebAuth.Role',
        'Admin',
        'X-WEBAUTH-EMAIL',
        `${ATTACKER}@evil.example`,
      ],
      'graf',
    );
    expectExactlyOne(seen, 'x-webauth-user', 'admin');
    expectExactlyOne(seen, 'x-webauth-email', 'admin@localhost.localdomain');
    expectExactlyOne(seen, 'x-webauth-role', 'Admin');
    expectOnlyGatewayIdentity(seen);
  });

  it('Remote preset: a spoofed Remote-User (and Remote_User) is replaced by exactly one gateway value', async () => {
    const seen = await throughGateway(
      ['Remote-User', ATTACKER, 'Remote_User', ATTACKER, 'remote.groups', 'Admin'],
      'remote',
    );
    expectExactlyOne(seen, 'remote-user', 'admin');
    expectExactlyOne(seen, 'remote-groups', 'Admin');
    expectOnlyGatewayIdentity(seen);
  });

  it('identity spoofing on a WebSocket upgrade: the upstream handshake carries only the gateway identity', async () => {
    const mark = marker('ident-ws');
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/socket?${mark}`, {
        headers: {
          Host: gw.host('echo'),
          Origin: gw.origin('echo'),
          X_Forwarded_User: ATTACKER,
          'Remote-User': ATTACKER,
        },
        handshakeTimeout: 3_000,
      });
      ws.on('open', () => {
        ws.close();
        resolve();
      });
      ws.on('error', reject);
    });
    const seen = up.seen.filter((s) => s.method === 'WS' && s.url.includes(mark));
    expect(seen).toHaveLength(1);
    expectOnlyGatewayIdentity(seen[0] as SeenRequest);
  });

  it('identity spoofing in chunked trailers (Traefik GHSA-v67p-phpq-fc8x): no trailer and no attacker byte reaches the upstream', async () => {
    const mark = marker('trailer');
    const before = bytesUp.bytes().length;
    const reply = await rawExchange(
      gw.port,
      `POST /upload?${mark} HTTP/1.1\r\nHost: ${gw.host('bytes')}\r\nTransfer-Encoding: chunked\r\n` +
        `Trailer: X-Forwarded-User, X_Forwarded_User, Remote-User\r\nConnection: close\r\n\r\n` +
        `5\r\nhello\r\n0\r\nX-Forwarded-User: ${ATTACKER}\r\nX_Forwarded_User: ${ATTACKER}\r\nRemote-User: ${ATTACKER}\r\n\r\n`,
      2_000,
    );
    expect(statusOf(reply.text)).toBe(200);
    const record = bytesUp.records.find((r) => r.url.includes(mark));
    expect(record).toBeDefined();
    expect(record?.bodyBytes).toBe(5);
    expect(record?.rawTrailers).toEqual([]);
    const xfu = [];
    for (let i = 0; i < (record?.rawHeaders.length ?? 0); i += 2) {
      if (normalizeName(record?.rawHeaders[i] as string) === 'x-forwarded-user') xfu.push(record?.rawHeaders[i + 1]);
    }
    expect(xfu).toEqual(['admin']);
    const wire = bytesUp.bytes().slice(before);
    expect(wire).toContain(mark);
    expect(wire).not.toContain(ATTACKER);
    expect(wire.toLowerCase()).not.toContain('trailer:');
  });
});

describe('Connection-named and hop-by-hop headers (Traefik CVE-2024-45410, CVE-2021-32813)', () => {
  it("Connection: close, X-Forwarded-User does not remove the gateway's own X-Forwarded-User", async () => {
    const seen = await throughGateway(['Connection', 'close, X-Forwarded-User']);
    expectExactlyOne(seen, 'x-forwarded-user', 'admin');
    expectOnlyGatewayIdentity(seen);
  });

  it('Connection: keep-alive, X-Forwarded-For, X-Real-IP, X-Forwarded-Host does not remove the rebuilt forwarding headers', async () => {
    const seen = await throughGateway([
      'Connection',
      'keep-alive, X-Forwarded-For, X-Real-IP, X-Forwarded-Host, X-Forwarded-Proto',
    ]);
    expectExactlyOne(seen, 'x-forwarded-for', '127.0.0.1');
    expectExactlyOne(seen, 'x-forwarded-host', gw.host('echo'));
    expectExactlyOne(seen, 'x-forwarded-proto', 'http');
    expectExactlyOne(seen, 'x-forwarded-user', 'admin');
  });

  it('Connection naming the identity headers in _ spelling (Connection: X_Forwarded_User, X-Latchkey-Jwt-Assertion) removes nothing the gateway adds', async () => {
    const seen = await throughGateway(['Connection', 'X_Forwarded_User, X-Forwarded-Email, X-Latchkey-Jwt-Assertion']);
    expectOnlyGatewayIdentity(seen);
  });

  it('a client header named in Connection (Connection: X-Hop-Secret) is not forwarded', async () => {
    const seen = await throughGateway(['Connection', 'X-Hop-Secret', 'X-Hop-Secret', 'private-to-this-hop']);
    expect(linesNamed(seen, 'x-hop-secret')).toEqual([]);
  });

  it('hop-by-hop headers Keep-Alive, Proxy-Authorization, Proxy-Connection, TE, Upgrade, HTTP2-Settings do not reach the upstream', async () => {
    const seen = await throughGateway([
      'Keep-Alive',
      'timeout=600',
      'Proxy-Authorization',
      'Basic c2VjcmV0OnNlY3JldA==',
      'Proxy-Connection',
      'keep-alive',
      'TE',
      'trailers',
      'Upgrade',
      'h2c',
      'HTTP2-Settings',
      'AAMAAABkAARAAAAAAAIAAAAA',
    ]);
    for (const name of ['keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'upgrade', 'http2-settings']) {
      expect(linesNamed(seen, name), name).toEqual([]);
    }
    expectOnlyGatewayIdentity(seen);
  });
});

describe('inbound forwarding headers are ignored and rebuilt (case 41)', () => {
  it("X-Forwarded-For 10.0.0.1, X-Forwarded-Host evil.example, Forwarded for=1.2.3.4 are replaced by the gateway's own values", async () => {
    const seen = await throughGateway([
      'X-Forwarded-For',
      '10.0.0.1',
      'X-Forwarded-Host',
      'evil.example',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Port',
      '443',
      'X-Forwarded-Prefix',
      '/public',
      'X-Forwarded-Uri',
      '/public',
      'X-Real-IP',
      '10.0.0.2',
      'Forwarded',
      'for=1.2.3.4;host=evil.example;proto=https',
      'X_Forwarded_For',
      '10.0.0.3',
      'x.forwarded.host',
      'evil2.example',
    ]);
    expectExactlyOne(seen, 'x-forwarded-host', gw.host('echo'));
    expectExactlyOne(seen, 'x-forwarded-for', '127.0.0.1');
    expectExactlyOne(seen, 'x-forwarded-proto', 'http');
    for (const name of ['forwarded', 'x-forwarded-prefix', 'x-forwarded-uri', 'x-forwarded-port', 'x-real-ip']) {
      expect(linesNamed(seen, name), name).toEqual([]);
    }
    expectNoAliases(seen);
    const values = seen.rawHeaders.filter((_, i) => i % 2 === 1).join('\n');
    for (const planted of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '1.2.3.4', 'evil.example', 'evil2.example', '/public']) {
      expect(values).not.toContain(planted);
    }
  });

  it('the upstream sees the app host as Host (preserveHost), exactly once', async () => {
    const seen = await throughGateway([]);
    expect(linesNamed(seen, 'host').map(([, v]) => v)).toEqual([gw.host('echo')]);
  });

  it('the gateway still serves normal requests after the spoofing attempts', async () => {
    await expectStillServing(gw, up);
  });
});
