import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { Role } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import type { StoredValue } from '../db/stored-settings.js';
import type { Store } from '../store.js';

const KEYS_KEY = 'assertion.keys';
const ALGORITHM = 'ES256';
/** An assertion lives 5 minutes; one is reused for its first minute. */
const LIFETIME_S = 300;
const REUSE_MS = 60_000;
/** A rotated key stays in the JWKS this long, for upstreams that cache it. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;
const CACHE_LIMIT = 10_000;

type StoredKey = StoredValue<'assertion.keys'>[number];

function newKey(now: number): StoredKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: randomBytes(9).toString('base64url'),
    createdAt: now,
    retiredAt: null,
    privateJwk: privateKey.export({ format: 'jwk' }) as JWK,
    publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
  };
}

function storedKeys(store: Store): StoredKey[] {
  return store.settings.get(KEYS_KEY) ?? [];
}

/** Creates the install's first signing key if it has none; kept in the owner-only database. */
export function ensureAssertionKey(store: Store): void {
  store.db
    .transaction(() => {
      if (storedKeys(store).some((k) => k.retiredAt === null)) return;
      store.settings.setMany({ [KEYS_KEY]: [...storedKeys(store), newKey(store.clock.now())] });
    })
    .immediate();
}

/** A new current key; the old ones stay published for the grace period, then go. */
export function rotateAssertionKey(store: Store, by: string): string {
  const now = store.clock.now();
  const fresh = newKey(now);
  store.db
    .transaction(() => {
      const kept = storedKeys(store)
        .map((k) => (k.retiredAt === null ? { ...k, retiredAt: now } : k))
        .filter((k) => (k.retiredAt as number) + ROTATION_GRACE_MS > now);
      store.settings.setMany({ [KEYS_KEY]: [...kept, fresh] });
      store.audit.record('keys.rotated', by, null, { kid: fresh.kid });
    })
    .immediate();
  return fresh.kid;
}

export interface AssertedIdentity {
  username: string;
  email: string;
  role: Role;
  /** The Admin viewing as this user, if any (`act.sub`). */
  viewer?: string | undefined;
}

/**
 * Signs `X-Latchkey-Jwt-Assertion` (SPEC §6) with the install's ES256 key. Signing costs
 * tens of microseconds, so an assertion is reused for its first minute, keyed by every
 * claim that can vary between requests (key, user, email, role, viewer, app, issuer): a
 * demoted Admin must never ride on an assertion that still says Admin. The key set is
 * re-read when the store changes.
 */
export class AssertionSigner {
  private current: { kid: string; key: KeyObject } | undefined;
  private published: { keys: JWK[] } = { keys: [] };
  private readonly cache = new Map<string, { token: string; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    ensureAssertionKey(store);
    this.reload();
  }

  reload(): void {
    const now = this.clock.now();
    const keys = storedKeys(this.store);
    // None readable (the row damaged or removed by hand): keep the keys already loaded, so
    // apps can still verify what is signed, rather than publish an empty set.
    if (keys.length === 0 && this.current) return;
    const live = keys.filter((k) => k.retiredAt === null).at(-1);
    if (live && live.kid !== this.current?.kid) {
      this.current = { kid: live.kid, key: createPrivateKey({ key: live.privateJwk as never, format: 'jwk' }) };
      this.cache.clear();
    }
    this.published = {
      keys: keys
        .filter((k) => k.retiredAt === null || k.retiredAt + ROTATION_GRACE_MS > now)
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: ALGORITHM, use: 'sig' })),
    };
  }

  /** The body of `/.well-known/latchkey/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return this.published;
  }

  async sign(identity: AssertedIdentity, audience: string, issuer: string): Promise<string> {
    const signer = this.current;
    // No key, no identity: the request is refused (503), never proxied without its assertion.
    if (!signer) throw new LatchkeyError('GATEWAY_UNAVAILABLE', 'Latchkey has no key to sign identity assertions with');
    const now = this.clock.now();
    const cacheKey = JSON.stringify([
      signer.kid,
      identity.username,
      identity.email,
      identity.role,
      identity.viewer ?? null,
      audience,
      issuer,
    ]);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now) return cached.token;
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = { email: identity.email, groups: [identity.role] };
    if (identity.viewer) claims.act = { sub: identity.viewer };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: signer.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(identity.username)
      .setIssuedAt(iat)
      .setExpirationTime(iat + LIFETIME_S)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(signer.key);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(cacheKey, { token, until: now + REUSE_MS });
    return token;
  }
}
