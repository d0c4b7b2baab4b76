import Database from 'better-sqlite3';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setIdentn } from '../../../main/core/identn-service.js';
import { createUser, resetPassword } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { consoleLinkSession, consoleSession } from '../../helpers/sign-in.js';
import { manualClock } from '../../helpers/clock.js';
import { CONSOLE_IDLE_MS } from '../../../main/core/auth/console-sessions.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.close();
});

interface Stream {
  status: number;
  /** Resolves with the kinds of the next change event, or rejects after `ms`. */
  next(ms?: number): Promise<string[]>;
  /** Resolves when the gateway ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens /api/v1/events as a same-origin EventSource of the console would. */
function openEvents(g: TestGateway, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: g.port,
      path: '/api/v1/events',
      headers: {
        host: g.host(),
        accept: 'text/event-stream',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'cors',
        'sec-fetch-dest': 'empty',
        ...headers,
      },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const events: string[][] = [];
      const waiting: ((kinds: string[]) => void)[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const kinds = JSON.parse(data.slice(6)) as string[];
          const waiter = waiting.shift();
          if (waiter) waiter(kinds);
          else events.push(kinds);
        }
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        ended,
        next: (ms = 2_000) =>
          new Promise((ok, fail) => {
            const ready = events.shift();
            if (ready) return ok(ready);
            const timer = setTimeout(() => fail(new Error(`no change event within ${ms} ms`)), ms);
            waiting.push((kinds) => {
              clearTimeout(timer);
              ok(kinds);
            });
          }),
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(what)), ms))]);

describe('the change feed as server-sent events', () => {
  it('an event stream without a console session gets nothing (401), in impersonation mode too', async () => {
    const stream = await openEvents(gw, {});
    expect(stream.status).toBe(401);
    stream.close();
  });

  it('a cross-site page cannot open the stream with the console cookie', async () => {
    const cookie = await consoleLinkSession(gw);
    const stream = await openEvents(gw, { cookie, 'sec-fetch-site': 'cross-site', origin: 'http://evil.localhost:1' });
    expect(stream.status).toBeGreaterThanOrEqual(400);
    stream.close();
  });

  it('tells the console within a second what kind of thing another process (the CLI) changed', async () => {
    const cookie = await consoleLinkSession(gw);
    const stream = await openEvents(gw, { cookie });
    expect(stream.status).toBe(200);
    // Another connection to the database, as the CLI is: no request reaches the gateway.
    const cli = new Database(join(gw.dataDir, 'latchkey.db'));
    cli
      .prepare(
        `INSERT INTO apps (slug, name, upstream, headers, preserve_host, created_at, updated_at) VALUES ('grafana', 'Grafana', 'http://127.0.0.1:3000', 'generic', 0, 1, 1)`,
      )
      .run();
    expect(await stream.next(1_000)).toEqual(['apps']);
    cli.prepare(`INSERT INTO audit (at, kind, actor, detail) VALUES (1, 'app.added', 'cli', '{}')`).run();
    expect(await stream.next(1_000)).toEqual(['audit']);
    // A run state the launcher wrote is the apps' too: the tiles show it.
    cli.prepare(`INSERT INTO app_runs (slug, state, updated_at) VALUES ('grafana', 'running', 1)`).run();
    expect(await stream.next(1_000)).toEqual(['apps']);
    cli.close();
    stream.close();
  });

  it('a session that only bookkeeps (last seen) wakes nobody', async () => {
    const cookie = await consoleLinkSession(gw);
    const stream = await openEvents(gw, { cookie });
    const cli = new Database(join(gw.dataDir, 'latchkey.db'));
    cli.prepare(`UPDATE settings SET updated_at = updated_at + 1 WHERE key = 'gateway.last-port'`).run();
    cli.prepare(`DELETE FROM apps WHERE slug = 'nothing-here'`).run();
    await expect(stream.next(600)).rejects.toThrow(/no change event/);
    cli.close();
    stream.close();
  });

  it('the stream ends when the mode changes, after carrying that change', async () => {
    const g = await startGateway();
    try {
      const cookie = await consoleLinkSession(g);
      const stream = await openEvents(g, { cookie });
      await resetPassword(g.core.store, { username: 'admin', password: 'a chosen one' }, 'cli');
      expect(await stream.next()).toEqual(expect.arrayContaining(['users']));
      setIdentn(g.core.store, { impersonation: false }, 'cli');
      expect(await stream.next()).toEqual(expect.arrayContaining(['settings']));
      await within(stream.ended, 3_000, 'the stream stayed open after the mode changed');
    } finally {
      await g.close();
    }
  });

  it('an Admin signed in has the stream; it ends when they sign out', async () => {
    const g = await startGateway();
    try {
      await resetPassword(g.core.store, { username: 'admin', password: 'a chosen one' }, 'cli');
      setIdentn(g.core.store, { impersonation: false }, 'cli');
      const cookie = await consoleSession(g, 'admin', 'a chosen one');
      const stream = await openEvents(g, { cookie });
      expect(stream.status).toBe(200);
      const out = await g.request({
        method: 'POST',
        path: '/.latchkey/logout',
        headers: { cookie, Origin: g.origin(), 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(out.status).toBeLessThan(400);
      await within(stream.ended, 3_000, 'the stream outlived the session');
    } finally {
      await g.close();
    }
  });

  it("a ReadOnly user signed in gets no event stream (403): the feed is the control plane's", async () => {
    const g = await startGateway();
    try {
      await resetPassword(g.core.store, { username: 'admin', password: 'a chosen one' }, 'cli');
      setIdentn(g.core.store, { impersonation: false }, 'cli');
      await createUser(g.core.store, { username: 'rita', password: 'rita password', role: 'ReadOnly' }, 'cli');
      const cookie = await consoleSession(g, 'rita', 'rita password');
      const stream = await openEvents(g, { cookie });
      expect(stream.status).toBe(403);
      stream.close();
    } finally {
      await g.close();
    }
  });

  it('an open, silent event stream keeps no console session from idling out', async () => {
    const clock = manualClock();
    const g = await startGateway({ clock });
    try {
      const cookie = await consoleLinkSession(g);
      const stream = await openEvents(g, { cookie });
      expect(stream.status).toBe(200);
      clock.advance(CONSOLE_IDLE_MS * 0.6);
      await g.core.streams.sweep();
      clock.advance(CONSOLE_IDLE_MS * 0.6);
      await g.core.streams.sweep();
      await within(stream.ended, 3_000, 'the stream kept its idle console session alive');
      const api = await g.request({ path: '/api/v1/users', headers: { cookie, Origin: g.origin() } });
      expect(api.status).toBe(401);
    } finally {
      await g.close();
    }
  });

  it('the desktop gateway has no event stream over HTTP (its console hears over IPC)', async () => {
    const g = await startGateway({ httpControlPlane: false });
    try {
      const stream = await openEvents(g, {});
      expect(stream.status).toBe(404);
      stream.close();
    } finally {
      await g.close();
    }
  });
});
