import type { App } from 'electron';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Started at login, the app opens to the tray only. */
export const HIDDEN_FLAG = '--hidden';

/** "Start at login": on or off, or undefined where this system has no such thing. */
export interface LoginItem {
  get(): boolean | undefined;
  set(on: boolean): void;
}

export interface LoginItemDeps {
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The command that starts the app: the AppImage, the binary, or electron + app folder. */
  command: readonly string[];
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`);

/**
 * macOS and Windows through Electron; Linux (where Electron has no login items) through
 * an XDG autostart entry, which GNOME, KDE, Xfce and the others read.
 */
export function loginItem({ app, platform, env, command }: LoginItemDeps): LoginItem {
  if (platform === 'darwin' || platform === 'win32') {
    return {
      get: () => app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin,
      set: (on) => app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_FLAG] }),
    };
  }
  if (platform !== 'linux') return { get: () => undefined, set: () => undefined };
  const dir = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart');
  const file = join(dir, 'latchkey.desktop');
  return {
    get: () => existsSync(file),
    set: (on) => {
      if (!on) return rmSync(file, { force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, autostartEntry(command));
    },
  };
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Latchkey',
    'Comment=A local auth gateway for the web tools on this workstation',
    `Exec=${[...command, HIDDEN_FLAG].map(quote).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}
