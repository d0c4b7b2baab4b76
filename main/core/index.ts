import { existsSync } from 'node:fs';
import { mintConsoleLink } from './auth/console-sessions.js';
import type { ConsoleApi } from './api/service.js';
import { assembleCore, type CoreOptions } from './assemble.js';
import type { ChangeFeed } from './feed.js';

export { writeFileAtomically } from './atomic-file.js';
export { resolveDataDir } from './data-dir.js';
export { asLatchkeyError } from './db/errors.js';
export { whenWritable } from './db/write.js';
export { BUILT_PAGE_CSP, builtFileType } from './gateway/static-pages.js';
export type { CoreOptions } from './assemble.js';

/**
 * What the desktop shell and `latchkey serve` get from the core, and all they get: the
 * store, auth and the live state stay inside, reached only through the console API.
 */
export interface Core {
  /** The console API, for the desktop shell's IPC (the HTTP transport binds it inside). */
  api: ConsoleApi;
  /** What changed, for the console window and the tray. */
  feed: Pick<ChangeFeed, 'subscribe'>;
  listen(): Promise<{ port: number; addresses: readonly string[] }>;
  close(): Promise<void>;
  /** A new one-time link to the console on the port it listens on (SPEC §8). */
  consoleLink(port: number): string;
  /** The file with the generated admin password while it exists (SPEC §2), else undefined. */
  initialPasswordFile(): string | undefined;
}

/**
 * The one door into the core: the CLI's `serve` and the desktop shell both come through
 * here, with the same store, settings and gateway.
 */
export async function createCore(options: CoreOptions): Promise<Core> {
  const parts = await assembleCore(options);
  // A new object, not the parts under a narrower type: what is not here cannot be reached.
  return {
    api: parts.api,
    feed: { subscribe: (listener) => parts.feed.subscribe(listener) },
    async listen() {
      const { port, addresses } = await parts.listen();
      return { port, addresses };
    },
    close: () => parts.close(),
    consoleLink: (port) => mintConsoleLink(parts.store, port),
    initialPasswordFile() {
      const file = parts.store.files.initialAdminPassword;
      return existsSync(file) ? file : undefined;
    },
  };
}
