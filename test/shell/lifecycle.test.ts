import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Core, CoreOptions } from '../../main/core/index.js';
import { cliVerb, userArgs } from '../../main/shell/cli-dispatch.js';
import { run, type ShellDeps } from '../../main/shell/lifecycle.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { electron, fakeEvent, FakeBrowserWindow, FakeTray, resetElectron } from './electron-mock.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

const VERBS = new Set(['serve', 'app', 'admin', 'identn', 'help']);
const data = tempDataDir();

function fakeCore() {
  const api = {
    'config.get': vi.fn(() => ({
      identn: { impersonation: { enabled: true, source: 'default' } },
      adminPasswordChosen: false,
      rootUsername: 'admin',
      viewingAs: null,
    })),
    'viewAs.candidates': vi.fn(() => []),
    'apps.list': vi.fn(() => []),
  };
  return {
    api,
    listen: vi.fn(async () => ({ port: 7780 })),
    close: vi.fn(async () => undefined),
    feed: { subscribe: vi.fn((_listener: (kinds: string[]) => void) => () => undefined) },
  };
}

function deps(argv: string[], over: Partial<ShellDeps> = {}) {
  const core = fakeCore();
  const d = {
    argv: ['/opt/Latchkey/latchkey', ...argv],
    defaultApp: false,
    env: { LATCHKEY_DATA_DIR: data.dir },
    platform: 'linux' as NodeJS.Platform,
    cliMain: vi.fn(async (_args: readonly string[]) => undefined),
    cliVerbs: VERBS,
    createCore: vi.fn(async (_options: CoreOptions) => core as unknown as Core),
    resolveDataDir: vi.fn(() => data.dir),
    appRoot: '/opt/Latchkey/resources/app.asar',
    log: vi.fn(),
    ...over,
  };
  return { d, core };
}

beforeEach(() => resetElectron());

describe('CLI verbs given to the app binary', () => {
  it('finds the verb after the binary, and after the app folder under `electron .`', () => {
    expect(userArgs(['latchkey', 'app', 'list'], false)).toEqual(['app', 'list']);
    expect(userArgs(['electron', '.', 'app', 'list'], true)).toEqual(['app', 'list']);
    expect(cliVerb(['app', 'list'], VERBS)).toBe('app');
    expect(cliVerb(['--no-sandbox', 'serve', '--port', '0'], VERBS)).toBe('serve');
    expect(cliVerb(['--version'], VERBS)).toBe('--version');
    expect(cliVerb([], VERBS)).toBeUndefined();
    expect(cliVerb(['--hidden'], VERBS)).toBeUndefined();
    expect(cliVerb(['/some/file'], VERBS)).toBeUndefined();
  });

  it('run the CLI without a window, before (and without) the single-instance lock, then exit', async () => {
    const { d } = deps(['app', 'list']);
    electron.app.requestSingleInstanceLock.mockImplementation(() => false);
    expect(await run(d)).toBe('cli');
    expect(d.cliMain).toHaveBeenCalledWith(['app', 'list']);
    expect(electron.app.requestSingleInstanceLock).not.toHaveBeenCalled();
    expect(electron.app.whenReady).not.toHaveBeenCalled();
    expect(d.createCore).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(FakeTray.instances).toHaveLength(0);
    expect(electron.app.exit).toHaveBeenCalledWith(0);
  });

  it('keep the process up for `serve`, which runs until interrupted', async () => {
    const { d } = deps(['serve', '--port', '0']);
    expect(await run(d)).toBe('cli');
    expect(d.cliMain).toHaveBeenCalledWith(['serve', '--port', '0']);
    expect(electron.app.exit).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });
});

