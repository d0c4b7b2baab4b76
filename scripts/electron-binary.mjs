// Where Electron's binary is, without `require('electron')`: that require tries to
// download the binary when it is missing, which fails on machines without internet.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The path of the installed Electron binary, or undefined when none is installed. */
export function electronBinary(env = process.env) {
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    : relative && join(dir, 'dist', relative);
  return binary && existsSync(binary) ? binary : undefined;
}
