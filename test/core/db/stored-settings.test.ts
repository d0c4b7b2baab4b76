/**
 * Stored settings are read through their schema (main/core/db/stored-settings.ts): a
 * value that fails it — a hand edit, a damaged row, another release's shape — is absent,
 * told once, and never takes the gateway down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../main/core/db/open.js';
import { SettingsRepo } from '../../../main/core/db/settings-repo.js';
import { createCoreForTests, type TestCore } from '../../helpers/core.js';
import type { Logger } from '../../../main/core/log.js';
import { manualClock } from '../../helpers/clock.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { sendRequest } from '../../helpers/gateway.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function repo(): { db: Db; settings: SettingsRepo; told: string[] } {
  const data = tempDataDir();
  const db = openDatabase(`${data.dir}/latchkey.db`);
  cleanups.push(data.remove, () => db.close());
  const told: string[] = [];
  return { db, settings: new SettingsRepo(db, manualClock(), (line) => told.push(line)), told };
}

/** Writes a row as another tool (or a damaged file) would: whatever text, no schema. */
const writeRaw = (db: Db, key: string, text: string) =>
  db
    .prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    )
    .run(key, text);

function collectingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
}

describe('the settings store', () => {
  it('reads a value back with the type its key has', () => {
    const { settings } = repo();
    settings.setMany({ 'gateway.last-port': 7781, 'viewas.global': { userId: 2, until: 5 } });
    const port: number | undefined = settings.get('gateway.last-port');
    expect(port).toBe(7781);
    expect(settings.get('viewas.global')).toEqual({ userId: 2, until: 5 });
    expect(settings.all()).toEqual({ 'gateway.last-port': 7781, 'viewas.global': { userId: 2, until: 5 } });
    // @ts-expect-error a key no registry entry names is no stored setting.
    expect(() => settings.get('gateway.last-prot')).not.toThrow();
    // @ts-expect-error nor may a value of the wrong type be stored.
    settings.setMany({ 'gateway.last-port': '7781' });
  });

  it('reads a damaged or misshapen value as absent, and tells it once', () => {
    const { db, settings, told } = repo();
    writeRaw(db, 'viewas.global', '{"userId": 1, "until":'); // torn JSON
    writeRaw(db, 'console.link', '"a string, not a link"');
    writeRaw(db, 'gateway.last-port', '70000');
    writeRaw(db, 'identn.impersonation.enabled', '"yes"');
    writeRaw(db, 'someone.elses-key', '{}');
    for (let i = 0; i < 3; i += 1) {
      expect(settings.get('viewas.global')).toBeUndefined();
      expect(settings.get('console.link')).toBeUndefined();
      expect(settings.get('gateway.last-port')).toBeUndefined();
      // The one key whose absence would unlock: read as off, not as the default (on).
      expect(settings.get('identn.impersonation.enabled')).toBe(false);
      expect(settings.all()).toEqual({ 'identn.impersonation.enabled': false });
    }
    expect(told).toHaveLength(4);
    expect(told.join('\n')).toMatch(/viewas\.global is ignored \(it is not JSON\)/);
    expect(told.join('\n')).toMatch(/identn\.impersonation\.enabled is ignored .*: it is read as false/);
  });
});

describe('a gateway whose stored state was damaged', () => {
  async function core(
    prepare?: (db: Db, first: TestCore) => void,
  ): Promise<{ core: TestCore; port: number; log: ReturnType<typeof collectingLog> }> {
    const data = tempDataDir();
    cleanups.push(data.remove);
    if (prepare) {
      const first = await createCoreForTests({ dataDir: data.dir, env: {}, port: 0 });
      prepare(first.store.db, first);
      await first.close();
    }
    const log = collectingLog();
    const made = await createCoreForTests({ dataDir: data.dir, env: {}, port: 0, log });
    cleanups.push(() => made.close());
    const { port } = await made.listen();
    return { core: made, port, log };
  }

  it('a torn view-as row does not shut the gateway (it was 503 for every request)', async () => {
    const { core: c, port, log } = await core();
    writeRaw(c.store.db, 'viewas.global', '{"userId": 1, "until":');
    const res = await sendRequest(port, { host: `latchkey.localhost:${port}`, path: '/api/v1/global/config' });
    expect(res.status).toBe(200);
    expect(log.warnings.filter((w) => w.includes('viewas.global'))).toHaveLength(1);
  });

  it('a damaged impersonation switch in a logins-mode store does not drop every lock (fail open to root admin)', async () => {
    const { port, log } = await core((db, first) => {
      first.store.apps.add({ slug: 'echo', upstream: 'http://127.0.0.1:9' }, 'admin');
      // Logins mode as `identn set` stores it, then two rows torn: read as absent, the
      // default (impersonation on) would let every request in as the root admin.
      writeRaw(db, 'identn.impersonation.enabled', '"fals');
      writeRaw(db, 'identn.tokenizer.enabled', 'tru');
      writeRaw(db, 'identn.apikey.enabled', 'false');
    });
    const res = await sendRequest(port, {
      host: `echo.localhost:${port}`,
      path: '/',
      headers: { Accept: 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(log.warnings.join('\n')).toMatch(/identn\.impersonation\.enabled is ignored .*read as false/);
  });

  it('damaged signing keys are replaced at start rather than stopping it', async () => {
    const { core: c } = await core((db) => writeRaw(db, 'assertion.keys', '{"kid": "not a list"}'));
    expect(c.store.settings.get('assertion.keys')).toHaveLength(1);
  });

  it('damaged signing keys while running keep the loaded ones published (never an empty JWKS)', async () => {
    const { core: c, port } = await core();
    const jwks = () =>
      sendRequest(port, { host: `latchkey.localhost:${port}`, path: '/.well-known/latchkey/jwks.json' });
    const before = (await jwks()).json<{ keys: { kid: string }[] }>().keys;
    expect(before).toHaveLength(1);
    writeRaw(c.store.db, 'assertion.keys', '"not keys"');
    c.state.current(); // the next request sees the write
    expect((await jwks()).json<{ keys: { kid: string }[] }>().keys).toEqual(before);
  });

  it('a console link row of the wrong shape refuses the link (400), not a 500', async () => {
    const { core: c, port } = await core();
    writeRaw(c.store.db, 'console.link', '{"hash": 5}');
    const res = await sendRequest(port, {
      host: `latchkey.localhost:${port}`,
      method: 'POST',
      path: '/.latchkey/console',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: `http://latchkey.localhost:${port}` },
      body: `code=${'a'.repeat(32)}`,
    });
    expect(res.status).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('HANDOFF_INVALID');
  });
});
