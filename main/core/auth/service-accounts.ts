import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenDto } from '../../common/api.js';
import { LatchkeyError } from '../../common/errors.js';
import type { TokenRow } from '../db/tokens-repo.js';
import type { User } from '../db/users-repo.js';
import { writeTransaction } from '../db/write.js';
import type { Store } from '../store.js';

/** `<lookup id>.<secret>`: the id finds the row, the secret is checked against its hash. */
const TOKEN = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;
const TOUCH_EVERY_MS = 60_000;
export const DEFAULT_TOKEN_LIFETIME_MS = 90 * 86_400_000;

/** The token is 256 random bits: one SHA-256 is enough, no slow hash is needed. */
function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export type TokenView = TokenDto;

function viewOf(row: TokenRow): TokenView {
  const { id, username, description, createdBy, createdAt, expiresAt, lastUsedAt, revokedAt } = row;
  return { id, username, description, createdBy, createdAt, expiresAt, lastUsedAt, revokedAt };
}

/**
 * Creates a service-account token for a user. The raw token is returned once, here;
 * only its lookup id and a hash are stored, hashed before the transaction.
 */
/**
 * A token id starts with a letter or digit: one starting with `-` would read as an option
 * to `latchkey token revoke <id>` (1 id in 64 of plain base64url).
 */
function newTokenId(): string {
  for (;;) {
    const id = randomBytes(12).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export function createToken(
  store: Store,
  input: { username: string; lifetimeMs: number | null; description?: string | undefined },
  actor: string,
): { token: string; view: TokenView } {
  const description = (input.description ?? '').trim();
  if (description.length > 200) throw new LatchkeyError('BAD_ARGUMENT', 'description must be at most 200 characters');
  const id = newTokenId();
  const secret = randomBytes(32).toString('base64url');
  const secretHash = hashSecret(secret).toString('hex');
  writeTransaction(store.db, () => {
    // Under the lock: a user deleted by another process meanwhile gets no token.
    const user = store.users.findByUsername(input.username.trim().toLowerCase());
    if (!user) throw new LatchkeyError('USER_NOT_FOUND', `no user "${input.username}"`);
    const now = store.clock.now();
    const expiresAt = input.lifetimeMs === null ? null : now + input.lifetimeMs;
    store.tokens.insert({ id, userId: user.id, secretHash, description, createdBy: actor, createdAt: now, expiresAt });
    store.audit.record('token.created', actor, user.username, { id, expiresAt });
  });
  return { token: `${id}.${secret}`, view: viewOf(store.tokens.find(id) as TokenRow) };
}

export function listTokens(store: Store): TokenView[] {
  return store.tokens.list().map(viewOf);
}

export function revokeToken(store: Store, id: string, actor: string): void {
  writeTransaction(store.db, () => {
    const row = store.tokens.find(id);
    if (!row) throw new LatchkeyError('TOKEN_NOT_FOUND', `no token with id "${id}"`);
    if (!store.tokens.revoke(id, store.clock.now())) {
      throw new LatchkeyError('TOKEN_NOT_FOUND', `token "${id}" is already revoked`);
    }
    store.audit.record('token.revoked', actor, row.username, { id });
  });
}

/** A token's user, or why it is refused: not valid (401), or its user disabled (403). */
export type TokenCheck = { user: User; tokenId: string } | { code: 'TOKEN_INVALID' | 'FORBIDDEN'; reason: string };

/** Where a token's last use is noted; written later, in a batch (see Bookkeeping). */
export interface TokenUse {
  tokenUsed(id: string, at: number): void;
  tokenLastUsed(id: string): number | undefined;
}

/** Whether a presented token lets its user in right now (SPEC §5). Reads only. */
export function checkToken(store: Store, token: string, use: TokenUse): TokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { code: 'TOKEN_INVALID', reason: 'the token is malformed' };
  const [, id, secret] = match as unknown as [string, string, string];
  const row = store.tokens.credential(id);
  if (!row || !timingSafeEqual(Buffer.from(row.secretHash, 'hex'), hashSecret(secret))) {
    return { code: 'TOKEN_INVALID', reason: 'the token is not valid' };
  }
  const now = store.clock.now();
  if (row.revokedAt !== null) return { code: 'TOKEN_INVALID', reason: 'the token was revoked' };
  if (row.expiresAt !== null && row.expiresAt <= now) return { code: 'TOKEN_INVALID', reason: 'the token has expired' };
  const user = store.users.findById(row.userId);
  if (!user) return { code: 'TOKEN_INVALID', reason: 'the token is not valid' };
  if (!user.enabled) return { code: 'FORBIDDEN', reason: `user "${user.username}" is disabled` };
  const lastUsedAt = Math.max(row.lastUsedAt ?? 0, use.tokenLastUsed(id) ?? 0);
  if (now - lastUsedAt >= TOUCH_EVERY_MS) use.tokenUsed(id, now);
  return { user, tokenId: id };
}

/**
 * The Latchkey token a request presents, in one of the three accepted forms; never from
 * the URL or a cookie. `malformed` when a Latchkey scheme is used without a usable token.
 */
export function presentedToken(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = (rawHeaders[i + 1] as string).trim();
    if (name === 'x-latchkey-authorization') return value;
    if (name === 'authorization') {
      const bearer = /^bearer\s+latchkey-(.*)$/i.exec(value);
      if (bearer) return bearer[1] as string;
      const own = /^latchkey\s+(.*)$/i.exec(value);
      if (own) return own[1] as string;
    }
  }
  return undefined;
}
