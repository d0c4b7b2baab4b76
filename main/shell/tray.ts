import type { MenuItemConstructorOptions } from 'electron';
import type { RunState } from '../common/apps.js';
import { isLatchkeyError } from '../common/errors.js';
import { callApi, type ConsoleApi } from './console-api.js';

/** What the tray shows, read from the console API. */
export interface TrayState {
  /** Latch open: whoever is on this machine is let in. Closed: logins. */
  impersonation: boolean;
  /** The variable or config key that fixes the mode, when it is fixed. */
  pinnedBy: string | undefined;
  adminPasswordChosen: boolean;
  viewingAs: string | null;
  /** Users one may view as, as the console API names them. */
  viewable: string[];
  /** `run`: the state of an app Latchkey runs; absent for one that runs on its own. */
  apps: { name: string; url: string; slug?: string; run?: RunState }[];
  startAtLogin: boolean | undefined;
}

export interface TrayActions {
  openConsole(): void;
  toggleImpersonation(): void;
  viewAs(username: string): void;
  stopViewAs(): void;
  openApp(url: string): void;
  /** Opens an app Latchkey runs, starting it if need be (the browser shows it starting). */
  openRunApp(slug: string, url: string): void;
  runApp(slug: string, action: 'stop' | 'restart'): void;
  setStartAtLogin(on: boolean): void;
  quit(): void;
}

export async function readTrayState(api: ConsoleApi, startAtLogin: boolean | undefined): Promise<TrayState> {
  const config = await callApi(api, 'config.get', {});
  const [viewable, apps] = await Promise.all([callApi(api, 'viewAs.candidates', {}), callApi(api, 'apps.list', {})]);
  return {
    impersonation: config.identn.impersonation.enabled,
    pinnedBy: config.identn.impersonation.pinnedBy,
    adminPasswordChosen: config.adminPasswordChosen,
    viewingAs: config.viewingAs?.username ?? null,
    viewable: viewable.map((u) => u.username),
    apps: apps.map((app) => ({
      name: app.name,
      url: app.url,
      ...(app.run ? { slug: app.slug, run: app.runStatus?.state ?? 'stopped' } : {}),
    })),
    startAtLogin,
  };
}

/** The tray icon's file stem in assets/: template images on macOS, coloured elsewhere. */
export function trayIconName(impersonation: boolean, platform: NodeJS.Platform): string {
  return `tray-${impersonation ? 'open' : 'closed'}${platform === 'darwin' ? 'Template' : ''}`;
}

export function trayToolTip(state: Pick<TrayState, 'impersonation' | 'viewingAs'>): string {
  const mode = state.impersonation ? 'impersonation on: anyone on this machine is let in' : 'logins on: people sign in';
  return `Latchkey — ${mode}${state.viewingAs ? ` (viewing as ${state.viewingAs})` : ''}`;
}

const RUN_LABELS: Record<RunState, string> = {
  stopped: 'stopped',
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping…',
  backoff: 'restarting after a crash',
  crashed: 'crashed',
};

/** An app's entry: a plain link, or for an app Latchkey runs, open/stop/restart. */
function appItem(app: TrayState['apps'][number], actions: TrayActions): MenuItemConstructorOptions {
  const { slug, run } = app;
  if (slug === undefined || run === undefined) return { label: app.name, click: () => actions.openApp(app.url) };
  const active = run === 'running' || run === 'starting' || run === 'backoff';
  return {
    label: app.name,
    sublabel: RUN_LABELS[run],
    submenu: [
      { label: active ? 'Open' : 'Start and open', click: () => actions.openRunApp(slug, app.url) },
      { label: 'Stop', enabled: active, click: () => actions.runApp(slug, 'stop') },
      { label: 'Restart', enabled: run !== 'stopping', click: () => actions.runApp(slug, 'restart') },
    ],
  };
}

/** The tray menu for one state of the gateway. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const viewAs: MenuItemConstructorOptions = state.impersonation
    ? {
        label: 'View as…',
        submenu: [
          ...(state.viewingAs
            ? [
                { label: `Stop viewing as ${state.viewingAs}`, click: () => actions.stopViewAs() },
                { type: 'separator' as const },
              ]
            : []),
          ...(state.viewable.length > 0
            ? state.viewable.map((username) => ({
                label: username,
                type: 'radio' as const,
                checked: username === state.viewingAs,
                enabled: state.viewingAs === null || username === state.viewingAs,
                click: () => actions.viewAs(username),
              }))
            : [{ label: 'No other users', enabled: false }]),
        ],
      }
    : // With logins on, view-as belongs to an Admin's signed-in session in the console.
      { label: 'View as…', sublabel: 'Sign in to the console to view as someone', enabled: false };

  return [
    { label: 'Open console', click: () => actions.openConsole() },
    { type: 'separator' },
    {
      label: 'Impersonation mode',
      type: 'checkbox',
      checked: state.impersonation,
      enabled: state.pinnedBy === undefined,
      ...(state.pinnedBy !== undefined ? { sublabel: `Set by ${state.pinnedBy}` } : {}),
      click: () => actions.toggleImpersonation(),
    },
    {
      label: state.impersonation ? 'Latch open: no sign-in needed' : 'Latch closed: people sign in',
      enabled: false,
    },
    viewAs,
    {
      label: 'Open an app',
      submenu:
        state.apps.length > 0
          ? state.apps.map((app) => appItem(app, actions))
          : [{ label: 'No apps yet', enabled: false }],
    },
    { type: 'separator' },
    ...(state.startAtLogin !== undefined
      ? [
          {
            label: 'Start at login',
            type: 'checkbox' as const,
            checked: state.startAtLogin,
            click: () => actions.setStartAtLogin(!state.startAtLogin),
          },
          { type: 'separator' as const },
        ]
      : []),
    { label: 'Quit Latchkey', click: () => actions.quit() },
  ];
}

export type ToggleOutcome = 'changed' | 'identity';

/**
 * The console's guards: logins need an admin password someone chose, so with none the
 * console's Identity screen opens to choose one instead of a change that would fail.
 */
export async function toggleImpersonation(api: ConsoleApi): Promise<ToggleOutcome> {
  const config = await callApi(api, 'config.get', {});
  const on = config.identn.impersonation.enabled;
  if (on && !config.adminPasswordChosen) return 'identity';
  try {
    await callApi(api, 'identn.set', { impersonation: !on });
    return 'changed';
  } catch (error) {
    if (isLatchkeyError(error, 'ADMIN_PASSWORD_NOT_CHOSEN') || isLatchkeyError(error, 'IDENTN_INVALID_STATE')) {
      return 'identity';
    }
    throw error;
  }
}
