import { describe, expect, it } from 'vitest';
import {
  forwardableHeaders,
  forwardableResponseHeaders,
  normalizeHeaderName,
  setsGatewayCookie,
  stripGatewayCookies,
} from '../../../main/core/gateway/headers.js';
import { identityHeaders } from '../../../main/core/gateway/identity-headers.js';

const names = (flat: string[]) => flat.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

describe('forwardableHeaders', () => {
  it('removes identity headers in every spelling', () => {
    const raw = [
      'X-Forwarded-User',
      'a',
      'x_forwarded_user',
      'b',
      'X.Forwarded.User',
      'c',
      'REMOTE-USER',
      'd',
      'Remote_Groups',
      'e',
      'X-WEBAUTH-USER',
      'f',
      'x-auth-request-email',
      'g',
      'X-Latchkey-Jwt-Assertion',
      'h',
      'Forwarded',
      'for=1.2.3.4',
      'X-Real-IP',
      '1.2.3.4',
      'Accept',
      'text/html',
    ];
    expect(forwardableHeaders(raw, 'latchkey_')).toEqual(['Accept', 'text/html']);
  });

  it('removes hop-by-hop headers and every header the Connection header names', () => {
    const raw = [
      'Connection',
      'close, X-Custom, x_other',
      'Keep-Alive',
      'timeout=5',
      'Proxy-Authorization',
      'Basic eA==',
      'TE',
      'trailers',
      'Upgrade',
      'h2c',
      'X-Custom',
      'dropped',
      'X-Other',
      'dropped too',
      'X-Kept',
      'yes',
      'Host',
      'grafana.localhost:7780',
    ];
    expect(forwardableHeaders(raw, 'latchkey_')).toEqual(['X-Kept', 'yes']);
  });

  it("keeps the app's own Authorization header and cookies", () => {
    const raw = ['Authorization', 'Bearer app-token', 'Cookie', 'theme=dark; latchkey_7780=s3cret; lang=en'];
    expect(forwardableHeaders(raw, 'latchkey_')).toEqual([
      'Authorization',
      'Bearer app-token',
      'Cookie',
      'theme=dark; lang=en',
    ]);
  });

  it('drops a Cookie header made only of Latchkey cookies', () => {
    expect(names(forwardableHeaders(['Cookie', 'latchkey_7780=a; latchkey_7780_state=b'], 'latchkey_'))).toEqual([]);
  });
});

describe('normalizeHeaderName', () => {
  it('maps case, _ and . to one spelling', () => {
    expect(normalizeHeaderName('X_Forwarded.USER')).toBe('x-forwarded-user');
  });
});

describe('stripGatewayCookies', () => {
  it('leaves other cookies as they were', () => {
    expect(stripGatewayCookies('a=1; b=2', 'latchkey_')).toBe('a=1; b=2');
  });
});

describe('forwardableResponseHeaders', () => {
  it('drops CORS grants, hop-by-hop headers and Latchkey Set-Cookies', () => {
    const out = forwardableResponseHeaders(
      {
        'content-type': 'text/plain',
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'true',
        'keep-alive': 'timeout=5',
        'set-cookie': ['theme=dark', 'latchkey_7780=forged'],
      },
      'latchkey_',
    );
    expect(out).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['theme=dark'] });
  });
});

describe('identityHeaders', () => {
  const admin = { username: 'admin', email: 'admin@localhost.localdomain', role: 'Admin' as const };

  it('sends the generic X-Forwarded-* set by default', () => {
    expect(identityHeaders(admin, 'generic')).toEqual([
      'x-forwarded-user',
      'admin',
      'x-forwarded-email',
      'admin@localhost.localdomain',
      'x-forwarded-groups',
      'Admin',
      'x-forwarded-preferred-username',
      'admin',
    ]);
  });

  it('a username that would split a header line (CRLF injection) is a typed FORBIDDEN, never sent', () => {
    for (const username of ['eve\r\nX-Forwarded-User: admin', 'eve admin', 'jörg']) {
      expect(() => identityHeaders({ ...admin, username }, 'generic')).toThrow(
        expect.objectContaining({ name: 'LatchkeyError', code: 'FORBIDDEN' }),
      );
    }
  });

  it("adds Grafana's auth-proxy headers with Grafana's role names", () => {
    const headers = identityHeaders({ ...admin, role: 'ReadOnly' }, 'grafana');
    expect(headers).toContain('x-webauth-user');
    expect(headers[headers.indexOf('x-webauth-role') + 1]).toBe('Viewer');
  });

  it('adds Remote-* for the remote preset and nothing for none', () => {
    expect(names(identityHeaders(admin, 'remote'))).toContain('remote-user');
    expect(identityHeaders(admin, 'none')).toEqual([]);
  });

  it('refuses to assert a value that could split a header line', () => {
    expect(() => identityHeaders({ ...admin, username: 'a\r\nx-evil: 1' }, 'generic')).toThrow();
  });
});

describe('setsGatewayCookie', () => {
  it.each([
    ['latchkey_7780=x; Path=/', true],
    [' Latchkey_7780_state=x', true],
    ['=latchkey_7780=fixated', true],
    ['nameless', true],
    ['theme=dark; Path=/', false],
    ['mylatchkey_7780=x', false],
  ])('%j → %s', (line, expected) => {
    expect(setsGatewayCookie(line, 'latchkey_')).toBe(expected);
  });
});

describe("Latchkey's Authorization schemes", () => {
  it('are removed while an app bearer token passes', () => {
    const raw = [
      'Authorization',
      'Bearer Latchkey-abc',
      'authorization',
      'Latchkey abc',
      'Authorization',
      'Bearer app',
    ];
    expect(forwardableHeaders(raw, 'latchkey_')).toEqual(['Authorization', 'Bearer app']);
  });
});
