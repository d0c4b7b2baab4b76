import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { createUser } from '../../../main/core/users-service.js';
import { manualClock } from '../../helpers/clock.js';
import { startGateway, type Response, type TestGateway } from '../../helpers/gateway.js';
import { holdWriteLock } from '../../helpers/lock-holder.js';
import { consoleSession } from '../../helpers/sign-in.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const clock = manualClock();
let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    clock,
    apps: [{ slug: 'echo', upstream: up.url }],
    env: {
      LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
      LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
      LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
      LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
    },
  });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

describe('while another process holds the write lock', () => {
  it('reads and bookkeeping are served at once, and a sign-in gets 503 with Retry-After, not a stalled gateway', async () => {
    await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
    const { token, view } = createToken(gw.core.store, { username: 'ann', lifetimeMs: null }, 'test');
    const admin = await consoleSession(gw, 'admin', 'admin password 1');
    // Both the token (never used) and the session (seen two minutes ago) want a last-seen write.
    clock.advance(120_000);

    // Longer than the gateway's own retries; released by the test once every answer is in.
    const holder = await holdWriteLock(`${gw.dataDir}/latchkey.db`, 8_000);
    const noted = (label: string) => (res: Response) => {
      holder.note(label);
      return res;
    };
    try {
      const [byToken, config, bySession, signIn, apiWrite] = await Promise.all([
        gw
          .request({ host: gw.host('echo'), path: '/echo', headers: { 'X-Latchkey-Authorization': token } })
          .then(noted('token')),
        gw.request({ host: `localhost:${gw.port}`, path: '/api/v1/global/config' }).then(noted('config')),
        gw.request({ path: '/api/v1/users', headers: { cookie: admin, Origin: gw.origin() } }).then(noted('session')),
        gw
          .request({
            method: 'POST',
            path: '/.latchkey/login',
            headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
            body: JSON.stringify({ username: 'ann', password: 'ann password' }),
          })
          .then(noted('sign-in')),
        gw
          .request({
            method: 'POST',
            path: '/api/v1/users',
            headers: { cookie: admin, Origin: gw.origin(), 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: 'bob', password: 'bob password' }),
          })
          .then(noted('api write')),
      ]);
      // Every answer came while the lock was still held: nothing waited for it.
      expect(holder.events.slice(0, 1)).toEqual(['locked']);
      expect(holder.events).not.toContain('released');
      expect(byToken.status).toBe(200);
      expect(config.status).toBe(200);
      expect(bySession.status).toBe(200);
      for (const refused of [signIn, apiWrite]) {
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        expect(refused.json()).toMatchObject({ error: { code: 'DB_BUSY' } });
      }
    } finally {
      await holder.release();
    }

    // Once the lock is free, the writes go through and the noted times are written.
    const after = await gw.request({
      method: 'POST',
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: gw.origin() },
      body: JSON.stringify({ username: 'ann', password: 'ann password' }),
    });
    expect(after.status).toBe(200);
    expect(gw.core.auth.bookkeeping.flush()).toBe(true);
    expect(gw.core.store.tokens.find(view.id)?.lastUsedAt).toBe(clock.now());
  });

  it('a write that finds the lock taken waits its turn, without blocking other requests', async () => {
    const admin = await consoleSession(gw, 'admin', 'admin password 1');
    const holder = await holdWriteLock(`${gw.dataDir}/latchkey.db`, 10_000);
    const waited = firstBusyWrite(gw);
    const transaction = gw.core.store.db.transaction;
    try {
      const write = gw
        .request({
          method: 'POST',
          path: '/api/v1/users',
          headers: { cookie: admin, Origin: gw.origin(), 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'carol', password: 'carol password' }),
        })
        .then((res) => {
          holder.note('write answered');
          return res;
        });
      await waited;
      holder.note('write waiting');
      // Another request is answered while the write waits; then the lock goes.
      const config = await gw.request({ host: `localhost:${gw.port}`, path: '/api/v1/global/config' });
      expect(config.status).toBe(200);
      holder.note('config answered');
      await holder.release();
      expect((await write).status).toBe(200);
      expect(holder.events).toEqual(['locked', 'write waiting', 'config answered', 'released', 'write answered']);
    } finally {
      gw.core.store.db.transaction = transaction;
      await holder.release();
    }
  });
});

/** Resolves when a write transaction of the gateway first finds the lock taken. */
function firstBusyWrite(g: TestGateway): Promise<void> {
  const db = g.core.store.db;
  const transaction = db.transaction.bind(db);
  return new Promise((resolve) => {
    // Gateway writes all go through writeTransaction, which calls only `.immediate()`.
    db.transaction = ((work: () => unknown) => ({
      immediate() {
        try {
          return transaction(work).immediate();
        } catch (error) {
          if (String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) resolve();
          throw error;
        }
      },
    })) as unknown as typeof db.transaction;
  });
}

describe('many writers at once while another process holds the lock', () => {
  it('a started gateway never waits synchronously for a lock: its writes fail at BEGIN and retry later', () => {
    // better-sqlite3 waits inside the call: forty writers each waiting even 10 ms added up
    // to most of a second of an event loop that served nothing else.
    expect(gw.core.store.db.pragma('busy_timeout', { simple: true })).toBe(0);
  });
});
