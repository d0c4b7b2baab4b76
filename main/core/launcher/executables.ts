import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { LatchkeyError } from '../../common/errors.js';

/**
 * The absolute path of a program: as given when it holds a slash, else the first match
 * on PATH. Says clearly when it is missing rather than letting spawn fail with ENOENT.
 */
export function findExecutable(name: string, path: string | undefined, cwd: string, hint?: string): string {
  const candidates = name.includes('/')
    ? [isAbsolute(name) ? name : resolve(cwd, name)]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  const where = name.includes('/') ? candidates[0] : 'PATH';
  throw new LatchkeyError(
    'APP_START_FAILED',
    `${name} is not installed: no executable ${name} on ${where}${hint ? ` (${hint})` : ''}`,
  );
}
