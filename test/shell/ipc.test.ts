import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { API, type ApiMethod } from '../../main/common/api.js';
import { LatchkeyError } from '../../main/common/errors.js';
import { createCore, type Core } from '../../main/core/index.js';
import { answer, API_METHODS, bindIpc, channelOf, forwardChanges } from '../../main/shell/ipc.js';
import type { ChangeKind } from '../../main/common/api.js';
import type { buildBridge as BuildBridgeFn } from '../../main/preload/index.js';

type BuildBridge = typeof BuildBridgeFn;
import { createCoreForTests, type TestCore } from '../helpers/core.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { electron, resetElectron } from './electron-mock.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

type Api = Core['api'];
type Frame = Parameters<typeof answer>[2]['senderFrame'];

const METHODS = Object.keys(API).sort();
const consoleFrame = { origin: 'latchkey-app://console', url: 'latchkey-app://console/#/users', parent: null };
const event = (frame: unknown) => ({ senderFrame: frame as Frame });

/** A console API whose every method answers its own name. */
function echoApi(): Api {
  return Object.fromEntries(
    (Object.keys(API) as ApiMethod[]).map((m) => [m, vi.fn((input: unknown) => ({ method: m, input }))]),
  ) as unknown as Api;
}

beforeEach(() => resetElectron());

describe('the IPC contract', () => {
  it('binds a handler on latchkey:<method> for every method of the contract, and nothing else', () => {
    bindIpc(electron.ipcMain, echoApi());
    const channels = electron.ipcMain.handle.mock.calls.map(([channel]) => channel as string).sort();
    expect(channels).toEqual(METHODS.map((m) => `latchkey:${m}`));
  });

  it('exposes one preload function per method, each on its own channel, and no generic invoke', async () => {
    await import('../../main/preload/index.js');
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [name, bridge] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>];
    expect(name).toBe('latchkey');
    expect(Object.keys(bridge).sort()).toEqual([...METHODS, 'onChange'].sort());
    for (const method of METHODS) {
      const call = bridge[method] as (input: unknown) => Promise<unknown>;
      expect(typeof call).toBe('function');
      await call({ probe: method });
      expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(`latchkey:${method}`, { probe: method });
    }
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  const bundle = fileURLToPath(new URL('../../dist/preload/index.cjs', import.meta.url));
  it.skipIf(!existsSync(bundle))('the bundled preload is one CommonJS file that requires only electron', () => {
    const required: string[] = [];
    const exposed: Record<string, Record<string, unknown>> = {};
    const module = { exports: {} };
    runInNewContext(readFileSync(bundle, 'utf8'), {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
        return {
          contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed[key] = api) },
          ipcRenderer: { invoke: async () => undefined },
        };
      },
    });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed.latchkey ?? {}).sort()).toEqual([...METHODS, 'onChange'].sort());
  });
});

describe('a call over IPC', () => {
  it('parses the input with the shared schema and calls the service as the desktop console (which may define commands)', async () => {
    const api = echoApi();
    const reply = await answer(api, 'audit.list', event(consoleFrame), { limit: '5' });
    expect(reply).toEqual({ result: { method: 'audit.list', input: { limit: 5, offset: 0 } } });
    expect(api['audit.list']).toHaveBeenCalledWith({ limit: 5, offset: 0 }, { kind: 'console-link', via: 'desktop' });
  });

  it('refuses input the schema refuses, with BAD_ARGUMENT, without calling the service', async () => {
    const api = echoApi();
    const reply = await answer(api, 'users.delete', event(consoleFrame), { username: 'x', extra: true });
    expect(reply).toMatchObject({ error: { code: 'BAD_ARGUMENT' } });
    expect(api['users.delete']).not.toHaveBeenCalled();
  });

  it('keeps the error code of the service, and hides unexpected errors behind INTERNAL_ERROR', async () => {
    const api = echoApi();
    vi.mocked(api['bans.lift']).mockImplementation(() => {
      throw new LatchkeyError('LAST_ADMIN', 'no');
    });
    vi.mocked(api['bans.list']).mockImplementation(() => {
      throw new Error('disk on fire at /secret/path');
    });
    const log = vi.fn();
    expect(await answer(api, 'bans.lift', event(consoleFrame), { username: 'ann' })).toEqual({
      error: { code: 'LAST_ADMIN', message: 'no' },
    });
    const hidden = await answer(api, 'bans.list', event(consoleFrame), {}, { log });
    expect(hidden).toMatchObject({ error: { code: 'INTERNAL_ERROR' } });
    expect(JSON.stringify(hidden)).not.toContain('/secret/path');
    expect(log).toHaveBeenCalled();
  });

  it.each([
    ['a foreign origin', { origin: 'https://evil.example', url: 'https://evil.example/', parent: null }],
    ['a subframe of the console', { ...consoleFrame, parent: consoleFrame }],
    ['an app page', { origin: 'http://grafana.localhost:7780', url: 'http://grafana.localhost:7780/', parent: null }],
    ['another host of our scheme', { origin: 'latchkey-app://other', url: 'latchkey-app://other/', parent: null }],
    ['a file page', { origin: 'file://', url: 'file:///etc/passwd', parent: null }],
    ['a frame that is gone', null],
  ])('refuses a sender that is %s, without calling the service', async (_name, frame) => {
    const api = echoApi();
    bindIpc(electron.ipcMain, api);
    const handler = electron.ipcMain.handle.mock.calls.find(([channel]) => channel === 'latchkey:users.list')?.[1] as (
      event: unknown,
      input: unknown,
    ) => Promise<unknown>;
    expect(await handler(event(frame), {})).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(api['users.list']).not.toHaveBeenCalled();
    expect(await handler(event(consoleFrame), {})).toEqual({ result: { method: 'users.list', input: {} } });
  });

  it('answers a store that cannot take the write with its reason, not INTERNAL_ERROR (a read-only database)', async () => {
    const data = tempDataDir();
    const file = join(data.dir, 'read-only.db');
    new Database(file).exec('CREATE TABLE t (x)');
    const readOnly = new Database(file, { readonly: true });
    try {
      const api = echoApi();
      vi.mocked(api['bans.lift']).mockImplementation(() => {
        readOnly.prepare('INSERT INTO t VALUES (1)').run();
        return { lifted: true };
      });
      expect(await answer(api, 'bans.lift', event(consoleFrame), { username: 'ann' })).toEqual({
        error: { code: 'DATA_DIR_READ_ONLY', message: expect.stringMatching(/read-only/) },
      });
    } finally {
      readOnly.close();
      data.remove();
    }
  });

  it('tells the tray after a call that succeeded', async () => {
    const onCalled = vi.fn();
    await answer(echoApi(), 'identn.set', event(consoleFrame), { impersonation: false }, { onCalled });
    expect(onCalled).toHaveBeenCalledWith('identn.set');
  });

  it('unbinds every channel', () => {
    const unbind = bindIpc(electron.ipcMain, echoApi());
    unbind();
    expect(electron.ipcMain.removeHandler.mock.calls.map(([c]) => c).sort()).toEqual(API_METHODS.map(channelOf).sort());
  });
});

