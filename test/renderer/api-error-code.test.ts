import { describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api.js';

describe('the error code a screen sees', () => {
  it('is typed as an ErrorCode: a misspelt code fails typecheck instead of never matching', () => {
    const error = new ApiError('LAST_ADMIN', 'the last Admin stays', 409);
    // @ts-expect-error LAST_ADMN is no error code: a screen's comparison with it could never match.
    expect(error.code === 'LAST_ADMN').toBe(false);
    // @ts-expect-error nor may a transport make up a code.
    expect(new ApiError('LAST_ADMN', 'no', 409).code).toBe('LAST_ADMN');
    expect(error.code === 'LAST_ADMIN').toBe(true);
    // What the transport itself says when there was no error body stays expressible.
    expect(new ApiError('HTTP_502', 'bad gateway', 502).code).toBe('HTTP_502');
  });
});
