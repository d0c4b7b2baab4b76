/**
 * The request path is one list of named passes (gateway/passes.ts), run alike for HTTP
 * requests and WebSocket upgrades. A check that only one protocol ran (an Origin rule for
 * the upgrade handler alone, a Host check for requests alone) is how cross-site WebSocket
 * hijacking and DNS rebinding slipped past gateways that kept two paths.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { ADMISSION_PASSES, REQUEST_PASSES } from '../../../main/core/gateway/passes.js';
import type { PassName } from '../../../main/core/gateway/exchange.js';
import { setIdentn } from '../../../main/core/identn-service.js';
import { createCoreForTests, type TestCore } from '../../helpers/core.js';
import { createUser } from '../../../main/core/users-service.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';
import { marker, rawExchange, reached } from '../../security/support.js';

describe('the pass list', () => {
  it('runs framing → host → state → peer → browser rules → route → identity → policy → proxy', () => {
    expect(REQUEST_PASSES.map((p) => p.name)).toEqual([
      'framing',
      'host',
      'state',
      'peer',
      'browser-rules',
      'route',
      'identity',
      'policy',
      'proxy',
    ]);
  });

  it('re-admits open streams with every pass before route, and only those', () => {
    expect(ADMISSION_PASSES.map((p) => p.name)).toEqual(['framing', 'host', 'state', 'peer', 'browser-rules']);
    expect(ADMISSION_PASSES.every((p, i) => p === REQUEST_PASSES[i])).toBe(true);
  });
});

type Setup = 'impersonation' | 'logins' | 'broken' | 'extra-host';

interface Case {
  pass: PassName;
  attack: string;
  setup: Setup;
  /** The request target as sent: origin-form unless the case is about framing. */
  target: string;
  host: (port: number) => string;
  headers?: (port: number) => string[];
  status: number;
  code: string;
}

const app = (slug: string) => (port: number) => `${slug}.localhost:${port}`;

/** One refusal per pass, each the same for an HTTP request and for a WebSocket upgrade. */
const CASES: Case[] = [
  {
    pass: 'framing',
    attack: 'an absolute-form target naming another host than Host (request smuggling, cache poisoning)',
    setup: 'impersonation',
    target: 'http://evil.example/x',
    host: app('echo'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    pass: 'framing',
    attack: 'two Host headers, one for the gateway and one for whoever reads the last',
    setup: 'impersonation',
    target: '/x',
    host: app('echo'),
    headers: () => ['Host: evil.example'],
    status: 400,
    code: 'HOST_DUPLICATE',
  },
  {
    pass: 'host',
    attack: 'DNS rebinding: a foreign name resolving to 127.0.0.1',
    setup: 'impersonation',
    target: '/x',
    host: (port) => `rebind.example:${port}`,
    status: 421,
    code: 'HOST_NOT_SERVED',
  },
  {
    pass: 'state',
    attack: 'a store that cannot be read: never a fallback to stale or default settings',
    setup: 'broken',
    target: '/x',
    host: app('echo'),
    status: 503,
    code: 'GATEWAY_UNAVAILABLE',
  },
  {
    pass: 'peer',
    attack: 'an extra host name in impersonation mode turned on by another process',
    setup: 'extra-host',
    target: '/x',
    host: (port) => `echo.devbox.lan:${port}`,
    status: 421,
    code: 'HOST_NOT_SERVED',
  },
  {
    pass: 'browser-rules',
    attack: 'a page on another localhost port reaching the app (cross-site WebSocket hijacking, CSRF)',
    setup: 'impersonation',
    target: '/x',
    host: app('echo'),
    headers: (port) => [`Origin: http://evil.localhost:${port}`],
    status: 403,
    code: 'ORIGIN_REFUSED',
  },
  {
    pass: 'browser-rules',
    attack: 'a speculative load (prefetch) served as the user in impersonation mode',
    setup: 'impersonation',
    target: '/x',
    host: app('echo'),
    headers: () => ['Sec-Purpose: prefetch'],
    status: 503,
    code: 'SPECULATIVE_LOAD',
  },
  {
    pass: 'route',
    attack: "a path reserved for Latchkey sent to the app (the gateway's own keys and routes)",
    setup: 'impersonation',
    target: '/.well-known/latchkey/other',
    host: app('echo'),
    status: 404,
    code: 'RESERVED_PATH',
  },
  {
    pass: 'route',
    attack: 'a host no app answers',
    setup: 'impersonation',
    target: '/x',
    host: app('nosuchapp'),
    status: 404,
    code: 'APP_UNKNOWN',
  },
  {
    pass: 'identity',
    attack: 'a forged service-account token',
    setup: 'logins',
    target: '/x',
    host: app('echo'),
    headers: () => ['Authorization: Bearer Latchkey-forged'],
    status: 401,
    code: 'TOKEN_INVALID',
  },
  {
    pass: 'policy',
    attack: 'a request without any credential in login mode',
    setup: 'logins',
    target: '/x',
    host: app('echo'),
    status: 401,
    code: 'NOT_SIGNED_IN',
  },
  {
    pass: 'policy',
    attack: "a ReadOnly user's valid token on an Admin-only app",
    setup: 'logins',
    target: '/x',
    host: app('admins'),
    headers: () => [`Authorization: Bearer Latchkey-${readOnlyToken}`],
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    pass: 'proxy',
    attack: 'an app whose upstream is down',
    setup: 'impersonation',
    target: '/x',
    host: app('down'),
    status: 502,
    code: 'UPSTREAM_DOWN',
  },
];

const UPGRADE = [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

let up: Upstream;
let readOnlyToken: string;
const gateways = new Map<Setup, { port: number; close(): Promise<void> }>();

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Login mode with devbox.lan allowed, then impersonation turned on in the store behind its back. */
async function extraHostGateway(echo: string): Promise<{ port: number; close(): Promise<void> }> {
  const data = tempDataDir();
  const logins = { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1' };
  const first = await createCoreForTests({ dataDir: data.dir, env: logins, port: 0 });
  first.store.apps.add({ slug: 'echo', upstream: echo }, 'admin');
  setIdentn(first.store, { impersonation: false }, 'test');
  await first.close();
  const core: TestCore = await createCoreForTests({
    dataDir: data.dir,
    env: { ...logins, LATCHKEY_GATEWAY_ALLOWED_HOSTS: 'devbox.lan' },
    port: 0,
  });
  const { port } = await core.listen();
  core.store.settings.setMany({
    'identn.impersonation.enabled': true,
    'identn.tokenizer.enabled': false,
    'identn.apikey.enabled': false,
  });
  return {
    port,
    close: async () => {
      await core.close();
      data.remove();
    },
  };
}

beforeAll(async () => {
  up = await startUpstream();
  const down = `http://127.0.0.1:${await closedPort()}`;
  const impersonation = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'down', upstream: down },
    ],
  });
  gateways.set('impersonation', impersonation);
  const logins: TestGateway = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'admins', upstream: up.url, allowRoles: ['Admin'] },
    ],
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
  gateways.set('logins', logins);
  await createUser(logins.core.store, { username: 'reader', password: 'reader password 1', role: 'ReadOnly' }, 'test');
  readOnlyToken = createToken(logins.core.store, { username: 'reader', lifetimeMs: 3_600_000 }, 'test').token;
  const broken = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
  broken.core.store.db.close(); // what a vanished or broken database looks like to the gateway
  gateways.set('broken', { port: broken.port, close: () => broken.close().catch(() => undefined) });
  gateways.set('extra-host', await extraHostGateway(up.url));
});