describe('one instance', () => {
  it('a second launch without the lock quits before starting anything', async () => {
    electron.app.requestSingleInstanceLock.mockImplementation(() => false);
    const { d } = deps([]);
    expect(await run(d)).toBe('second-instance');
    expect(electron.app.quit).toHaveBeenCalled();
    expect(d.createCore).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('the first instance comes to the front when a second one is launched', async () => {
    const { d } = deps([]);
    await run(d);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    win.minimized = true;
    electron.app.emit('second-instance', fakeEvent(), ['latchkey'], '/');
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });
});

describe('starting and stopping', () => {
  it('registers the scheme before ready, and starts the core on the data folder without HTTP control plane', async () => {
    const { d, core } = deps([]);
    expect(await run(d)).toBe('started');
    const order = (fn: { mock: { invocationCallOrder: number[] } }) => fn.mock.invocationCallOrder[0] as number;
    expect(order(electron.app.requestSingleInstanceLock)).toBeLessThan(
      order(electron.protocol.registerSchemesAsPrivileged),
    );
    expect(order(electron.protocol.registerSchemesAsPrivileged)).toBeLessThan(order(electron.app.whenReady));
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', data.dir);
    expect(d.createCore).toHaveBeenCalledWith(expect.objectContaining({ dataDir: data.dir, httpControlPlane: false }));
    expect(core.listen).toHaveBeenCalled();
    expect(electron.ipcMain.handle).toHaveBeenCalledWith('latchkey:config.get', expect.any(Function));
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(electron.protocol.handle).toHaveBeenCalledWith('latchkey-app', expect.any(Function));
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect((FakeBrowserWindow.instances[0]?.options.webPreferences as { preload: string }).preload).toBe(
      '/opt/Latchkey/resources/app.asar/dist/preload/index.cjs',
    );
    expect(FakeTray.instances).toHaveLength(1);
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalled();
  });

  it('the tray follows the change feed: a mode or app changed elsewhere (CLI) is read again at once', async () => {
    const { d, core } = deps([]);
    await run(d);
    await vi.waitFor(() => expect(core.api['config.get']).toHaveBeenCalled());
    const reads = () => core.api['config.get'].mock.calls.length;
    const before = reads();
    const listeners = core.feed.subscribe.mock.calls.map(([listener]) => listener as (kinds: string[]) => void);
    for (const listener of listeners) listener(['audit']);
    await Promise.resolve();
    expect(reads()).toBe(before);
    for (const listener of listeners) listener(['settings']);
    await vi.waitFor(() => expect(reads()).toBeGreaterThan(before));
    // And the console window hears it over IPC.
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    expect(win.webContents.send).toHaveBeenCalledWith('latchkey:changed', ['settings']);
  });

  it('stays in the tray when the window closes, and closes the core on quit', async () => {
    const { d, core } = deps([]);
    await run(d);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    const close = fakeEvent();
    win.emit('close', close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(electron.app.listenerCount('window-all-closed')).toBe(1);

    electron.app.emit('before-quit');
    const closeNow = fakeEvent();
    win.emit('close', closeNow);
    expect(closeNow.preventDefault).not.toHaveBeenCalled();

    const quit = fakeEvent();
    electron.app.emit('will-quit', quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
    expect(core.close).toHaveBeenCalledTimes(1);
    // The second will-quit, once the core is closed, lets the app go.
    const again = fakeEvent();
    electron.app.emit('will-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });

  it('opens to the tray only when started at login', async () => {
    const { d } = deps(['--hidden']);
    await run(d);
    FakeBrowserWindow.instances[0]?.emit('ready-to-show');
    expect(FakeBrowserWindow.instances[0]?.show).not.toHaveBeenCalled();
  });

  it('says why when the core cannot start, and exits', async () => {
    const { d } = deps([], { createCore: vi.fn(async () => Promise.reject(new Error('port 7780 is in use'))) });
    expect(await run(d)).toBe('failed');
    expect(electron.dialog.showErrorBox).toHaveBeenCalledWith('Latchkey could not start', 'port 7780 is in use');
    expect(electron.app.exit).toHaveBeenCalledWith(1);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('hardens every web contents created', async () => {
    const { d } = deps([]);
    await run(d);
    const contents = new (await import('./electron-mock.js')).FakeWebContents();
    electron.app.emit('web-contents-created', fakeEvent(), contents);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });
});
