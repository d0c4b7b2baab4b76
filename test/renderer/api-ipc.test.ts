import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, call } from '../../renderer/src/api.js';

const host = globalThis as { latchkey?: unknown };
afterEach(() => {
  delete host.latchkey;
});

describe('call() in the desktop app', () => {
  it('goes over the preload bridge when there is one, keeping error codes', async () => {
    const calls: [string, unknown][] = [];
    host.latchkey = {
      'users.list': async (input: unknown) => {
        calls.push(['users.list', input]);
        return { result: [{ username: 'admin' }] };
      },
      'users.delete': async () => ({ error: { code: 'LAST_ADMIN', message: 'the last Admin stays' } }),
    };
    expect(await call('users.list', {})).toEqual([{ username: 'admin' }]);
    expect(calls).toEqual([['users.list', {}]]);
    const failure = await call('users.delete', { username: 'admin' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ code: 'LAST_ADMIN', message: 'the last Admin stays' });
  });
});
