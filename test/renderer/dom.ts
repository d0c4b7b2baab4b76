/// <reference lib="dom" />
import { flushSync, mount, unmount, type Component } from 'svelte';
import { vi } from 'vitest';
import { ApiError, call, type ApiErrorCode, type ApiMethod, type ApiResults } from '../../renderer/src/api.js';
import type { ConfigDto } from '../../main/common/api.js';

/**
 * Helpers for the console's component tests. Each test file also says, before it imports
 * components (vi.mock is hoisted per file):
 *
 *   vi.mock('svelte', () => import(`${'/node_modules/svelte/src/index-client.js'}`));
 *   vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));
 *
 * The first gives components Svelte's browser build (vitest resolves packages for Node);
 * the second replaces `call` with a mock that `answer` programs.
 */

type Answer<M extends ApiMethod> = ApiResults[M] | Error | 'pending' | ((input: unknown) => ApiResults[M] | Error);
export type Answers = { [M in ApiMethod]?: Answer<M> };

/** Programs the mocked `call`: each method answers its value, fails with its Error, or never answers. */
export function answer(answers: Answers): void {
  vi.mocked(call).mockImplementation(((method: ApiMethod, input: unknown) => {
    let value = answers[method] as unknown;
    if (typeof value === 'function') value = (value as (i: unknown) => unknown)(input);
    if (value === undefined) return Promise.reject(new ApiError('INTERNAL_ERROR', `${method} is not mocked`, 500));
    if (value === 'pending') return new Promise(() => {});
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  }) as typeof call);
}

export const failure = (code: ApiErrorCode = 'DB_UNAVAILABLE', message = 'the database cannot be read', status = 503) =>
  new ApiError(code, message, status);

const mounted: Record<string, unknown>[] = [];

/** Mounts a component into the document. */
export function render<P extends Record<string, unknown>>(component: Component<P>, props: P): void {
  const target = document.body.appendChild(document.createElement('div'));
  mounted.push(mount(component, { target, props }));
  flushSync();
}

/** Unmounts everything `render` mounted; call in afterEach. */
export function cleanup(): void {
  for (const instance of mounted.splice(0)) unmount(instance);
  document.body.replaceChildren();
  vi.mocked(call).mockReset();
}

export function config(overrides: Partial<ConfigDto> = {}): ConfigDto {
  return {
    identn: {
      impersonation: { enabled: true, source: 'default' },
      tokenizer: { enabled: false, source: 'default' },
      apikey: { enabled: false, source: 'default' },
    },
    adminPasswordChosen: false,
    rootUsername: 'admin',
    peerCheck: true,
    caller: { kind: 'console-link', username: null, role: 'Admin' },
    viewingAs: null,
    ...overrides,
  };
}

export const user = (username: string, role: 'Admin' | 'ReadOnly' = 'ReadOnly', enabled = true) => ({
  username,
  email: `${username}@example.test`,
  displayName: '',
  role,
  enabled,
  createdAt: Date.UTC(2025, 0, 2),
  lastLoginAt: null,
  passwordChangedAt: Date.UTC(2025, 0, 2),
});
