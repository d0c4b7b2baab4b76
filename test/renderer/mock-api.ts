import { vi } from 'vitest';
import type * as Api from '../../renderer/src/api.js';

const changeListeners = new Set<Api.ChangeListener>();

/** Tells the mounted console that these kinds changed, as the core's change feed would. */
export function emitChange(kinds: Api.ChangeKind[]): void {
  for (const listener of [...changeListeners]) listener(kinds);
}

/** The console's api.ts with `call`, `globalConfig`, `signOut` and the change feed replaced by mocks (see dom.ts). */
export async function mockApi(importOriginal: () => Promise<unknown>) {
  const real = (await importOriginal()) as typeof Api;
  const onChange = vi.fn((listener: Api.ChangeListener) => {
    changeListeners.add(listener);
    return () => void changeListeners.delete(listener);
  });
  return { ...real, call: vi.fn(), globalConfig: vi.fn(), signOut: vi.fn(), onChange };
}
