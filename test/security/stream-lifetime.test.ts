/**
 * SPEC §7: a WebSocket or event stream lives only as long as the identity and mode it was
 * admitted with. Admission used to be decided once: a socket opened with a token kept
 * working after `latchkey token revoke`, and one opened as the root admin in impersonation
 * mode (a Jupyter kernel is code execution) outlived turning impersonation off. Every test
 * waits for the close event itself, bounded in time.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createToken, revokeToken } from '../../main/core/auth/service-accounts.js';
import { createUser, setEnabled, setRole } from '../../main/core/users-service.js';
import { runCli } from '../helpers/cli.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { appSession, consoleSession } from '../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { manualClock } from '../helpers/clock.js';
import { marker } from './support.js';

const BOUND_MS = 5_000;

/** Resolves with `what` when it happens, rejects when it fails or has not happened within the bound. */
function within<T>(label: string, what: (done: (value: T) => void, fail: (why: string) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: not within ${BOUND_MS} ms`)), BOUND_MS);
    what(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (why) => {
        clearTimeout(timer);
        reject(new Error(`${label}: ${why}`));
      },
    );
  });
}

interface OpenSocket {
  ws: WebSocket;
  /** The close code the client received; 1006 when the connection just dropped. */
  closed: Promise<number>;
}

/** Opens a same-origin WebSocket to an app through the gateway. */
async function openSocket(gw: TestGateway, slug: string, headers: Record<string, string> = {}): Promise<OpenSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/socket?${marker('ws')}`, {
    headers: { Host: gw.host(slug), Origin: gw.origin(slug), ...headers },
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await within<true>('the WebSocket opens', (done, fail) => {
    ws.once('open', () => done(true));
    ws.once('unexpected-response', (_req, res) => fail(`the upgrade answered ${res.statusCode}`));
    ws.once('error', (error) => fail(error.message));
  });
  return { ws, closed };
}

/** A message goes through the gateway to the echo upstream and back. */
async function echoes(socket: OpenSocket): Promise<string> {
  const text = marker('echo');
  socket.ws.send(text);
  return within<string>('the echo comes back', (done) => socket.ws.once('message', (data) => done(String(data))));
}

function closedWithin(socket: OpenSocket): Promise<number> {
  return within<number>('the gateway closes the WebSocket', (done) => void socket.closed.then(done));
}

interface OpenEvents {
  res: IncomingMessage;
  url: string;
  /** The next event that arrives. */
  next(): Promise<string>;
  /** Settles once the stream is gone: `complete` false when it was cut, not ended. */
  ended: Promise<{ complete: boolean }>;
}

/** Opens the upstream's endless event stream through the gateway; resolves on the first event. */
async function openEvents(
  gw: TestGateway,
  slug: string,
  headers: Record<string, string>,
  path = '/events',
): Promise<OpenEvents> {
  const url = `${path}?${marker('sse')}`;
  const res = await within<IncomingMessage>('the event stream answers', (done, fail) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: gw.port,
      path: url,
      headers: { Host: gw.host(slug), Accept: 'text/event-stream', ...headers },
      setHost: false,
      agent: false,
    });
    req.on('response', done);
    req.on('error', (error) => fail(error.message));
    req.end();
  });
  expect(res.statusCode).toBe(200);
  res.on('error', () => undefined);
  const ended = new Promise<{ complete: boolean }>((resolve) => res.once('close', () => resolve(res)));
  const next = () => within<string>('an event arrives', (done) => res.once('data', (c: Buffer) => done(String(c))));
  await next();
  return { res, url, next, ended };
}

function endedWithin(events: OpenEvents): Promise<{ complete: boolean }> {
  return within('the gateway cuts the event stream', (done) => void events.ended.then(done));
}

/** The upstream saw its client of `url` go: the gateway ended its side too. */
function upstreamLetGo(up: Upstream, url: string): Promise<true> {
  return within<true>('the upstream request ends', (done) => {
    const onClosed = (closed: string) => {
      if (closed !== url) return;
      up.streams.off('events-closed', onClosed);
      done(true);
    };
    up.streams.on('events-closed', onClosed);
  });
}

let up: Upstream;

beforeAll(async () => {
  up = await startUpstream();
});
afterAll(async () => {
  await up?.close();
});

