import type { JWK } from 'jose';
import { z } from 'zod';

const jwk = z.custom<JWK>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { kty?: unknown }).kty === 'string',
  'must be a JSON Web Key',
);
const identnSwitch = z.boolean();

interface StoredSetting {
  schema: z.ZodType;
  /**
   * What a damaged value reads as, where absent would be less locked than the value may
   * have been (fail closed); without it a damaged value is absent.
   */
  whenDamaged?: unknown;
}

/**
 * Every value Latchkey keeps in the `settings` table, with its schema: the one list of
 * stored keys, so reads are typed by key and no caller casts. A stored value that fails
 * its schema (a hand edit, a damaged row, a release that wrote another shape) is read as
 * absent, never trusted and never a crash. Unlike config/keys.ts these are not settings
 * a person sets: they are state the console, the CLI and the gateway keep between runs.
 */
export const STORED_SETTINGS = {
  /** The port the gateway last listened on: `serve` reuses it, `console-link` names it. */
  'gateway.last-port': { schema: z.number().int().min(1).max(65_535) },
  /**
   * identN as the console and `latchkey identn set` stored it (SPEC §1). A damaged
   * impersonation switch reads as off: absent would mean the default, impersonation on,
   * and a torn row would drop every lock. Off leaves the gateway asking for sign-in.
   */
  'identn.impersonation.enabled': { schema: identnSwitch, whenDamaged: false },
  'identn.tokenizer.enabled': { schema: identnSwitch },
  'identn.apikey.enabled': { schema: identnSwitch },
  /** Impersonation mode's view-as: who every request is, until when; null when nobody. */
  'viewas.global': {
    schema: z.object({ userId: z.number().int().positive(), until: z.number() }).nullable(),
  },
  /** The assertion signing keys: the current one and those still in their grace period. */
  'assertion.keys': {
    schema: z.array(
      z.object({
        kid: z.string().min(1),
        createdAt: z.number(),
        retiredAt: z.number().nullable(),
        privateJwk: jwk,
        publicJwk: jwk,
      }),
    ),
  },
  /** The built-in Admin impersonation mode asserts, and whether it was ever set up. */
  'root.user-id': { schema: z.number().int().positive() },
  'root.bootstrapped': { schema: z.boolean() },
  /** The hash of the one console link not yet redeemed; null once it was. */
  'console.link': {
    schema: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), expiresAt: z.number() }).nullable(),
  },
  /** Which session key signed this store's sessions (a key swapped or lost is reported). */
  'session.key-id': { schema: z.string().min(1) },
} as const satisfies Record<string, StoredSetting>;

export type StoredSettingKey = keyof typeof STORED_SETTINGS;
export type StoredValue<K extends StoredSettingKey> = z.infer<(typeof STORED_SETTINGS)[K]['schema']>;
/** Everything stored that passed its schema; a key absent or invalid is missing. */
export type StoredSettings = { [K in StoredSettingKey]?: StoredValue<K> };

/** What a damaged value of this key reads as: its fail-closed value, else absent. */
export function damagedValueOf<K extends StoredSettingKey>(key: K): StoredValue<K> | undefined {
  const setting: StoredSetting = STORED_SETTINGS[key];
  return setting.whenDamaged as StoredValue<K> | undefined;
}

export function isStoredKey(key: string): key is StoredSettingKey {
  return Object.hasOwn(STORED_SETTINGS, key);
}
