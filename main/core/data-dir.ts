import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LatchkeyError } from '../common/errors.js';
import { writeFileAtomically } from './atomic-file.js';
import { storeError } from './db/errors.js';

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
    throw (
      storeError(cause, dir) ??
      new LatchkeyError('DATA_DIR_UNUSABLE', `cannot use data directory ${dir}: ${(cause as Error).message}`)
    );
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

export const dataFiles = (dir: string) => ({
  database: join(dir, 'latchkey.db'),
  initialAdminPassword: join(dir, 'initial-admin-password'),
  /** Held by every process that has the store open (see store-lock.ts). */
  lock: join(dir, 'latchkey.lock'),
  /** Written once the store was first set up: from then on an empty database is damage. */
  initialized: join(dir, 'latchkey.initialized'),
  sessionKey: join(dir, 'session.key'),
});

export type DataFiles = ReturnType<typeof dataFiles>;

/**
 * Whether this directory held a Latchkey store before. Its marker says so, and so do
 * the files only a set-up store writes (directories set up before the marker existed).
 * Then a missing or empty database was lost, not never made.
 */
export function wasSetUp(files: DataFiles): boolean {
  return [files.initialized, files.sessionKey, files.initialAdminPassword].some((file) => existsSync(file));
}

export function markSetUp(files: DataFiles): void {
  if (existsSync(files.initialized)) return;
  writeFileAtomically(
    files.initialized,
    'This folder holds a Latchkey store. Without its latchkey.db Latchkey refuses to start: ' +
      'restore a backup with latchkey restore FILE.\n',
  );
}

/**
 * Writes, fsyncs and removes a small file, so a full disk or a read-only mount is found
 * before a gateway says it is listening, not at its first write.
 */
export function proveWritable(dir: string): void {
  const probe = join(dir, `.write-probe.${process.pid}`);
  try {
    writeFileAtomically(probe, 'x'.repeat(4096));
  } finally {
    rmSync(probe, { force: true });
  }
}
