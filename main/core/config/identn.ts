import { AUTHENTICATORS, type Authenticator, type AuthenticatorState, type IdentnState } from '../../common/identn.js';
import { LatchkeyError } from '../../common/errors.js';
import type { Config } from './config.js';
import { envName } from './keys.js';
import type { PinnedValue } from './sources.js';

export type StoredIdentn = Partial<Record<Authenticator, boolean>>;

export const identnKey = (a: Authenticator) => `identn.${a}.enabled` as const;

function pinOf(config: Config, a: Authenticator): PinnedValue | undefined {
  return config.pinned(identnKey(a));
}

function pinned(pin: PinnedValue): AuthenticatorState {
  return { enabled: pin.value as boolean, source: pin.source, pinnedBy: pin.by };
}

/** A value forced by another pinned value: locked, and says by what. */
function forcedBy(enabled: boolean, pin: PinnedValue): AuthenticatorState {
  return { enabled, source: pin.source, pinnedBy: pin.by };
}

function fromStore(stored: StoredIdentn, a: Authenticator, fallback: boolean): AuthenticatorState {
  const value = stored[a];
  return value === undefined ? { enabled: fallback, source: 'default' } : { enabled: value, source: 'stored' };
}

function invalid(message: string): LatchkeyError {
  return new LatchkeyError('IDENTN_INVALID_STATE', message);
}

/**
 * The effective identN chain (SPEC §1). Pinned values win; unpinned ones follow the
 * console's rules around them (impersonation on turns the others off; impersonation off
 * needs the tokenizer or apikey on). Pins that contradict each other are refused with
 * a message naming what to change, never resolved into a half-on state.
 */
export function resolveIdentn(config: Config, stored: StoredIdentn): IdentnState {
  const imp = pinOf(config, 'impersonation');
  const tok = pinOf(config, 'tokenizer');
  const api = pinOf(config, 'apikey');
  const onPins = [tok, api].filter((p): p is PinnedValue => p?.value === true);

  if (imp?.value === true) {
    if (onPins.length > 0) {
      throw invalid(
        `${imp.by}=true conflicts with ${onPins.map((p) => `${p.by}=true`).join(' and ')}: ` +
          `impersonation must be off while logins or tokens are on; change one of them`,
      );
    }
    return {
      impersonation: pinned(imp),
      tokenizer: tok ? pinned(tok) : forcedBy(false, imp),
      apikey: api ? pinned(api) : forcedBy(false, imp),
    };
  }

  const impersonationOff = imp?.value === false || onPins.length > 0 || stored.impersonation === false;
  if (!impersonationOff) {
    return {
      impersonation: fromStore(stored, 'impersonation', true),
      tokenizer: tok ? pinned(tok) : { enabled: false, source: stored.tokenizer === undefined ? 'default' : 'stored' },
      apikey: api ? pinned(api) : { enabled: false, source: stored.apikey === undefined ? 'default' : 'stored' },
    };
  }

  const impersonation: AuthenticatorState = imp
    ? pinned(imp)
    : onPins[0]
      ? forcedBy(false, onPins[0])
      : { enabled: false, source: 'stored' };
  let tokenizer = tok ? pinned(tok) : fromStore(stored, 'tokenizer', false);
  let apikey = api ? pinned(api) : fromStore(stored, 'apikey', false);
  if (!tokenizer.enabled && !apikey.enabled) {
    if (tok && api) {
      const names = [imp?.by ?? envName(identnKey('impersonation')), tok.by, api.by];
      throw invalid(
        `${names.join(', ')} turn every authenticator off, which would let nobody in; ` +
          `turn impersonation on or the tokenizer or apikey on`,
      );
    }
    // Impersonation off turns the login provider on, as the console does.
    const derived: AuthenticatorState = { enabled: true, source: impersonation.source, ...pinnedByOf(impersonation) };
    if (tok) apikey = derived;
    else tokenizer = derived;
  }
  return { impersonation, tokenizer, apikey };
}

