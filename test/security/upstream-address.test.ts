/**
 * An app's upstream address is an Admin's to know: the console's launcher gives other
 * users only an app's name and public URL. The answer for an upstream that does not
 * answer must not name it to whoever the app lets in, nor to anyone on a public path
 * (a Unix socket's path names the owner's home folder).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, readOnlyAndAdminTokens } from './support.js';

/** A loopback port nothing listens on: taken, then freed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let gw: TestGateway;
let dead: string;
let readOnly: string;
let admin: string;

beforeAll(async () => {
  dead = `127.0.0.1:${await deadPort()}`;
  gw = await startGateway({
    apps: [{ slug: 'dead', name: 'Dead Tool', upstream: `http://${dead}`, publicPaths: ['/public'] }],
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
  });
  ({ readOnly, admin } = await readOnlyAndAdminTokens(gw));
});
afterAll(async () => {
  await gw?.close();
});

describe('an upstream that does not answer', () => {
  it('a ReadOnly user is not told the upstream address of an app that is down', async () => {
    for (const accept of ['application/json', 'text/html']) {
      const res = await gw.request({
        host: gw.host('dead'),
        headers: { accept, 'X-Latchkey-Authorization': readOnly },
      });
      expect(res.status).toBe(502);
      expect(res.body).toContain('Dead Tool');
      expect(res.body).not.toContain(dead);
    }
  });

  it('an anonymous client on a public path is not told the upstream address', async () => {
    const res = await gw.request({ host: gw.host('dead'), path: '/public', headers: { accept: 'text/html' } });
    expect(res.status).toBe(502);
    expect(res.body).not.toContain(dead);
  });

  it('an anonymous WebSocket on a public path is not told the upstream address', async () => {
    const reply = await rawExchange(
      gw.port,
      `GET /public HTTP/1.1\r\nHost: ${gw.host('dead')}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(reply.text).toContain('502');
    expect(reply.text).not.toContain(dead);
  });

  it('an Admin is told it, to fix it', async () => {
    const res = await gw.request({
      host: gw.host('dead'),
      headers: { accept: 'text/html', 'X-Latchkey-Authorization': admin },
    });
    expect(res.status).toBe(502);
    expect(res.body).toContain(dead);
  });
});
