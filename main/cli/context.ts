import { LatchkeyError } from '../common/errors.js';
import { systemClock } from '../core/clock.js';
import { loadConfig } from '../core/config/config.js';
import { resolveDataDir } from '../core/data-dir.js';
import { storeError } from '../core/db/errors.js';
import { openStore, type Store } from '../core/store.js';

/** Options every command takes (SPEC §10). */
export interface CommonOptions {
  dataDir?: string;
  config?: string;
}

export function dataDirOf(options: CommonOptions): string {
  return resolveDataDir({ flag: options.dataDir, env: process.env });
}

/** Opens the store of the data directory for one command, and always closes it. */
export async function withStore<T>(options: CommonOptions, run: (store: Store) => T | Promise<T>): Promise<T> {
  const dataDir = dataDirOf(options);
  const config = loadConfig({ file: options.config, dataDir, env: process.env });
  const store = await openStore({ dataDir, config, clock: systemClock });
  try {
    return await run(store);
  } catch (error) {
    // A write refused by the disk or a lock: one line naming the folder and the remedy.
    throw storeError(error, dataDir) ?? error;
  } finally {
    store.close();
  }
}

export function onOff(flag: string) {
  return (value: string): boolean => {
    if (value === 'on' || value === 'true') return true;
    if (value === 'off' || value === 'false') return false;
    throw new LatchkeyError('BAD_ARGUMENT', `${flag} takes on or off, not "${value}"`);
  };
}

export function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new LatchkeyError('BAD_ARGUMENT', `--port takes a number from 0 to 65535, not "${value}"`);
  }
  return port;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A time as the CLI prints it: ISO 8601 to the second, or `never`. */
export const when = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
