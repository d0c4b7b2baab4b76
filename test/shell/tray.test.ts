import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LatchkeyError } from '../../main/common/errors.js';
import type { Core } from '../../main/core/index.js';
import { autostartEntry, loginItem } from '../../main/shell/login-item.js';
import { createTrayController } from '../../main/shell/tray-controller.js';
import {
  toggleImpersonation,
  trayIconName,
  trayMenuTemplate,
  trayToolTip,
  type TrayActions,
  type TrayState,
} from '../../main/shell/tray.js';
import { electron, FakeTray, resetElectron } from './electron-mock.js';

type MenuItemConstructorOptions = ReturnType<typeof trayMenuTemplate>[number];

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

const assets = fileURLToPath(new URL('../../assets/', import.meta.url));

const state = (over: Partial<TrayState> = {}): TrayState => ({
  impersonation: true,
  pinnedBy: undefined,
  adminPasswordChosen: true,
  viewingAs: null,
  viewable: ['ann', 'bob'],
  apps: [{ name: 'Grafana', url: 'http://grafana.localhost:7780/' }],
  startAtLogin: false,
  ...over,
});

const actions = (): TrayActions & Record<string, ReturnType<typeof vi.fn>> => ({
  openConsole: vi.fn(),
  toggleImpersonation: vi.fn(),
  viewAs: vi.fn(),
  stopViewAs: vi.fn(),
  openApp: vi.fn(),
  openRunApp: vi.fn(),
  runApp: vi.fn(),
  setStartAtLogin: vi.fn(),
  quit: vi.fn(),
});

const item = (menu: MenuItemConstructorOptions[], label: string) => {
  const found = menu.find((i) => i.label === label);
  if (!found) throw new Error(`no menu item "${label}" in ${menu.map((i) => i.label).join(', ')}`);
  return found;
};
const click = (i: MenuItemConstructorOptions) => (i.click as unknown as () => void)();
const submenu = (i: MenuItemConstructorOptions) => i.submenu as MenuItemConstructorOptions[];

beforeEach(() => resetElectron());

