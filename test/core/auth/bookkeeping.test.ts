import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bookkeeping } from '../../../main/core/auth/bookkeeping.js';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { loadConfig } from '../../../main/core/config/config.js';
import type { Logger } from '../../../main/core/log.js';
import { openStore } from '../../../main/core/store.js';
import { createUser } from '../../../main/core/users-service.js';
import { createCoreForTests } from '../../helpers/core.js';
import { manualClock } from '../../helpers/clock.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { holdWriteLock } from '../../helpers/lock-holder.js';
import { consoleSession } from '../../helpers/sign-in.js';

const LOGINS = {
  LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
  LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
  LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
  LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function recordingLog(lines: string[]): Logger {
  const at = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('last-seen and last-used, written off the request path', () => {
  it('a session kept alive while its last-seen could not be written does not expire as idle', async () => {
    const clock = manualClock();
    const gw: TestGateway = await startGateway({ clock, env: { ...LOGINS, LATCHKEY_SESSION_IDLE_TIMEOUT: '10m' } });
    cleanups.push(() => gw.close());
    const cookie = await consoleSession(gw, 'admin', 'admin password 1');
    const whoAmI = () => gw.request({ path: '/api/v1/config', headers: { cookie, Origin: gw.origin() } });
    // Nothing can be written while another process holds the lock: last-seen stays in memory.
    const holder = await holdWriteLock(join(gw.dataDir, 'latchkey.db'), 20_000);
    try {
      clock.advance(6 * 60_000);
      expect((await whoAmI()).status).toBe(200);
      expect(gw.core.auth.bookkeeping.flush()).toBe(false);
      // Twelve minutes after sign-in (the stored last-seen), six after the last request.
      clock.advance(6 * 60_000);
      expect((await whoAmI()).status).toBe(200);
      // Eleven idle minutes after the last request: gone, whatever was written.
      clock.advance(11 * 60_000);
      expect((await whoAmI()).status).toBe(401);
    } finally {
      await holder.release();
    }
  });

  it('are flushed when the gateway closes', async () => {
    const clock = manualClock();
    const data = tempDataDir();
    cleanups.push(data.remove);
    const core = await createCoreForTests({ dataDir: data.dir, env: LOGINS, port: 0, clock });
    await core.listen();
    await createUser(core.store, { username: 'ci', password: 'ci password' }, 'test');
    const { view } = createToken(core.store, { username: 'ci', lifetimeMs: null }, 'test');
    // Noted by a request a moment ago; the next batch is seconds away.
    core.auth.bookkeeping.tokenUsed(view.id, clock.now());
    await core.close();
    const config = loadConfig({ dataDir: data.dir, env: LOGINS });
    const store = await openStore({ dataDir: data.dir, config, clock });
    expect(store.tokens.find(view.id)?.lastUsedAt).toBe(clock.now());
    store.close();
  });

  it('is bounded in memory while the store cannot take it, and says so once', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const config = loadConfig({ dataDir: data.dir, env: LOGINS });
    const store = await openStore({ dataDir: data.dir, config, clock: manualClock() });
    cleanups.push(() => store.close());
    const lines: string[] = [];
    const book = new Bookkeeping(store, recordingLog(lines), 2);
    for (const id of ['a', 'b', 'c', 'd']) book.tokenUsed(id, 1);
    book.tokenUsed('a', 5);
    expect(book.pending).toBe(2);
    expect(book.tokenLastUsed('a')).toBe(5);
    expect(book.tokenLastUsed('c')).toBeUndefined();
    expect(lines.filter((l) => l.includes('dropping'))).toHaveLength(1);
  });
});
