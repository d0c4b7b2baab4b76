import { app, dialog, ipcMain, Menu, nativeTheme, protocol, session, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { Core, CoreOptions } from '../core/index.js';
import { handleAppEvents, type Life } from './app-events.js';
import { windowStateFile } from './bounds.js';
import { cliVerb, LONG_RUNNING_VERBS, userArgs } from './cli-dispatch.js';
import { callApi } from './console-api.js';
import { bindIpc, forwardChanges } from './ipc.js';
import { HIDDEN_FLAG } from './login-item.js';
import { appMenuTemplate } from './menu.js';
import { appPaths } from './paths.js';
import { handleConsoleProtocol, registerScheme } from './protocol.js';
import { denyPermissions, type ExternalLinks } from './security.js';
import { startTray } from './tray-actions.js';
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

  const dataDir = prepareFolders(deps);
  const paths = appPaths(deps.appRoot ?? app.getAppPath());
  const life: Life = { quitting: false };
  const links: ExternalLinks = {
    appUrls: async () => (life.core ? (await callApi(life.core.api, 'apps.list', {})).map((a) => a.url) : []),
    openExternal: (url) => shell.openExternal(url),
  };
  handleAppEvents(life, links, log);

  await app.whenReady();
  nativeTheme.themeSource = 'system';
  const core = await startCore(deps, dataDir, life);
  if (!core) return 'failed';

  denyPermissions(session.defaultSession);
  handleConsoleProtocol(protocol, paths.rendererDir);
  bindIpc(ipcMain, core.api, { onCalled: () => void life.tray?.refresh(), log });
  const mainWindow = (life.win = openConsoleWindow(core, paths, dataDir, deps.platform, args, life));
  life.tray = startTray({
    core,
    mainWindow,
    links,
    assetsDir: paths.assetsDir,
    platform: deps.platform,
    env: deps.env,
    defaultApp: deps.defaultApp,
    log,
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

/** The privileged scheme and the app's folders, fixed before ready; returns the data folder. */
function prepareFolders(deps: ShellDeps): string {
  // Before ready, and before any await: privileged schemes are fixed at startup.
  registerScheme(protocol);
  const dataDir = deps.resolveDataDir({ env: deps.env });
  app.setPath('userData', dataDir);
  // Chromium's caches in a folder of their own, away from the store and the keys.
  app.setPath('sessionData', join(dataDir, 'electron'));
  return dataDir;
}

/** The core on the data folder, listening; undefined (after saying why) when it cannot start. */
async function startCore(deps: ShellDeps, dataDir: string, life: Life): Promise<Core | undefined> {
  try {
    life.core = await deps.createCore({ dataDir, env: deps.env, httpControlPlane: false });
    await life.core.listen();
    return life.core;
  } catch (error) {
    dialog.showErrorBox('Latchkey could not start', messageOf(error));
    const failed = life.core;
    life.core = undefined;
    await failed?.close().catch(() => undefined);
    app.exit(1);
    return undefined;
  }
}

/** The console window, which follows changes made anywhere (CLI, tray, a browser console). */
function openConsoleWindow(
  core: Core,
  paths: ReturnType<typeof appPaths>,
  dataDir: string,
  platform: NodeJS.Platform,
  args: readonly string[],
  life: Life,
): BrowserWindow {
  const mainWindow = createMainWindow({
    preload: paths.preload,
    icon: platform === 'linux' ? paths.icon : undefined,
    stateFile: windowStateFile(dataDir),
    isQuitting: () => life.quitting,
    show: !args.includes(HIDDEN_FLAG),
  });
  const stopForwarding = forwardChanges(core.feed, mainWindow.webContents);
  mainWindow.once('closed', stopForwarding);
  return mainWindow;
}