describe('the tray menu, built from the mode', () => {
  it('opens (starting if need be), stops and restarts the apps Latchkey runs, with their state', () => {
    const a = actions();
    const menu = trayMenuTemplate(
      state({
        apps: [
          { name: 'Grafana', url: 'http://grafana.localhost:7780/' },
          { name: 'Notebook', url: 'http://nb.localhost:7780/', slug: 'nb', run: 'stopped' },
          { name: 'Prometheus', url: 'http://prom.localhost:7780/', slug: 'prom', run: 'running' },
        ],
      }),
      a,
    );
    const [grafana, nb, prom] = submenu(item(menu, 'Open an app'));
    click(grafana as MenuItemConstructorOptions);
    expect(a.openApp).toHaveBeenCalledWith('http://grafana.localhost:7780/');
    expect(nb).toMatchObject({ label: 'Notebook', sublabel: 'stopped' });
    const nbItems = submenu(nb as MenuItemConstructorOptions);
    expect(nbItems.map((i) => [i.label, i.enabled ?? true])).toEqual([
      ['Start and open', true],
      ['Stop', false],
      ['Restart', true],
    ]);
    click(nbItems[0] as MenuItemConstructorOptions);
    expect(a.openRunApp).toHaveBeenCalledWith('nb', 'http://nb.localhost:7780/');
    const promItems = submenu(prom as MenuItemConstructorOptions);
    expect(promItems[0]?.label).toBe('Open');
    click(promItems[1] as MenuItemConstructorOptions);
    expect(a.runApp).toHaveBeenCalledWith('prom', 'stop');
    click(promItems[2] as MenuItemConstructorOptions);
    expect(a.runApp).toHaveBeenCalledWith('prom', 'restart');
  });

  it('with impersonation on: the latch is open, the toggle checked, view-as offered', () => {
    const a = actions();
    const menu = trayMenuTemplate(state(), a);
    expect(menu.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open console',
      'Impersonation mode',
      'Latch open: no sign-in needed',
      'View as…',
      'Open an app',
      'Start at login',
      'Quit Latchkey',
    ]);
    expect(item(menu, 'Impersonation mode')).toMatchObject({ type: 'checkbox', checked: true, enabled: true });
    const viewAs = submenu(item(menu, 'View as…'));
    expect(viewAs.map((i) => i.label)).toEqual(['ann', 'bob']);
    click(viewAs[1] as MenuItemConstructorOptions);
    expect(a.viewAs).toHaveBeenCalledWith('bob');
    click(item(menu, 'Impersonation mode'));
    expect(a.toggleImpersonation).toHaveBeenCalled();
  });

  it('with logins on: the latch is closed, the toggle unchecked, view-as left to a signed-in console', () => {
    const menu = trayMenuTemplate(state({ impersonation: false }), actions());
    expect(item(menu, 'Impersonation mode')).toMatchObject({ checked: false, enabled: true });
    expect(menu.some((i) => i.label === 'Latch closed: people sign in')).toBe(true);
    expect(item(menu, 'View as…')).toMatchObject({ enabled: false });
    expect(item(menu, 'View as…').submenu).toBeUndefined();
  });

  it('while viewing as someone: offers to stop, and checks who', () => {
    const a = actions();
    const viewAs = submenu(item(trayMenuTemplate(state({ viewingAs: 'ann' }), a), 'View as…'));
    expect(viewAs[0]?.label).toBe('Stop viewing as ann');
    expect(viewAs.find((i) => i.label === 'ann')).toMatchObject({ checked: true });
    expect(viewAs.find((i) => i.label === 'bob')).toMatchObject({ checked: false, enabled: false });
    click(viewAs[0] as MenuItemConstructorOptions);
    expect(a.stopViewAs).toHaveBeenCalled();
  });

  it('a mode pinned by the environment cannot be toggled, and says by what', () => {
    const menu = trayMenuTemplate(state({ pinnedBy: 'LATCHKEY_IDENTN_IMPERSONATION_ENABLED' }), actions());
    expect(item(menu, 'Impersonation mode')).toMatchObject({
      enabled: false,
      sublabel: 'Set by LATCHKEY_IDENTN_IMPERSONATION_ENABLED',
    });
  });

  it('opens apps, the console, sets start at login, and quits', () => {
    const a = actions();
    const menu = trayMenuTemplate(state(), a);
    click(submenu(item(menu, 'Open an app'))[0] as MenuItemConstructorOptions);
    expect(a.openApp).toHaveBeenCalledWith('http://grafana.localhost:7780/');
    click(item(menu, 'Open console'));
    expect(a.openConsole).toHaveBeenCalled();
    click(item(menu, 'Start at login'));
    expect(a.setStartAtLogin).toHaveBeenCalledWith(true);
    click(item(menu, 'Quit Latchkey'));
    expect(a.quit).toHaveBeenCalled();
    expect(submenu(item(trayMenuTemplate(state({ apps: [] }), a), 'Open an app'))).toEqual([
      { label: 'No apps yet', enabled: false },
    ]);
    expect(trayMenuTemplate(state({ startAtLogin: undefined }), a).some((i) => i.label === 'Start at login')).toBe(
      false,
    );
  });

  it('uses the open and closed latch icons, as template images on macOS, each at 1x and 2x', () => {
    expect(trayIconName(true, 'linux')).toBe('tray-open');
    expect(trayIconName(false, 'win32')).toBe('tray-closed');
    expect(trayIconName(true, 'darwin')).toBe('tray-openTemplate');
    for (const name of ['tray-open', 'tray-closed', 'tray-openTemplate', 'tray-closedTemplate']) {
      for (const [file, size] of [
        [`${name}.png`, 16],
        [`${name}@2x.png`, 32],
      ] as const) {
        const png = readFileSync(join(assets, file));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
      }
    }
    expect(trayToolTip({ impersonation: true, viewingAs: 'ann' })).toContain('impersonation on');
  });
});

/** The console API as the tray sees it, with the guards' inputs. */
function api(options: { impersonation: boolean; chosen: boolean; setError?: Error }) {
  return {
    'config.get': vi.fn(() => ({
      identn: { impersonation: { enabled: options.impersonation, source: 'stored' } },
      adminPasswordChosen: options.chosen,
      rootUsername: 'admin',
      viewingAs: null,
    })),
    'identn.set': vi.fn(() => {
      if (options.setError) throw options.setError;
      return {};
    }),
    // The core answers whom one may view as (test/shell/view-as-candidates.test.ts).
    'viewAs.candidates': vi.fn(() => [{ username: 'ann', role: 'ReadOnly' }]),
    'apps.list': vi.fn(() => [{ name: 'Grafana', url: 'http://grafana.localhost:7780/' }]),
  };
}
const asApi = (a: ReturnType<typeof api>) => a as unknown as Core['api'];

