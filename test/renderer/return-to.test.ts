import { describe, expect, it } from 'vitest';
import { destination, returnTo } from '../../renderer/src/login/return-to.js';

const ORIGIN = 'http://latchkey.localhost:7780';

describe('returnTo (the sign-in page script)', () => {
  it.each([
    ['?rd=%2Fapps%3Fx%3D1', '/apps?x=1'],
    ['?rd=%2F%2Fevil.com', '/'],
    ['?rd=%2F%5Cevil.com', '/'],
    ['?rd=https%3A%2F%2Fevil.com', '/'],
    ['?rd=%2F%09%2Fevil.com', '/'],
    ['?rd=javascript%3Aalert(1)', '/'],
    ['', '/'],
  ])('%s → %s', (search, expected) => {
    expect(returnTo(search, ORIGIN)).toBe(expected);
  });
});

describe('destination', () => {
  it('names the app a hand-over continues to', () => {
    const next = `/.latchkey/handoff?target=${encodeURIComponent('http://grafana.localhost:7780/d/x')}&state=abc`;
    expect(destination(next)).toBe('grafana.localhost:7780');
    expect(destination('/apps')).toBeUndefined();
  });
});
