/**
 * An app's log is an Admin's to read (`apps.logs`, the console's Logs): tools print tokens,
 * connection strings and stack traces there. The gateway's answer for an app that failed
 * to start must not hand its last log lines to whoever may open the app, nor to anyone at
 * all on a public path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnlyAndAdminTokens } from './support.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { FAST, toolApp } from '../core/launcher/support.js';

const SECRET = 'db-password=hunter2-from-the-log';
const navigate = {
  accept: 'text/html',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-dest': 'document',
};

let gw: TestGateway;
let readOnly: string;
let admin: string;

beforeAll(async () => {
  gw = await startGateway({
    apps: [
      toolApp(
        'boom',
        { args: ['-e', `console.log(${JSON.stringify(SECRET)}); process.exit(3)`] },
        {
          publicPaths: ['/public'],
        },
      ),
    ],
    launcher: { ...FAST, backoff: { ...FAST.backoff, initialMs: 60_000 } },
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' },
  });
  ({ readOnly, admin } = await readOnlyAndAdminTokens(gw));
});
afterAll(async () => {
  await gw?.close();
});

describe("a failed app's last log lines", () => {
  it('a ReadOnly user allowed into a crashed app is not shown its log lines (Admin-only log)', async () => {
    for (const headers of [{ accept: 'application/json' }, navigate]) {
      const res = await gw.request({
        host: gw.host('boom'),
        headers: { ...headers, 'X-Latchkey-Authorization': readOnly },
      });
      expect(res.status).toBe(503);
      expect(res.body).toContain('exited with code 3');
      expect(res.body).not.toContain(SECRET);
    }
  });

  it('an anonymous client on a public path of a crashed app is not shown its log lines', async () => {
    for (const headers of [{ accept: 'application/json' }, navigate]) {
      const res = await gw.request({ host: gw.host('boom'), path: '/public', headers });
      expect(res.status).toBe(503);
      expect(res.body).not.toContain(SECRET);
    }
  });

  it('an Admin is still shown them, to see why it failed', async () => {
    const res = await gw.request({
      host: gw.host('boom'),
      headers: { accept: 'application/json', 'X-Latchkey-Authorization': admin },
    });
    expect(res.status).toBe(503);
    expect(res.body).toContain(SECRET);
  });
});