afterAll(async () => {
  for (const gw of gateways.values()) await gw.close();
  await up?.close();
});

interface Answer {
  status: number;
  code: string | undefined;
}

function answerOf(text: string): Answer {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status, code };
}

async function send(c: Case, upgrade: boolean, mark: string): Promise<Answer> {
  const gw = gateways.get(c.setup);
  if (!gw) throw new Error(`no gateway for ${c.setup}`);
  const target = c.target + (c.target.includes('?') ? '&' : '?') + mark;
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: ${c.host(gw.port)}`,
    ...(c.headers?.(gw.port) ?? []),
    ...(upgrade ? UPGRADE : ['Connection: close']),
  ];
  const reply = await rawExchange(gw.port, `${lines.join('\r\n')}\r\n\r\n`, 5_000);
  return answerOf(reply.text);
}

describe('a refusal by each pass answers the same for HTTP and for a WebSocket upgrade', () => {
  it('every pass of the list has a case below', () => {
    expect(new Set(CASES.map((c) => c.pass))).toEqual(new Set(REQUEST_PASSES.map((p) => p.name)));
  });

  it.each(CASES)('$pass: $attack', async (c) => {
    const httpMark = marker(`${c.pass}-http`);
    const upgradeMark = marker(`${c.pass}-ws`);
    const http = await send(c, false, httpMark);
    const upgrade = await send(c, true, upgradeMark);
    expect(http).toEqual({ status: c.status, code: c.code });
    expect(upgrade).toEqual({ status: c.status, code: c.code });
    expect(reached(up, httpMark)).toEqual([]);
    expect(reached(up, upgradeMark)).toEqual([]);
  });
});

describe('the framing pass on upgrades', () => {
  it('an upgrade to another protocol than WebSocket is refused, never relayed (h2c smuggling past the proxy)', async () => {
    const gw = gateways.get('impersonation');
    if (!gw) throw new Error('no gateway');
    const mark = marker('h2c');
    const reply = await rawExchange(
      gw.port,
      [
        `GET /x?${mark} HTTP/1.1`,
        `Host: echo.localhost:${gw.port}`,
        'Upgrade: h2c',
        'Connection: Upgrade, HTTP2-Settings',
        'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
        '',
        '',
      ].join('\r\n'),
      5_000,
    );
    expect(answerOf(reply.text)).toEqual({ status: 400, code: 'UPGRADE_REFUSED' });
    expect(reached(up, mark)).toEqual([]);
  });
});
