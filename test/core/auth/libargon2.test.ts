import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../../main/core/auth/passwords.js';

/** Debian's python3-argon2 binds the reference implementation, libargon2. */
const PYTHON = '/usr/bin/python3';
const hasLibargon2 = spawnSync(PYTHON, ['-c', 'import argon2'], { stdio: 'ignore' }).status === 0;

function verifyWithLibargon2(hash: string, password: string): string {
  const script = `
import sys, argon2
try:
    argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2])
    print("ok")
except argon2.exceptions.VerifyMismatchError:
    print("mismatch")
except Exception as error:
    print("refused: " + type(error).__name__)
`;
  return spawnSync(PYTHON, ['-c', script, hash, password], { encoding: 'utf8' }).stdout.trim();
}

describe.skipIf(!hasLibargon2)('hashes verify with libargon2 (the reference implementation)', () => {
  it('accepts our standard-order PHC strings and the right password only', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(verifyWithLibargon2(hash, 'correct horse battery')).toBe('ok');
    expect(verifyWithLibargon2(hash, 'wrong horse battery')).toBe('mismatch');
  });

  it("refuses the npm package's own m,p,t order: the reason hashes are reordered", async () => {
    const npmOrder = (await hashPassword('correct horse battery')).replace(/m=(\d+),t=(\d+),p=(\d+)/, 'm=$1,p=$3,t=$2');
    expect(verifyWithLibargon2(npmOrder, 'correct horse battery')).toMatch(/^refused/);
  });
});