describe('toggling impersonation from the tray (the console guards)', () => {
  it('turns impersonation off through identn.set, as the desktop console', async () => {
    const a = api({ impersonation: true, chosen: true });
    expect(await toggleImpersonation(asApi(a))).toBe('changed');
    expect(a['identn.set']).toHaveBeenCalledWith({ impersonation: false }, { kind: 'console-link', via: 'desktop' });
  });

  it('turns it back on', async () => {
    const a = api({ impersonation: false, chosen: true });
    expect(await toggleImpersonation(asApi(a))).toBe('changed');
    expect(a['identn.set']).toHaveBeenCalledWith({ impersonation: true }, { kind: 'console-link', via: 'desktop' });
  });

  it('opens the Identity screen instead when the admin password was never chosen', async () => {
    const a = api({ impersonation: true, chosen: false });
    expect(await toggleImpersonation(asApi(a))).toBe('identity');
    expect(a['identn.set']).not.toHaveBeenCalled();
  });

  it('opens the Identity screen when the core refuses for want of a password', async () => {
    const a = api({
      impersonation: true,
      chosen: true,
      setError: new LatchkeyError('ADMIN_PASSWORD_NOT_CHOSEN', 'choose one'),
    });
    expect(await toggleImpersonation(asApi(a))).toBe('identity');
  });

  it('passes other refusals on, to be shown', async () => {
    const a = api({ impersonation: true, chosen: true, setError: new LatchkeyError('IDENTN_PINNED', 'pinned') });
    await expect(toggleImpersonation(asApi(a))).rejects.toMatchObject({ code: 'IDENTN_PINNED' });
  });
});

describe('the tray icon', () => {
  it('shows the mode read from the API, and follows it on refresh', async () => {
    const a = api({ impersonation: true, chosen: true });
    const controller = createTrayController({
      api: asApi(a),
      assetsDir: '/app/assets',
      platform: 'linux',
      loginItem: { get: () => false, set: () => undefined },
      actions: actions(),
      pollMs: 60_000,
    });
    const tray = FakeTray.instances[0] as FakeTray;
    await vi.waitFor(() => expect(tray.setContextMenu).toHaveBeenCalledTimes(1));
    expect(tray.setImage).toHaveBeenLastCalledWith({ path: '/app/assets/tray-open.png' });
    const template = electron.Menu.buildFromTemplate.mock.calls.at(-1)?.[0] as MenuItemConstructorOptions[];
    expect(item(template, 'Impersonation mode').checked).toBe(true);
    expect(submenu(item(template, 'View as…')).map((i) => i.label)).toEqual(['ann']);

    await controller.refresh();
    expect(tray.setContextMenu).toHaveBeenCalledTimes(1); // nothing changed, nothing rebuilt

    a['config.get'].mockImplementation(() => ({
      identn: { impersonation: { enabled: false, source: 'stored' } },
      adminPasswordChosen: true,
      rootUsername: 'admin',
      viewingAs: null,
    }));
    await controller.refresh();
    expect(tray.setImage).toHaveBeenLastCalledWith({ path: '/app/assets/tray-closed.png' });
    const after = electron.Menu.buildFromTemplate.mock.calls.at(-1)?.[0] as MenuItemConstructorOptions[];
    expect(item(after, 'Impersonation mode').checked).toBe(false);
    controller.destroy();
    expect(tray.destroy).toHaveBeenCalled();
  });
});

describe('start at login', () => {
  it('uses Electron login items on macOS and Windows, opening hidden', () => {
    const item = loginItem({ app: electron.app as never, platform: 'darwin', env: {}, command: [] });
    item.set(true);
    expect(electron.app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
    expect(item.get()).toBe(false);
  });

  it('writes an XDG autostart entry on Linux', () => {
    const config = mkdtempSync(join(tmpdir(), 'latchkey-xdg-'));
    const item = loginItem({
      app: electron.app as never,
      platform: 'linux',
      env: { XDG_CONFIG_HOME: config },
      command: ['/home/me/Apps/Latchkey.AppImage'],
    });
    expect(item.get()).toBe(false);
    item.set(true);
    expect(item.get()).toBe(true);
    const entry = readFileSync(join(config, 'autostart', 'latchkey.desktop'), 'utf8');
    expect(entry).toContain('Exec=/home/me/Apps/Latchkey.AppImage --hidden');
    item.set(false);
    expect(existsSync(join(config, 'autostart', 'latchkey.desktop'))).toBe(false);
    expect(autostartEntry(['/opt/My Apps/latchkey'])).toContain('Exec="/opt/My Apps/latchkey" --hidden');
  });
});
