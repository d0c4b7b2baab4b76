import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, call, onChange } from '../../renderer/src/api.js';

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

describe('onChange() in the desktop app', () => {
  it('subscribes once to the bridge, however many screens listen, and fans the kinds out', () => {
    let subscriptions = 0;
    let push: ((kinds: string[]) => void) | undefined;
    host.latchkey = {
      onChange: (listener: (kinds: string[]) => void) => {
        subscriptions += 1;
        push = listener;
        return () => undefined;
      },
    };
    const seen: string[][] = [];
    const stopA = onChange((kinds) => seen.push(['a', ...kinds]));
    const stopB = onChange((kinds) => seen.push(['b', ...kinds]));
    push?.(['apps']);
    stopB();
    push?.(['users']);
    stopA();
    expect(subscriptions).toBe(1);
    expect(seen).toEqual([
      ['a', 'apps'],
      ['b', 'apps'],
      ['a', 'users'],
    ]);
  });
});
