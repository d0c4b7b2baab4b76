import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LatchkeyError } from '../common/errors.js';

export interface DataDirInput {
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * `--data-dir`, else LATCHKEY_DATA_DIR, else the folder the desktop app uses for its
 * user data, so the app and `latchkey serve` share one store.
 */
export function resolveDataDir({ flag, env, platform = process.platform, home = homedir() }: DataDirInput): string {
  if (flag) return resolve(flag);
  if (env.LATCHKEY_DATA_DIR) return resolve(env.LATCHKEY_DATA_DIR);
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Latchkey');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Latchkey');
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'Latchkey');
  }
}

/** Creates the directory owner-only; refuses one that is not a writable directory. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    if (process.platform !== 'win32') chmodSync(dir, 0o700);
  } catch (cause) {
    throw new LatchkeyError('DATA_DIR_UNUSABLE', `cannot use data directory ${dir}: ${(cause as Error).message}`);
  }
}

/**
 * Writes a file readable by the owner only, atomically: a crash leaves the old content
 * or the new one, never a torn file.
 */
export function writeOwnerOnlyFile(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  if (process.platform !== 'win32') {
    const dirFd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

export const dataFiles = (dir: string) => ({
  database: join(dir, 'latchkey.db'),
  initialAdminPassword: join(dir, 'initial-admin-password'),
});
