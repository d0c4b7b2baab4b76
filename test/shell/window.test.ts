import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadWindowState } from '../../main/shell/bounds.js';
import { createMainWindow, showWindow } from '../../main/shell/window.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { electron, fakeEvent, FakeBrowserWindow, resetElectron } from './electron-mock.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

const data = tempDataDir();
const stateFile = join(data.dir, 'window-state.json');
let quitting = false;

function open(show = true) {
  const win = createMainWindow({ preload: '/app/dist/preload/index.cjs', stateFile, isQuitting: () => quitting, show });
  const fake = FakeBrowserWindow.instances.at(-1) as FakeBrowserWindow;
  expect(fake).toBe(win as unknown as FakeBrowserWindow);
  return fake;
}

beforeEach(() => {
  resetElectron();
  quitting = false;
  writeFileSync(stateFile, '');
});
afterEach(() => vi.useRealTimers());

describe('the console window', () => {
  it('is made with the security checklist (the options actually passed to BrowserWindow)', () => {
    const win = open();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    // Nothing that turns a safeguard off under another name.
    expect(prefs).not.toHaveProperty('enableRemoteModule');
    expect(prefs).not.toHaveProperty('experimentalFeatures');
    const off = Object.keys(prefs).filter((key) => prefs[key] === false);
    expect(off.filter((key) => /isolation|sandbox|security/i.test(key))).toEqual([]);
  });

  it('loads the console from the app scheme, never file://', () => {
    const win = open();
    expect(win.loadURL).toHaveBeenCalledWith('latchkey-app://console/');
  });

  it('shows itself when ready, unless started at login', () => {
    open(true).emit('ready-to-show');
    expect(FakeBrowserWindow.instances[0]?.show).toHaveBeenCalled();
    open(false).emit('ready-to-show');
    expect(FakeBrowserWindow.instances[1]?.show).not.toHaveBeenCalled();
  });

  it('closes to the tray, and closes for real once quitting', () => {
    const win = open();
    const close = fakeEvent();
    win.emit('close', close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(win.hide).toHaveBeenCalled();

    quitting = true;
    const last = fakeEvent();
    win.emit('close', last);
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('remembers its size and place in the data directory, and opens there next time', () => {
    vi.useFakeTimers();
    const win = open();
    win.emit('resize');
    vi.advanceTimersByTime(600);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({
      x: 40,
      y: 50,
      width: 900,
      height: 700,
      maximized: false,
    });
    open();
    expect(FakeBrowserWindow.instances[1]?.options).toMatchObject({ x: 40, y: 50, width: 900, height: 700 });
  });

  it('forgets a place on a screen that is gone, and a damaged file', () => {
    writeFileSync(stateFile, JSON.stringify({ x: 5000, y: 5000, width: 900, height: 700, maximized: true }));
    expect(loadWindowState(stateFile, [{ x: 0, y: 0, width: 1920, height: 1080 }])).toEqual({
      width: 900,
      height: 700,
      maximized: true,
    });
    writeFileSync(stateFile, '{not json');
    expect(loadWindowState(stateFile, [])).toMatchObject({ width: 1100, height: 760 });
    writeFileSync(stateFile, JSON.stringify({ width: 10, height: 1e9 }));
    expect(loadWindowState(stateFile, [])).toMatchObject({ width: 720, height: 10_000 });
  });

  it('comes to the front, restored, on the Identity screen when asked', () => {
    const win = open();
    win.minimized = true;
    showWindow(win as never, 'identity');
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
    expect(win.loadURL).toHaveBeenLastCalledWith('latchkey-app://console/#/identity');
    expect(electron.BrowserWindow).toBe(FakeBrowserWindow);
  });
});