describe('with logins on: streams end with the identity that opened them', () => {
  let gw: TestGateway;
  const password = 'admin password 1';

  beforeAll(async () => {
    gw = await startGateway({
      apps: [
        { slug: 'echo', upstream: up.url },
        { slug: 'admins', upstream: up.url, allowRoles: ['Admin'] },
        { slug: 'doomed', upstream: up.url },
      ],
      env: {
        LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: password,
        LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
        LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  let users = 0;
  async function newUser(role: 'Admin' | 'ReadOnly' = 'ReadOnly'): Promise<{ username: string; password: string }> {
    users += 1;
    const user = { username: `user${users}`, password: `password of user ${users}` };
    await createUser(gw.core.store, { ...user, role }, 'test');
    return user;
  }
  function tokenHeader(username: string): Record<string, string> {
    const { token } = createToken(gw.core.store, { username, lifetimeMs: 3_600_000 }, 'test');
    return { Authorization: `Bearer Latchkey-${token}` };
  }

  it('a WebSocket opened with a service-account token is closed (1008) once `latchkey token revoke` runs in another process', async () => {
    const { username } = await newUser();
    const headers = tokenHeader(username);
    const socket = await openSocket(gw, 'echo', headers);
    expect(await echoes(socket)).toMatch(/^echo-/);

    const id = (headers.Authorization as string).slice('Bearer Latchkey-'.length).split('.')[0] as string;
    const revoked = runCli(['token', 'revoke', id, '--data-dir', gw.dataDir]);
    expect(revoked.status, revoked.stderr).toBe(0);

    expect(await closedWithin(socket)).toBe(1008);
  });

  it("a WebSocket opened with a service-account token is closed (1008) once the token's user is disabled", async () => {
    const { username } = await newUser();
    const socket = await openSocket(gw, 'echo', tokenHeader(username));
    await echoes(socket);
    setEnabled(gw.core.store, username, false, 'test');
    expect(await closedWithin(socket)).toBe(1008);
  });

  it("a WebSocket opened with an Admin's token to an Admin-only app is closed once that Admin is demoted (the token lives on, the policy refuses)", async () => {
    const { username } = await newUser('Admin');
    const socket = await openSocket(gw, 'admins', tokenHeader(username));
    await echoes(socket);
    setRole(gw.core.store, username, 'ReadOnly', 'test');
    expect(await closedWithin(socket)).toBe(1008);
  });

  it('an SSE stream opened with a session is cut on logout, and the upstream request with it', async () => {
    const user = await newUser();
    const consoleCookie = await consoleSession(gw, user.username, user.password);
    const appCookie = await appSession(gw, consoleCookie, 'echo');
    const events = await openEvents(gw, 'echo', { cookie: appCookie });
    const upstreamGone = upstreamLetGo(up, events.url);

    const out = await gw.request({
      method: 'POST',
      path: '/.latchkey/logout',
      headers: { cookie: consoleCookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);

    expect((await endedWithin(events)).complete).toBe(false);
    await upstreamGone;
  });

  it("an SSE stream opened with a session is cut when a role change makes the app's policy refuse", async () => {
    const user = await newUser('Admin');
    const appCookie = await appSession(gw, await consoleSession(gw, user.username, user.password), 'admins');
    const events = await openEvents(gw, 'admins', { cookie: appCookie });
    setRole(gw.core.store, user.username, 'ReadOnly', 'test');
    expect((await endedWithin(events)).complete).toBe(false);
  });

  it("a stream is cut when its app's policy stops allowing its user, and when the app is removed", async () => {
    const { username } = await newUser();
    const headers = tokenHeader(username);
    const events = await openEvents(gw, 'doomed', headers);
    const socket = await openSocket(gw, 'doomed', headers);
    gw.core.store.apps.update({ slug: 'doomed', upstream: up.url, allowUsers: ['someone-else'] }, 'test');
    expect((await endedWithin(events)).complete).toBe(false);
    expect(await closedWithin(socket)).toBe(1008);

    gw.core.store.apps.update({ slug: 'doomed', upstream: up.url }, 'test');
    const again = await openSocket(gw, 'doomed', headers);
    gw.core.store.apps.remove('doomed', 'test');
    expect(await closedWithin(again)).toBe(1008);
  });

  it("an Admin's stream is cut when that Admin starts viewing as another user, and the stream opened while viewing is cut when viewing stops", async () => {
    const admin = await newUser('Admin');
    const other = await newUser();
    const consoleCookie = await consoleSession(gw, admin.username, admin.password);
    const appCookie = await appSession(gw, consoleCookie, 'echo');
    const api = (path: string, body: unknown) =>
      gw.request({
        method: 'POST',
        path,
        headers: { cookie: consoleCookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });

    const asAdmin = await openSocket(gw, 'echo', { cookie: appCookie });
    expect((await api('/api/v1/view-as', { username: other.username })).status).toBe(200);
    expect(await closedWithin(asAdmin)).toBe(1008);

    const asOther = await openSocket(gw, 'echo', { cookie: appCookie });
    expect((await api('/api/v1/view-as/stop', {})).status).toBe(200);
    expect(await closedWithin(asOther)).toBe(1008);
  });

  it('a WebSocket opened with a token that expires is closed once it has expired, though nothing changed in the database', async () => {
    const { username } = await newUser();
    const { token } = createToken(gw.core.store, { username, lifetimeMs: 2_500 }, 'test');
    const socket = await openSocket(gw, 'echo', { Authorization: `Bearer Latchkey-${token}` });
    await echoes(socket);
    expect(await closedWithin(socket)).toBe(1008);
  });

  it('a WebSocket let in by an extra allowed origin is closed once the app no longer allows that origin (CSWSH after the fact)', async () => {
    const { username } = await newUser();
    const origin = 'http://tool.localhost:3000';
    gw.core.store.apps.add({ slug: 'embed', upstream: up.url, allowedOrigins: [origin] }, 'test');
    const socket = await openSocket(gw, 'embed', { ...tokenHeader(username), Origin: origin });
    await echoes(socket);
    gw.core.store.apps.update({ slug: 'embed', upstream: up.url }, 'test');
    expect(await closedWithin(socket)).toBe(1008);
  });

  it('an event stream opened without identity on a public path is cut once the path is no longer public', async () => {
    gw.core.store.apps.add({ slug: 'ingest', upstream: up.url, publicPaths: ['/events'] }, 'test');
    const events = await openEvents(gw, 'ingest', {});
    gw.core.store.apps.update({ slug: 'ingest', upstream: up.url }, 'test');
    expect((await endedWithin(events)).complete).toBe(false);
  });

  it('an upgrade the upstream declines, answering with an endless stream instead, is cut once the token is revoked', async () => {
    // An upstream with no WebSocket support serves the upgrade request as a plain one.
    let upstreamClosed!: () => void;
    const gone = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const plain = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      gw.core.store.apps.add({ slug: 'no-ws', upstream: plainUrl }, 'test');
      const { username } = await newUser();
      const { token, view } = createToken(gw.core.store, { username, lifetimeMs: 3_600_000 }, 'test');
      const events = await openEvents(gw, 'no-ws', {
        Authorization: `Bearer Latchkey-${token}`,
        Origin: gw.origin('no-ws'),
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      });
      revokeToken(gw.core.store, view.id, 'test');
      // The declined answer is delimited by closing: its end is the cut.
      await endedWithin(events);
      await within<true>('the upstream request ends', (done) => void gone.then(() => done(true)));
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  it('deciding open streams again writes nothing to the database, so it cannot set off sweep after sweep', async () => {
    const { username } = await newUser();
    const socket = await openSocket(gw, 'echo', tokenHeader(username));
    await gw.core.streams.sweep();
    const totalChanges = gw.core.store.db.prepare('SELECT total_changes()').pluck();
    const before = totalChanges.get();
    await gw.core.streams.sweep();
    await gw.core.streams.sweep();
    expect(totalChanges.get()).toBe(before);
    expect(await echoes(socket)).toMatch(/^echo-/);
    socket.ws.close();
  });

  it('a WebSocket cut while the upstream is inside a frame gets no close frame spliced into that frame (no forged message)', async () => {
    // An upstream that switches, then sends 6 of the 10 bytes of a binary message.
    const partial = createServer();
    partial.on('upgrade', (req, socket) => {
      const accept = createHash('sha1')
        .update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(Buffer.from([0x82, 10, 1, 2, 3, 4, 5, 6]));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => partial.listen(0, '127.0.0.1', resolve));
    try {
      gw.core.store.apps.add(
        {
          slug: 'partial',
          upstream: `http://127.0.0.1:${(partial.address() as AddressInfo).port}`,
        },
        'test',
      );
      const { username } = await newUser();
      const { token, view } = createToken(gw.core.store, { username, lifetimeMs: 3_600_000 }, 'test');
      const socket = await openSocket(gw, 'partial', { Authorization: `Bearer Latchkey-${token}` });
      const messages: Buffer[] = [];
      socket.ws.on('message', (data: Buffer) => messages.push(data));
      socket.ws.on('error', () => undefined);
      revokeToken(gw.core.store, view.id, 'test');
      expect(await closedWithin(socket)).toBe(1006);
      expect(messages).toEqual([]);
    } finally {
      partial.close();
    }
  });

  it('a stream still allowed with the same identity is NOT closed by unrelated changes (another user created, another token revoked)', async () => {
    const { username } = await newUser();
    const socket = await openSocket(gw, 'echo', tokenHeader(username));
    const user = await newUser();
    const appCookie = await appSession(gw, await consoleSession(gw, user.username, user.password), 'echo');
    const events = await openEvents(gw, 'echo', { cookie: appCookie });

    await newUser();
    const other = createToken(gw.core.store, { username, lifetimeMs: 3_600_000 }, 'test');
    runCli(['token', 'revoke', other.view.id, '--data-dir', gw.dataDir]);
    // A whole re-decision of every open stream, after the changes.
    await gw.core.streams.sweep();
    await gw.core.streams.sweep();

    expect(await echoes(socket)).toMatch(/^echo-/);
    expect(await events.next()).toMatch(/^data: tick/);
    expect(gw.core.streams.size).toBe(2);

    // An answered request on a kept-alive connection is no stream: it is forgotten.
    const agent = new Agent({ keepAlive: true });
    const status = await within<number>('a plain request is answered', (done, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: '/echo', agent, setHost: false });
      req.setHeader('Host', gw.host('echo'));
      req.setHeader('Cookie', appCookie);
      req.on('response', (res) => res.resume().on('end', () => done(res.statusCode ?? 0)));
      req.on('error', (error) => fail(error.message));
      req.end();
    });
    expect(status).toBe(200);
    expect(gw.core.streams.size).toBe(2);
    agent.destroy();
    socket.ws.close();
    events.res.destroy();
  });
});

describe('in impersonation mode: streams end with the mode', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ apps: [{ slug: 'jupyter', upstream: up.url }] });
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    const chosen = runCli([
      'admin',
      'user',
      'reset-password',
      '--username',
      'admin',
      '--password',
      'chosen password 1',
      '--data-dir',
      gw.dataDir,
    ]);
    expect(chosen.status, chosen.stderr).toBe(0);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a view-as started by `latchkey view-as` closes a WebSocket opened as the root admin (it would go on as admin)', async () => {
    const socket = await openSocket(gw, 'jupyter');
    await echoes(socket);
    const started = runCli(['view-as', 'ann', '--data-dir', gw.dataDir]);
    expect(started.status, started.stderr).toBe(0);
    expect(await closedWithin(socket)).toBe(1008);
    const stopped = runCli(['view-as', '--stop', '--data-dir', gw.dataDir]);
    expect(stopped.status, stopped.stderr).toBe(0);
  });

  it('a WebSocket and an SSE stream opened as the root admin are closed when `latchkey identn set --impersonation off` runs', async () => {
    const socket = await openSocket(gw, 'jupyter');
    const events = await openEvents(gw, 'jupyter', {});
    expect(await echoes(socket)).toMatch(/^echo-/);

    const off = runCli(['identn', 'set', '--impersonation', 'off', '--data-dir', gw.dataDir]);
    expect(off.status, off.stderr).toBe(0);

    expect(await closedWithin(socket)).toBe(1008);
    expect((await endedWithin(events)).complete).toBe(false);
    expect(gw.core.streams.size).toBe(0);
  });
});

describe('when the gateway stops', () => {
  it('an open WebSocket is told the gateway is going away (1001), and the stop does not wait on it', async () => {
    const gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
    const socket = await openSocket(gw, 'echo');
    await echoes(socket);
    await within<true>('the gateway stops', (done, fail) => {
      gw.close().then(
        () => done(true),
        (error: Error) => fail(error.message),
      );
    });
    expect(await closedWithin(socket)).toBe(1001);
  });
});

describe('an open stream is not activity: its session still idles out', () => {
  const clock = manualClock();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      clock,
      apps: [{ slug: 'echo', upstream: up.url }],
      env: {
        LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
        LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
        LATCHKEY_SESSION_IDLE_TIMEOUT: '2m',
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("a WebSocket left open and silent does not keep its session alive: the gateway's own re-checks are no use of it", async () => {
    const socket = await openSocket(gw, 'echo', {
      cookie: await appSession(gw, await consoleSession(gw, 'admin', 'admin password 1'), 'echo'),
    });
    // A re-check past the minute after which a real request would note the session as seen…
    clock.advance(61_000);
    await gw.core.streams.sweep();
    // …must not have noted it: two idle minutes after its last real use, the session ends.
    clock.advance(61_000);
    await gw.core.streams.sweep();
    expect(await closedWithin(socket)).toBe(1008);
  });
});
