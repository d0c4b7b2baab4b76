/**
 * A request to an app Latchkey runs waits while the app starts (up to the upstream
 * timeout). It was let in when it arrived: a token revoked, a user disabled or a policy
 * changed during that wait must not see the request reach the app afterwards, carrying
 * an identity that no longer holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { FAST, toolApp, untilStatus } from '../core/launcher/support.js';
import { rawExchange } from './support.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('an app that starts while a request waits', () => {
  it('a token revoked while the app starts does not reach the app (stale identity after the wait)', async () => {
    gw = await startGateway({
      apps: [toolApp('slow', { env: { DELAY_MS: '1500' } })],
      launcher: FAST,
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
    });
    const g = gw;
    await createUser(g.core.store, { username: 'rita', password: 'rita password' }, 'test');
    const { token, view } = createToken(g.core.store, { username: 'rita', lifetimeMs: 3_600_000 }, 'test');
    const pending = g.request({
      host: g.host('slow'),
      headers: { accept: 'application/json', 'X-Latchkey-Authorization': token },
    });
    await untilStatus(g, 'slow', (s) => s.state === 'starting');
    revokeToken(g.core.store, view.id, 'test');
    const res = await pending;
    expect(res.body).not.toContain('hello from tool');
    expect(res.status).toBe(403);
    // The app is up now; a request with a live identity still reaches it.
    const other = createToken(g.core.store, { username: 'rita', lifetimeMs: 3_600_000 }, 'test').token;
    const ok = await g.request({ host: g.host('slow'), headers: { 'X-Latchkey-Authorization': other } });
    expect(ok.status).toBe(200);
  });

  it('a WebSocket whose token is revoked while the app starts is refused, never relayed to the app', async () => {
    gw = await startGateway({
      apps: [toolApp('slow', { env: { DELAY_MS: '1500' } })],
      launcher: FAST,
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
    });
    const g = gw;
    await createUser(g.core.store, { username: 'rita', password: 'rita password' }, 'test');
    const { token, view } = createToken(g.core.store, { username: 'rita', lifetimeMs: 3_600_000 }, 'test');
    const pending = rawExchange(
      g.port,
      `GET /ws HTTP/1.1\r\nHost: ${g.host('slow')}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `X-Latchkey-Authorization: ${token}\r\n\r\n`,
      8_000,
    );
    await untilStatus(g, 'slow', (s) => s.state === 'starting');
    revokeToken(g.core.store, view.id, 'test');
    const reply = await pending;
    expect(reply.text.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
  });
});
