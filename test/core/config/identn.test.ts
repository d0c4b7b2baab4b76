import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../main/common/errors.js';
import { Config } from '../../../main/core/config/config.js';
import { applyIdentnChange, assertNotPinned, resolveIdentn } from '../../../main/core/config/identn.js';
import { readEnvironment } from '../../../main/core/config/sources.js';

const env = (vars: Record<string, string>) => new Config(readEnvironment(vars), undefined);
const enabled = (state: ReturnType<typeof resolveIdentn>) => [
  state.impersonation.enabled,
  state.tokenizer.enabled,
  state.apikey.enabled,
];

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isLatchkeyError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('resolveIdentn', () => {
  it('defaults to impersonation on and the other two off', () => {
    const state = resolveIdentn(env({}), {});
    expect(enabled(state)).toEqual([true, false, false]);
    expect(state.impersonation.source).toBe('default');
  });

  it('follows stored values when nothing is pinned', () => {
    expect(enabled(resolveIdentn(env({}), { impersonation: false, tokenizer: true, apikey: true }))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('refuses impersonation and tokenizer both pinned on, naming both variables', () => {
    const message = refusal(() =>
      resolveIdentn(
        env({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'true', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' }),
        {},
      ),
    );
    expect(message).toMatch(/^IDENTN_INVALID_STATE/);
    expect(message).toContain('LATCHKEY_IDENTN_IMPERSONATION_ENABLED');
    expect(message).toContain('LATCHKEY_IDENTN_TOKENIZER_ENABLED');
  });

  it('refuses every authenticator pinned off', () => {
    const message = refusal(() =>
      resolveIdentn(
        env({
          LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false',
          LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'false',
          LATCHKEY_IDENTN_APIKEY_ENABLED: 'false',
        }),
        {},
      ),
    );
    expect(message).toMatch(/IDENTN_INVALID_STATE.*nobody/);
  });

  it('a pinned tokenizer turns impersonation off, locked by that variable', () => {
    const state = resolveIdentn(env({ LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' }), { impersonation: true });
    expect(enabled(state)).toEqual([false, true, false]);
    expect(state.impersonation.pinnedBy).toBe('LATCHKEY_IDENTN_TOKENIZER_ENABLED');
  });

  it('impersonation pinned off turns the tokenizer on, as the console does', () => {
    const state = resolveIdentn(env({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'off' }), {});
    expect(enabled(state)).toEqual([false, true, false]);
    expect(state.tokenizer.pinnedBy).toBe('LATCHKEY_IDENTN_IMPERSONATION_ENABLED');
  });

  it('impersonation pinned off with the tokenizer pinned off turns apikey on', () => {
    const state = resolveIdentn(
      env({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'false', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'false' }),
      {},
    );
    expect(enabled(state)).toEqual([false, false, true]);
  });

  it('impersonation pinned on locks the other two off, ignoring stored values', () => {
    const state = resolveIdentn(env({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'true' }), {
      impersonation: false,
      tokenizer: true,
    });
    expect(enabled(state)).toEqual([true, false, false]);
    expect(state.tokenizer.pinnedBy).toBe('LATCHKEY_IDENTN_IMPERSONATION_ENABLED');
  });

  it("reads Pyroscope's auth.internal.enabled as the tokenizer", () => {
    const state = resolveIdentn(env({ LATCHKEY_AUTH_INTERNAL_ENABLED: 'true' }), {});
    expect(enabled(state)).toEqual([false, true, false]);
  });

  it('refuses auth.internal.enabled and identn.tokenizer.enabled that disagree', () => {
    expect(
      refusal(() =>
        readEnvironment({ LATCHKEY_AUTH_INTERNAL_ENABLED: 'true', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'false' }),
      ),
    ).toMatch(/CONFIG_INVALID_VALUE.*disagree/);
  });
});

describe('applyIdentnChange', () => {
  const impersonating = resolveIdentn(env({}), {});
  const loggingIn = resolveIdentn(env({}), { impersonation: false, tokenizer: true, apikey: false });

  it('impersonation off turns the tokenizer on', () => {
    expect(applyIdentnChange(impersonating, { impersonation: false })).toEqual({
      impersonation: false,
      tokenizer: true,
      apikey: false,
    });
  });

  it('impersonation on turns the other two off in the same step', () => {
    expect(applyIdentnChange(loggingIn, { impersonation: true })).toEqual({
      impersonation: true,
      tokenizer: false,
      apikey: false,
    });
  });

  it('apikey on alone turns impersonation off', () => {
    expect(applyIdentnChange(impersonating, { apikey: true })).toEqual({
      impersonation: false,
      tokenizer: false,
      apikey: true,
    });
  });

  it('refuses turning off the last authenticator while impersonation stays off', () => {
    expect(refusal(() => applyIdentnChange(loggingIn, { tokenizer: false }))).toMatch(/BAD_ARGUMENT.*nobody/);
  });

  it('refuses asking for impersonation and the tokenizer together', () => {
    expect(refusal(() => applyIdentnChange(loggingIn, { impersonation: true, tokenizer: true }))).toMatch(
      /BAD_ARGUMENT/,
    );
  });

  it('refuses a stored change that a pinned value would override', () => {
    const pinned = env({ LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'true' });
    expect(refusal(() => assertNotPinned(pinned, { impersonation: false, tokenizer: true, apikey: false }))).toMatch(
      /IDENTN_PINNED.*LATCHKEY_IDENTN_IMPERSONATION_ENABLED/,
    );
  });
});