describe('over IPC to the real console API', () => {
  const data = tempDataDir();
  let core: Core;
  beforeAll(async () => {
    core = await createCore({ dataDir: data.dir, env: {}, httpControlPlane: false });
  });
  afterAll(async () => {
    await core?.close();
    data.remove();
  });

  it('answers results, and errors with the code the service threw', async () => {
    const config = await answer(core.api, 'config.get', event(consoleFrame), {});
    expect(config).toMatchObject({ result: { caller: { kind: 'console-link', username: null } } });
    expect(await answer(core.api, 'users.delete', event(consoleFrame), { username: 'nobody' })).toMatchObject({
      error: { code: 'USER_NOT_FOUND' },
    });
  });
});

describe('the change feed over IPC', () => {
  const data = tempDataDir();
  let core: TestCore;
  let buildBridge: BuildBridge;
  beforeAll(async () => {
    ({ buildBridge } = await import('../../main/preload/index.js'));
    core = await createCoreForTests({ dataDir: data.dir, env: {}, httpControlPlane: false });
  });
  afterAll(async () => {
    await core?.close();
    data.remove();
  });

  /** A console window whose sends go where the preload listens, as Electron would carry them. */
  function wire(frame: unknown) {
    const handlers = new Set<(event: unknown, payload: unknown) => void>();
    const contents = {
      send: vi.fn((_channel: string, payload: unknown) => handlers.forEach((h) => h({ sender: 'main' }, payload))),
      isDestroyed: () => false,
      mainFrame: frame as never,
    };
    const bridge = buildBridge(
      async () => undefined,
      (_channel, handler) => {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    );
    return { contents, bridge };
  }

  it('tells the console window what kind of thing changed when another process (the CLI) writes', async () => {
    const { contents, bridge } = wire(consoleFrame);
    const stop = forwardChanges(core.feed, contents);
    const seen: ChangeKind[][] = [];
    const unsubscribe = bridge.onChange((kinds) => seen.push(kinds));
    // Another connection, as the CLI is: only data_version tells the gateway.
    const other = new Database(join(data.dir, 'latchkey.db'));
    other.prepare(`UPDATE settings SET value = 'false', updated_at = 1 WHERE key = 'identn.apikey.enabled'`).run();
    other
      .prepare(
        `INSERT INTO apps (slug, name, upstream, headers, preserve_host, created_at, updated_at) VALUES ('grafana', 'Grafana', 'http://127.0.0.1:3000', 'generic', 0, 1, 1)`,
      )
      .run();
    other.close();
    await vi.waitFor(() => expect(seen.flat()).toContain('apps'), { timeout: 2_000, interval: 20 });
    expect(contents.send).toHaveBeenCalledWith('latchkey:changed', expect.arrayContaining(['apps']));
    expect(seen.flat()).not.toContain('users');
    unsubscribe();
    stop();
    expect(core.feed.size).toBe(0);
  });

  it('a page the console window navigated to hears nothing of the feed', async () => {
    const { contents } = wire({ origin: 'https://evil.example', url: 'https://evil.example/', parent: null });
    const stop = forwardChanges(core.feed, contents);
    const other = new Database(join(data.dir, 'latchkey.db'));
    other.prepare(`DELETE FROM apps`).run();
    other.close();
    core.feed.changed();
    stop();
    expect(contents.send).not.toHaveBeenCalled();
  });

  it('the preload passes on only known kinds, never the IPC event', () => {
    const { bridge } = wire(consoleFrame);
    const seen: unknown[] = [];
    let handler: ((event: unknown, payload: unknown) => void) | undefined;
    const b = buildBridge(
      async () => undefined,
      (_c, h) => {
        handler = h;
        return () => undefined;
      },
    );
    b.onChange((kinds) => seen.push(kinds));
    handler?.({ sender: 'main' }, ['apps']);
    handler?.({ sender: 'main' }, ['require']);
    handler?.({ sender: 'main' }, 'apps');
    expect(seen).toEqual([['apps']]);
    expect(typeof bridge.onChange).toBe('function');
  });
});
