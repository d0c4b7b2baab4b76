import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintConsoleLink } from '../../../main/core/auth/console-sessions.js';
import { createUser } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;
let cookie: string;

beforeAll(async () => {
  gw = await startGateway();
  const link = new URL(mintConsoleLink(gw.core.store, gw.port));
  const redeemed = await gw.request({
    method: 'POST',
    path: '/.latchkey/console',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: gw.origin() },
    body: new URLSearchParams({ code: link.searchParams.get('code') ?? '' }).toString(),
  });
  cookie = String(redeemed.headers['set-cookie']).split(';')[0] as string;
});
afterAll(async () => {
  await gw?.close();
});

const post = (path: string, body: unknown) =>
  gw.request({
    method: 'POST',
    path,
    headers: { cookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The rule in words, as every refusal of a username must say it. */
const RULE = /1 to 64 characters of lower-case a-z, 0-9, "\.", "_" or "-", starting with a letter or digit/;

describe('a refused username says the rule, not just "not valid"', () => {
  it('creating a user over the API', async () => {
    for (const username of ['-leading-dash', 'has space', 'ünïcode', 'x'.repeat(65)]) {
      const res = await post('/api/v1/users', { username, password: 'a good password' });
      expect(res.status, username).toBe(400);
      const { message } = res.json<{ error: { message: string } }>().error;
      expect(message, username).toMatch(RULE);
      expect(message).not.toMatch(/not a valid username/);
    }
  });

  it('an upper-case username is taken lower-cased, not refused', async () => {
    const res = await post('/api/v1/users', { username: 'Grace.Hopper', password: 'a good password' });
    expect(res.status).toBe(200);
    expect(res.json<{ data: { username: string } }>().data.username).toBe('grace.hopper');
  });

  it("an app's allowed users", async () => {
    const res = await post('/api/v1/apps', { slug: 'tool', upstream: 'http://127.0.0.1:9', allowUsers: ['no way'] });
    expect(res.status).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(RULE);
  });

  it('the service the CLI and sign-up use', async () => {
    await expect(
      createUser(gw.core.store, { username: 'no/slash', password: 'a good password' }, 'test'),
    ).rejects.toThrow(RULE);
  });
});
