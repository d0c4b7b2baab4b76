import { vi } from 'vitest';
import type * as Api from '../../renderer/src/api.js';

/** The console's api.ts with `call`, `globalConfig` and `signOut` replaced by mocks (see dom.ts). */
export async function mockApi(importOriginal: () => Promise<unknown>) {
  const real = (await importOriginal()) as typeof Api;
  return { ...real, call: vi.fn(), globalConfig: vi.fn(), signOut: vi.fn() };
}
