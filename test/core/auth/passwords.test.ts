import { describe, expect, it } from 'vitest';
import {
  generatePassword,
  hashPassword,
  passwordProblem,
  toStandardPhc,
  verifyPassword,
} from '../../../main/core/auth/passwords.js';

describe('passwords', () => {
  it('hashes with argon2id at m=19456, t=2, p=1 in the standard PHC order', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery!')).toBe(false);
  });

  it('reorders the npm package m,p,t output to m,t,p', () => {
    expect(toStandardPhc('$argon2id$v=19$m=65536,p=4,t=3$c2FsdA$aGFzaA')).toBe(
      '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    );
  });

  it('normalizes to NFC, so composed and decomposed input are one password', async () => {
    const hash = await hashPassword('caf\u00e9-latte');
    expect(await verifyPassword(hash, 'cafe\u0301-latte')).toBe(true);
  });

  it('checks length in bytes before hashing', () => {
    expect(passwordProblem('short')).toMatch(/at least 8 bytes/);
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most 1024 bytes/);
    expect(passwordProblem('\u00e9'.repeat(4))).toBeUndefined(); // 8 bytes in UTF-8
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });

  it('generates long random passwords, never a known default', () => {
    const a = generatePassword();
    expect(a).toHaveLength(24);
    expect(a).not.toBe(generatePassword());
    expect(a).not.toBe('admin');
  });

  it('treats a malformed hash as a mismatch, not a crash', async () => {
    expect(await verifyPassword('not a hash', 'whatever1')).toBe(false);
  });
});
