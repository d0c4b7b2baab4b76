import { BrowserWindow, nativeTheme, screen, type BrowserWindowConstructorOptions } from 'electron';
import { loadWindowState, MIN_SIZE, saveWindowState } from './bounds.js';
import { CONSOLE_URL } from './protocol.js';

export interface MainWindowOptions {
  /** The bundled preload: dist/preload/index.cjs. */
  preload: string;
  icon?: string | undefined;
  /** window-state.json in the data directory. */
  stateFile: string;
  /** True once the user chose Quit: then closing closes, otherwise it hides to the tray. */
  isQuitting(): boolean;
  /** False when started at login: the tray icon is enough until asked. */
  show: boolean;
}

/** Electron's security checklist, as the window is made with it. */
function options(preload: string, icon: string | undefined): BrowserWindowConstructorOptions {
  return {
    title: 'Latchkey',
    show: false,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    // No white flash before the console paints in a dark OS theme.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const state = loadWindowState(
    opts.stateFile,
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const { maximized, ...bounds } = state;
  const win = new BrowserWindow({ ...options(opts.preload, opts.icon), ...bounds });
  if (maximized) win.maximize();
  if (opts.show) win.once('ready-to-show', () => win.show());

  const save = () => {
    try {
      saveWindowState(opts.stateFile, win.getNormalBounds(), win.isMaximized());
    } catch {
      // Remembering the size is a comfort, never a reason to fail.
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', (event) => {
    clearTimeout(timer);
    save();
    if (!opts.isQuitting()) {
      // Close to the tray: the gateway keeps running.
      event.preventDefault();
      win.hide();
    }
  });
  void win.loadURL(CONSOLE_URL);
  return win;
}

/** Brings the window to the front: the tray's "Open console", a second launch. */
export function showWindow(win: BrowserWindow, hash?: string): void {
  if (hash !== undefined) void win.loadURL(`${CONSOLE_URL}#/${hash}`);
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
