import { app, dialog, type BrowserWindow } from 'electron';
import type { Core } from '../core/index.js';
import { callApi } from './console-api.js';
import { loginItem } from './login-item.js';
import { openIfAppUrl, type ExternalLinks } from './security.js';
import { createTrayController, type TrayController } from './tray-controller.js';
import { toggleImpersonation } from './tray.js';
import { showWindow } from './window.js';

export interface TrayOptions {
  core: Core;
  mainWindow: BrowserWindow;
  links: ExternalLinks;
  assetsDir: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** Under `electron .`, where the app folder is part of the command that starts it. */
  defaultApp: boolean;
  log: (message: string, error?: unknown) => void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The command that starts the app again at login: the AppImage, or Electron with the app folder. */
function startCommand(env: NodeJS.ProcessEnv, defaultApp: boolean): string[] {
  if (env.APPIMAGE) return [env.APPIMAGE];
  return defaultApp ? [process.execPath, app.getAppPath()] : [process.execPath];
}

/**
 * The tray and what its menu does, each action through the console API; it refreshes
 * after each action and on every change of the settings or the apps, made anywhere.
 */
export function startTray(options: TrayOptions): TrayController {
  const { core, mainWindow, links, log } = options;
  const { api } = core;
  const startAtLogin = loginItem({
    app,
    platform: options.platform,
    env: options.env,
    command: startCommand(options.env, options.defaultApp),
  });
  const after = (work: Promise<unknown>) =>
    void work.then(
      () => tray.refresh(),
      (error: unknown) => dialog.showErrorBox('Latchkey', messageOf(error)),
    );

  const tray: TrayController = createTrayController({
    api,
    assetsDir: options.assetsDir,
    platform: options.platform,
    loginItem: startAtLogin,
    log,
    exposeMenu: options.env.LATCHKEY_E2E === '1' && !app.isPackaged,
    actions: {
      openConsole: () => showWindow(mainWindow),
      toggleImpersonation: () =>
        after(
          toggleImpersonation(api).then((outcome) => {
            if (outcome === 'identity') showWindow(mainWindow, 'identity');
          }),
        ),
      viewAs: (username) => after(callApi(api, 'viewAs.start', { username })),
      stopViewAs: () => after(callApi(api, 'viewAs.stop', {})),
      openApp: (url) => after(openIfAppUrl(url, links)),
      openRunApp: (slug, url) => {
        // The start is under way once the call returns; the browser shows its progress.
        callApi(api, 'apps.start', { slug }).catch((error: unknown) => log(`could not start ${slug}`, error));
        after(openIfAppUrl(url, links));
      },
      runApp: (slug, action) => after(callApi(api, `apps.${action}`, { slug })),
      setStartAtLogin: (on) => after(Promise.resolve().then(() => startAtLogin.set(on))),
      quit: () => app.quit(),
    },
  });
  // The tray shows the mode and the apps: a change from the CLI or a browser shows at once.
  core.feed.subscribe((kinds) => {
    if (kinds.includes('settings') || kinds.includes('apps')) void tray.refresh();
  });
  return tray;
}
