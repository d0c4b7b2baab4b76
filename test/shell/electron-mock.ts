import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/**
 * A stand-in for the `electron` module (its binary cannot be downloaded here). Test
 * files install it with
 *   vi.mock('electron', async () => (await import('./electron-mock.js')).electron);
 * and inspect what the shell did through the same objects.
 */

export class FakeWebContents extends EventEmitter {
  send = vi.fn();
  isDestroyed = vi.fn(() => false);
  mainFrame = { origin: 'latchkey-app://console', url: 'latchkey-app://console/', parent: null };
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler = vi.fn((handler: (details: { url: string }) => { action: string }) => {
    this.windowOpenHandler = handler;
  });
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  webContents = new FakeWebContents();
  minimized = false;
  loadURL = vi.fn(async (_url: string) => undefined);
  show = vi.fn();
  hide = vi.fn();
  focus = vi.fn();
  restore = vi.fn();
  maximize = vi.fn();
  isMinimized = vi.fn(() => this.minimized);
  isMaximized = vi.fn(() => false);
  getNormalBounds = vi.fn(() => ({ x: 40, y: 50, width: 900, height: 700 }));
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  setImage = vi.fn();
  setToolTip = vi.fn();
  setContextMenu = vi.fn();
  destroy = vi.fn();
  constructor(readonly image: unknown) {
    super();
    FakeTray.instances.push(this);
  }
}

function makeApp() {
  return Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    whenReady: vi.fn(async () => undefined),
    setPath: vi.fn(),
    getAppPath: vi.fn(() => '/opt/latchkey/app'),
    isPackaged: false,
    getLoginItemSettings: vi.fn(() => ({ openAtLogin: false })),
    setLoginItemSettings: vi.fn(),
  });
}

export const electron = {
  app: makeApp(),
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
  ipcRenderer: { invoke: vi.fn(async (channel: string, input: unknown) => ({ result: { channel, input } })) },
  contextBridge: { exposeInMainWorld: vi.fn() },
  session: {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    },
  },
  shell: { openExternal: vi.fn(async (_url: string) => undefined) },
  dialog: { showErrorBox: vi.fn() },
  nativeTheme: { shouldUseDarkColors: false, themeSource: 'system' },
  screen: { getAllDisplays: vi.fn(() => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }]) },
  Menu: {
    buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
    setApplicationMenu: vi.fn(),
  },
  nativeImage: { createFromPath: vi.fn((path: string) => ({ path })) },
};

/** Forgets what the previous test did. */
export function resetElectron(): void {
  vi.clearAllMocks();
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  const app = electron.app;
  app.removeAllListeners();
  app.requestSingleInstanceLock.mockImplementation(() => true);
}

/** A fake Electron event: records preventDefault. */
export function fakeEvent() {
  return { preventDefault: vi.fn() };
}