function pinnedByOf(state: AuthenticatorState): { pinnedBy?: string } {
  return state.pinnedBy === undefined ? {} : { pinnedBy: state.pinnedBy };
}

/** The stored switches as the settings store reads them (typed and checked there). */
export interface StoredIdentnSettings {
  all(): { readonly [K in ReturnType<typeof identnKey>]?: boolean };
}

/** The stored side of identN: what the console and `latchkey identn set` wrote. */
export function readStoredIdentn(settings: StoredIdentnSettings): StoredIdentn {
  const all = settings.all();
  const stored: StoredIdentn = {};
  for (const a of AUTHENTICATORS) {
    const value = all[identnKey(a)];
    if (value !== undefined) stored[a] = value;
  }
  return stored;
}

/**
 * The identN state in force: the one reading of environment, config file and stored
 * settings, for the gateway, the console API and the CLI alike.
 */
export function currentIdentn(store: { config: Config; settings: StoredIdentnSettings }): IdentnState {
  return resolveIdentn(store.config, readStoredIdentn(store.settings));
}

export type IdentnChange = Partial<Record<Authenticator, boolean>>;

/**
 * What the console and `latchkey identn set` store for a requested change: the same
 * coupling as SPEC §1, so the stored state is always a valid one.
 */
export function applyIdentnChange(current: IdentnState, change: IdentnChange): Record<Authenticator, boolean> {
  if (AUTHENTICATORS.every((a) => change[a] === undefined)) {
    throw new LatchkeyError('BAD_ARGUMENT', 'nothing to change: give --impersonation, --tokenizer or --apikey');
  }
  if (change.impersonation === true) {
    if (change.tokenizer === true || change.apikey === true) {
      throw new LatchkeyError(
        'BAD_ARGUMENT',
        'impersonation on turns the tokenizer and apikey off; do not ask for both',
      );
    }
    return { impersonation: true, tokenizer: false, apikey: false };
  }
  const wasImpersonating = current.impersonation.enabled;
  let tokenizer = change.tokenizer ?? (wasImpersonating ? false : current.tokenizer.enabled);
  const apikey = change.apikey ?? (wasImpersonating ? false : current.apikey.enabled);
  if (!tokenizer && !apikey) {
    if (change.impersonation === false && change.tokenizer === undefined) {
      tokenizer = true;
    } else {
      throw new LatchkeyError(
        'BAD_ARGUMENT',
        'turning off both the tokenizer and apikey would let nobody in; use --impersonation on instead',
      );
    }
  }
  return { impersonation: false, tokenizer, apikey };
}

/** Refuses a stored change that a pinned value would silently override. */
export function assertNotPinned(config: Config, next: Record<Authenticator, boolean>): void {
  for (const a of AUTHENTICATORS) {
    const pin = pinOf(config, a);
    if (pin && pin.value !== next[a]) {
      throw new LatchkeyError(
        'IDENTN_PINNED',
        `identn.${a}.enabled is pinned to ${String(pin.value)} by ${pin.by}; change it there`,
      );
    }
  }
}

/**
 * Impersonation mode holds only where browsers send fetch metadata, which they do for
 * trustworthy origins (`localhost`, `*.localhost`) only: on an extra name such as
 * `devbox.lan` no `<img>` or `<script>` from a foreign page can be told from the owner.
 * So extra names and impersonation never go together; `what` says what is refused.
 */
export function assertNoExtraHostsForImpersonation(config: Config, what: string): void {
  const extra = config.get('gateway.allowed-hosts');
  if (extra.length === 0) return;
  const where = config.pinned('gateway.allowed-hosts')?.by ?? envName('gateway.allowed-hosts');
  throw new LatchkeyError(
    'EXTRA_HOSTS_IN_IMPERSONATION',
    `${what}: gateway.allowed-hosts adds ${extra.join(', ')} (set by ${where}), where browsers send no fetch ` +
      `metadata and any web page could act as you; remove it there or keep impersonation off`,
  );
}
