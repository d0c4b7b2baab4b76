import { describe, expect, it } from 'vitest';
import { baseNames, classifyHost, originOf } from '../../../main/core/gateway/hosts.js';

const PORT = 7780;

describe('classifyHost', () => {
  it.each([
    ['localhost:7780', 'root'],
    ['LOCALHOST:7780', 'root'],
    ['127.0.0.1:7780', 'root'],
    ['[::1]:7780', 'root'],
    ['latchkey.localhost:7780', 'console'],
    ['grafana.localhost:7780', 'app'],
    ['GraFana.LocalHost:7780', 'app'],
  ])('serves %s as %s', (host, kind) => {
    expect(classifyHost(host, PORT)?.kind).toBe(kind);
  });

  it.each([
    'localhost',
    'localhost:7781',
    'localhost:07780',
    'localhost.:7780',
    'localhost.evil.com:7780',
    'grafana.localhost.evil.com:7780',
    'evil.com:7780',
    '127.0.0.2:7780',
    '127.1:7780',
    '0.0.0.0:7780',
    '[::ffff:127.0.0.1]:7780',
    'localhost:7780@evil',
    'a.b.localhost:7780',
    '-x.localhost:7780',
    'grafana_x.localhost:7780',
    '',
    '[::1',
  ])('refuses %j', (host) => {
    expect(classifyHost(host, PORT)).toBeUndefined();
  });

  it('reads the slug of an app host', () => {
    expect(classifyHost('pyroscope.localhost:7780', PORT)).toEqual({
      kind: 'app',
      name: 'pyroscope.localhost',
      slug: 'pyroscope',
    });
  });

  it('serves names the user adds, exactly', () => {
    const names = baseNames(['devbox.lan']);
    expect(classifyHost('grafana.devbox.lan:7780', PORT, names)?.kind).toBe('app');
    expect(classifyHost('devbox.lan:7780', PORT, names)?.kind).toBe('root');
    expect(classifyHost('evil-devbox.lan:7780', PORT, names)).toBeUndefined();
  });

  it('accepts a Host without port only on port 80', () => {
    expect(classifyHost('localhost', 80)?.kind).toBe('root');
    expect(classifyHost('localhost:80', 80)?.kind).toBe('root');
  });

  it('builds the origin browsers use for the same-origin rule', () => {
    expect(originOf({ kind: 'app', name: 'grafana.localhost', slug: 'grafana' }, PORT)).toBe(
      'http://grafana.localhost:7780',
    );
  });
});
