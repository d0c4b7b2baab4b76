import { describe, expect, it } from 'vitest';
import { isReservedAppPath, normalizeTarget } from '../../../main/core/gateway/paths.js';

describe('normalizeTarget', () => {
  it.each([
    ['/a/b?x=1', '/a/b', '?x=1'],
    ['/x/../.latchkey/login', '/.latchkey/login', ''],
    ['/./.latchkey/x', '/.latchkey/x', ''],
    ['/%2elatchkey/x', '/.latchkey/x', ''],
    ['/x/%2E%2E/.latchkey/x', '/.latchkey/x', ''],
    ['/../../etc', '/etc', ''],
    ['/a/.', '/a/', ''],
    ['/a/..', '/', ''],
    ['/public?next=/../admin', '/public', '?next=/../admin'],
    ['/a/%252e%252e/b', '/a/%252e%252e/b', ''],
  ])('%s → %s', (target, path, query) => {
    expect(normalizeTarget(target)).toEqual({ path, query });
  });
});

describe('isReservedAppPath', () => {
  it('reserves /.latchkey/ and /.well-known/latchkey/ in any case, nothing else', () => {
    expect(isReservedAppPath('/.latchkey/login')).toBe(true);
    expect(isReservedAppPath('/.LATCHKEY/login')).toBe(true);
    expect(isReservedAppPath('/.latchkey')).toBe(true);
    expect(isReservedAppPath('/.well-known/latchkey/jwks.json')).toBe(true);
    expect(isReservedAppPath('/.well-known/openid-configuration')).toBe(false);
    expect(isReservedAppPath('/latchkey/')).toBe(false);
  });
});
