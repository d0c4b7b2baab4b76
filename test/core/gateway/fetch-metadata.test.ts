import { describe, expect, it } from 'vitest';
import { checkBrowserRequest, type BrowserSignals } from '../../../main/core/gateway/fetch-metadata.js';

const TARGET = 'http://grafana.localhost:7780';
const none: BrowserSignals = { origin: undefined, site: undefined, mode: undefined, dest: undefined };
const check = (method: string, signals: Partial<BrowserSignals>, upgrade = false, allowed: string[] = []) =>
  checkBrowserRequest(method, upgrade, { ...none, ...signals }, TARGET, allowed)?.code;

describe('checkBrowserRequest', () => {
  it('lets non-browser clients through (no Origin, no Sec-Fetch-*)', () => {
    expect(check('POST', {})).toBeUndefined();
    expect(check('GET', {}, true)).toBeUndefined();
  });

  it('allows unsafe methods from the same origin only', () => {
    expect(check('POST', { origin: TARGET })).toBeUndefined();
    expect(check('DELETE', { site: 'same-origin' })).toBeUndefined();
    expect(check('POST', { origin: 'http://other.localhost:7780', site: 'same-site' })).toBe('ORIGIN_REFUSED');
    expect(check('PUT', { origin: 'http://localhost:5173' })).toBe('ORIGIN_REFUSED');
    expect(check('PATCH', { origin: 'null' })).toBe('ORIGIN_REFUSED');
    expect(check('PROPFIND', { site: 'cross-site' })).toBe('ORIGIN_REFUSED');
  });

  it('trusts a mismatched Origin over a same-origin Sec-Fetch-Site', () => {
    expect(check('POST', { origin: 'https://evil.example', site: 'same-origin' })).toBe('ORIGIN_REFUSED');
  });

  it('applies the same-origin rule to every WebSocket upgrade', () => {
    expect(check('GET', { origin: TARGET }, true)).toBeUndefined();
    expect(check('GET', { origin: 'http://other.localhost:7780' }, true)).toBe('ORIGIN_REFUSED');
  });

  it('accepts origins the app allows', () => {
    expect(check('POST', { origin: 'http://localhost:5173' }, false, ['http://localhost:5173'])).toBeUndefined();
  });

  it('serves cross-site and same-site GETs only as top-level navigations', () => {
    expect(check('GET', { site: 'cross-site', mode: 'navigate', dest: 'document' })).toBeUndefined();
    expect(check('GET', { site: 'cross-site', mode: 'no-cors', dest: 'image' })).toBe('CROSS_SITE_SUBRESOURCE');
    expect(check('GET', { site: 'same-site', mode: 'no-cors', dest: 'script' })).toBe('CROSS_SITE_SUBRESOURCE');
    expect(check('GET', { site: 'cross-site', mode: 'navigate', dest: 'iframe' })).toBe('CROSS_SITE_SUBRESOURCE');
    expect(check('GET', { site: 'same-origin', mode: 'cors', dest: 'empty' })).toBeUndefined();
  });

  it('refuses a cross-origin CORS read', () => {
    expect(check('GET', { origin: 'https://evil.example', site: 'cross-site', mode: 'cors' })).toBe('ORIGIN_REFUSED');
  });

  it('treats an unknown or joined Sec-Fetch-Site as untrusted', () => {
    expect(check('GET', { site: 'same-origin, cross-site', mode: 'no-cors', dest: 'image' })).toBe(
      'CROSS_SITE_SUBRESOURCE',
    );
    expect(check('POST', { site: 'bogus' })).toBe('ORIGIN_REFUSED');
  });
});
