import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Argon2 from 'argon2';

/**
 * argon2id cost, pinned in code (OWASP's minimum). Raising it makes logins rehash old
 * hashes; lowering it would weaken every stored password, so there is no setting.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 1024;

/** NFC, so the same password typed on two keyboards hashes the same. */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** Why a password cannot be used, or undefined when it can. Checked before hashing. */
export function passwordProblem(password: string): string | undefined {
  const bytes = Buffer.byteLength(normalizePassword(password), 'utf8');
  if (bytes < PASSWORD_MIN_BYTES) return `password must be at least ${PASSWORD_MIN_BYTES} bytes`;
  if (bytes > PASSWORD_MAX_BYTES) return `password must be at most ${PASSWORD_MAX_BYTES} bytes`;
  return undefined;
}

/**
 * The npm argon2 package writes `m=…,p=…,t=…`; libargon2 and most other languages only
 * read the standard `m=…,t=…,p=…`, so hashes are stored in that order.
 */
export function toStandardPhc(hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$');
}

/** The argon2 addon, loaded at the first hash: a gateway nobody signs in to never needs it. */
let argon2Module: typeof Argon2 | undefined;
const loadArgon2 = () => (argon2Module ??= createRequire(import.meta.url)('argon2') as typeof Argon2);

export async function hashPassword(password: string): Promise<string> {
  const argon2 = loadArgon2();
  const hash = await argon2.hash(normalizePassword(password), { type: argon2.argon2id, ...ARGON2_PARAMS });
  return toStandardPhc(hash);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const argon2 = loadArgon2();
  try {
    return await argon2.verify(hash, normalizePassword(password));
  } catch {
    return false;
  }
}

/** 24 characters from 144 random bits, URL- and shell-safe. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
