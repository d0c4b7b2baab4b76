import { describe, expect, it } from 'vitest';
import { baseNames } from '../../../main/core/gateway/hosts.js';
import { appTarget, safeLocalPath } from '../../../main/core/gateway/return-address.js';

/** Open-redirect payloads in the style of oauth2-proxy's testdata/openredirects.txt. */
const OPEN_REDIRECTS = [
  '//evil.com',
  '///evil.com',
  '////evil.com',
  '/\\evil.com',
  '/\\/evil.com',
  '\\\\evil.com',
  '/%09/evil.com',
  '/\t/evil.com',
  '/%0a/evil.com',
  '/%0d/evil.com',
  '/%2f%2fevil.com',
  '/%5cevil.com',
  '%2f%2fevil.com',
  'https://evil.com',
  'http://127.0.0.1.evil.com',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'http:evil.com',
  '/ /evil.com',
  '/\u3000/evil.com',
  ' //evil.com',
  '',
];

describe('safeLocalPath', () => {
  it.each(OPEN_REDIRECTS)('sends %j to /', (value) => {
    expect(safeLocalPath(value)).toBe('/');
  });

  it.each([
    ['/', '/'],
    ['/d/abc?orgId=1', '/d/abc?orgId=1'],
    [
      '/.latchkey/handoff?target=http%3A%2F%2Fa.localhost%3A1%2F&state=x',
      '/.latchkey/handoff?target=http%3A%2F%2Fa.localhost%3A1%2F&state=x',
    ],
  ])('keeps the local path %s', (value, expected) => {
    expect(safeLocalPath(value)).toBe(expected);
  });
});

describe('appTarget', () => {
  const names = baseNames([]);
  it('accepts an app host of this gateway', () => {
    expect(appTarget('http://grafana.localhost:7780/d/x?y=1', 7780, names)).toEqual({
      origin: 'http://grafana.localhost:7780',
      path: '/d/x?y=1',
    });
  });

  it.each([
    'http://grafana.localhost:7781/',
    'https://grafana.localhost:7780/',
    'http://latchkey.localhost:7780/',
    'http://localhost:7780/',
    'http://grafana.localhost.evil.com:7780/',
    'http://user@grafana.localhost:7780/',
    'http://evil.com/',
    'grafana.localhost:7780',
    'http://grafana.localhost:7780/\t',
  ])('refuses %s', (value) => {
    expect(appTarget(value, 7780, names)).toBeUndefined();
  });
});
