import { Menu, nativeImage, Tray } from 'electron';
import { join } from 'node:path';
import type { ConsoleApi } from './console-api.js';
import type { LoginItem } from './login-item.js';
import { readTrayState, trayIconName, trayMenuTemplate, trayToolTip, type TrayActions } from './tray.js';

export interface TrayOptions {
  api: ConsoleApi;
  assetsDir: string;
  platform: NodeJS.Platform;
  loginItem: LoginItem;
  actions: TrayActions;
  /** How often to look for changes made elsewhere (the CLI, `latchkey serve`). */
  pollMs?: number;
  log?: (message: string, error: unknown) => void;
  /**
   * The Electron e2e test (unpackaged, LATCHKEY_E2E=1) clicks the tray menu through
   * `globalThis.__latchkeyTrayMenu`: Playwright cannot reach a native tray.
   */
  exposeMenu?: boolean;
}

export interface TrayController {
  /** Reads the mode again and rebuilds the icon and menu if anything changed. */
  refresh(): Promise<void>;
  destroy(): void;
}

export function createTrayController(options: TrayOptions): TrayController {
  const image = (impersonation: boolean) =>
    nativeImage.createFromPath(join(options.assetsDir, `${trayIconName(impersonation, options.platform)}.png`));
  const tray = new Tray(image(false));
  tray.setToolTip('Latchkey');
  // Windows and some Linux trays: a click opens the console, the menu is on right-click.
  tray.on('click', () => options.actions.openConsole());

  let shown = '';
  const refresh = async () => {
    try {
      const state = await readTrayState(options.api, options.loginItem.get());
      const key = JSON.stringify(state);
      if (key === shown) return;
      shown = key;
      tray.setImage(image(state.impersonation));
      tray.setToolTip(trayToolTip(state));
      const menu = Menu.buildFromTemplate(trayMenuTemplate(state, options.actions));
      tray.setContextMenu(menu);
      if (options.exposeMenu) Object.assign(globalThis, { __latchkeyTrayMenu: menu });
    } catch (error) {
      options.log?.('could not refresh the tray', error);
    }
  };
  const timer = setInterval(() => void refresh(), options.pollMs ?? 5_000);
  timer.unref();
  void refresh();
  return {
    refresh,
    destroy() {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
