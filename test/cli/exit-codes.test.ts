import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../../main/cli/exit-codes.js';

describe('exit codes', () => {
  it("an INTERNAL_ERROR exits as Latchkey's own fault (70), as an untyped bug does", () => {
    expect(exitCodeOf('INTERNAL_ERROR')).toBe(EXIT.internal);
  });

  it('keeps one code per remedy for the store and the arguments', () => {
    expect(exitCodeOf('BAD_ARGUMENT')).toBe(EXIT.usage);
    expect(exitCodeOf('DB_DAMAGED')).toBe(EXIT.damaged);
    expect(exitCodeOf('DISK_FULL')).toBe(EXIT.storage);
    expect(exitCodeOf('DB_BUSY')).toBe(EXIT.busy);
    expect(exitCodeOf('LAST_ADMIN')).toBe(EXIT.refused);
  });
});
