import { app, dialog, ipcMain, Menu, nativeTheme, protocol, session, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { Core, CoreOptions } from '../core/index.js';
import { windowStateFile } from './bounds.js';
import { cliVerb, LONG_RUNNING_VERBS, userArgs } from './cli-dispatch.js';
import { callApi } from './console-api.js';
import { bindIpc, forwardChanges } from './ipc.js';
import { HIDDEN_FLAG, loginItem } from './login-item.js';
import { appMenuTemplate } from './menu.js';
import { appPaths } from './paths.js';
import { handleConsoleProtocol, registerScheme } from './protocol.js';
import { denyPermissions, hardenWebContents, openIfAppUrl, type ExternalLinks } from './security.js';
import { createTrayController, type TrayController } from './tray-controller.js';
import { toggleImpersonation } from './tray.js';
import { createMainWindow, showWindow } from './window.js';

/** What the shell needs from outside Electron: the process, the CLI and the core. */
export interface ShellDeps {
  argv: readonly string[];
  /** `process.defaultApp`: true under `electron .`, where the app folder is argv[1]. */
  defaultApp: boolean;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  cliMain(args: readonly string[]): Promise<void>;
  cliVerbs: ReadonlySet<string>;
  createCore(options: CoreOptions): Promise<Core>;
  resolveDataDir(input: { env: NodeJS.ProcessEnv }): string;
  /** The app's folder; default app.getAppPath(). */
  appRoot?: string;
  log?: (message: string, error?: unknown) => void;
}

export type Outcome = 'cli' | 'second-instance' | 'started' | 'failed';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The app's life: CLI verbs first (no window, no lock), then one instance, the core on
 * the per-user data folder, the window, the tray, and the core closed on quit.
 */
export async function run(deps: ShellDeps): Promise<Outcome> {
  const log = deps.log ?? ((message: string, error?: unknown) => console.error(`latchkey: ${message}`, error ?? ''));
  const args = userArgs(deps.argv, deps.defaultApp);
  const verb = cliVerb(args, deps.cliVerbs);
  if (verb !== undefined) {
    await deps.cliMain(args);
    if (!LONG_RUNNING_VERBS.has(verb)) app.exit(Number(process.exitCode ?? 0));
    return 'cli';
  }

  if (!app.requestSingleInstanceLock()) {
    // The first instance hears 'second-instance' and comes to the front.
    app.quit();
    return 'second-instance';
  }

  // Before ready, and before any await: privileged schemes are fixed at startup.
  registerScheme(protocol);
  const dataDir = deps.resolveDataDir({ env: deps.env });
  app.setPath('userData', dataDir);
  // Chromium's caches in a folder of their own, away from the store and the keys.
  app.setPath('sessionData', join(dataDir, 'electron'));
  const paths = appPaths(deps.appRoot ?? app.getAppPath());

  let core: Core | undefined;
  /** Made once ready; the handlers registered before then find them here. */
  const ui: { win?: BrowserWindow; tray?: TrayController } = {};
  let quitting = false;

  const links: ExternalLinks = {
    appUrls: async () => (core ? (await callApi(core.api, 'apps.list', {})).map((a) => a.url) : []),
    openExternal: (url) => shell.openExternal(url),
  };
  const showError = (error: unknown) => dialog.showErrorBox('Latchkey', messageOf(error));

  app.on('second-instance', () => {
    if (ui.win) showWindow(ui.win);
  });
  // Closing the window leaves the gateway running in the tray.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => {
    if (ui.win) showWindow(ui.win);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (!core) return;
    // Stop the gateway and close the store before the process goes.
    event.preventDefault();
    const closing = core;
    core = undefined;
    ui.tray?.destroy();
    void closing
      .close()
      .catch((error: unknown) => log('closing the core failed', error))
      .finally(() => app.quit());
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, links, log));

  await app.whenReady();
  nativeTheme.themeSource = 'system';
  try {
    core = await deps.createCore({ dataDir, env: deps.env, httpControlPlane: false });
    await core.listen();
  } catch (error) {
    dialog.showErrorBox('Latchkey could not start', messageOf(error));
    const failed = core;
    core = undefined;
    await failed?.close().catch(() => undefined);
    app.exit(1);
    return 'failed';
  }
  const api = core.api;

  denyPermissions(session.defaultSession);
  handleConsoleProtocol(protocol, paths.rendererDir);
  bindIpc(ipcMain, api, { onCalled: () => void ui.tray?.refresh(), log });

  const mainWindow = (ui.win = createMainWindow({
    preload: paths.preload,
    icon: deps.platform === 'linux' ? paths.icon : undefined,
    stateFile: windowStateFile(dataDir),
    isQuitting: () => quitting,
    show: !args.includes(HIDDEN_FLAG),
  }));
  // The console follows changes made anywhere (CLI, tray, a browser console).
  const stopForwarding = forwardChanges(core.feed, mainWindow.webContents);
  mainWindow.once('closed', stopForwarding);

  const command = deps.env.APPIMAGE
    ? [deps.env.APPIMAGE]
    : deps.defaultApp
      ? [process.execPath, app.getAppPath()]
      : [process.execPath];
  const startAtLogin = loginItem({ app, platform: deps.platform, env: deps.env, command });
  const after = (work: Promise<unknown>) =>
    void work.then(
      () => ui.tray?.refresh(),
      (error: unknown) => showError(error),
    );

  ui.tray = createTrayController({
    api,
    assetsDir: paths.assetsDir,
    platform: deps.platform,
    loginItem: startAtLogin,
    log,
    exposeMenu: deps.env.LATCHKEY_E2E === '1' && !app.isPackaged,
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
    if (kinds.includes('settings') || kinds.includes('apps')) void ui.tray?.refresh();
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(deps.platform, app.isPackaged, {
        openConsole: () => showWindow(mainWindow),
        quit: () => app.quit(),
      }),
    ),
  );
  return 'started';
}
