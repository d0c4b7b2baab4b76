import { describe, expect, it } from 'vitest';
import { isReservedAppPath, isUnambiguousPath, normalizeTarget } from '../../../main/core/gateway/paths.js';

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

describe('isUnambiguousPath (may a per-path exception apply?)', () => {
  it.each([
    ['/healthz', true],
    ['/ingest/v1/traces', true],
    ['/healthz/a%41b', true],
    ['/healthz/..%2fadmin', false],
    ['/healthz/..%255Cadmin', false],
    ['/healthz/%25%32%66', false],
    ['/healthz/a\\b', false],
    ['/healthz/..;/admin', false],
    ['/healthz/%2525252525252e', false],
    ['/healthz/%c0%af', false],
    ['/healthz/caf%C3%A9', false],
    ['/healthz/%', false],
    ['/healthz/%20', false],
  ])('%s → %s', (path, expected) => {
    expect(isUnambiguousPath(path)).toBe(expected);
  });
});
