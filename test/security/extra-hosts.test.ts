/**
 * SPEC §7: browsers send fetch metadata only to trustworthy origins (`localhost`,
 * `*.localhost`). On an extra name from `gateway.allowed-hosts` (`devbox.lan`) an `<img>`
 * or `<script>` from any page carries neither `Sec-Fetch-*` nor `Origin`, so impersonation
 * mode cannot tell it from the owner: extra names and impersonation never go together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setIdentn } from '../../main/core/identn-service.js';
import { createCore } from '../../main/core/index.js';
import { runCli } from '../helpers/cli.js';
import { createCoreForTests, type TestCore } from '../helpers/core.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { marker, reached } from './support.js';

const EXTRA = { LATCHKEY_GATEWAY_ALLOWED_HOSTS: 'devbox.lan' };
const LOGINS = { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1' };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

/**
 * A gateway with devbox.lan added, in login mode: set up once without the extra name
 * (a chosen admin password, impersonation stored off), then started again with it.
 */
async function loginGateway(up?: Upstream): Promise<{ core: TestCore; port: number; host(slug: string): string }> {
  const dir = dataDir();
  const first = await createCoreForTests({ dataDir: dir, env: LOGINS, port: 0 });
  if (up) first.store.apps.add({ slug: 'echo', upstream: up.url }, 'test');
  setIdentn(first.store, { impersonation: false }, 'test');
  await first.close();
  const core = await createCoreForTests({ dataDir: dir, env: { ...LOGINS, ...EXTRA }, port: 0 });
  cleanups.push(() => core.close());
  const { port } = await core.listen();
  return { core, port, host: (slug) => `${slug}.localhost:${port}` };
}

describe('extra host names in impersonation mode', () => {
  it('extra host names are refused at start in impersonation mode', async () => {
    await expect(createCore({ dataDir: dataDir(), env: EXTRA, port: 0 })).rejects.toMatchObject({
      code: 'EXTRA_HOSTS_IN_IMPERSONATION',
      message: expect.stringMatching(
        /gateway\.allowed-hosts adds devbox\.lan \(set by LATCHKEY_GATEWAY_ALLOWED_HOSTS\)/,
      ),
    });
  });

  it('latchkey serve refuses them in one line naming the setting and its variable', () => {
    const result = runCli(['serve', '--port', '0', '--data-dir', dataDir()], EXTRA);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^latchkey: .*gateway\.allowed-hosts.*LATCHKEY_GATEWAY_ALLOWED_HOSTS/);
  });

  it('a flip to impersonation is refused while extra host names are set (console API)', async () => {
    const gw = await loginGateway();
    const origin = `http://${gw.host('latchkey')}`;
    const signIn = await sendRequest(gw.port, {
      method: 'POST',
      host: gw.host('latchkey'),
      path: '/.latchkey/login',
      headers: { 'Content-Type': 'application/json', Origin: origin },
      body: JSON.stringify({ username: 'admin', password: 'admin password 1' }),
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] as string;
    const flip = await sendRequest(gw.port, {
      method: 'POST',
      host: gw.host('latchkey'),
      path: '/api/v1/identn',
      headers: { cookie, Origin: origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ impersonation: true }),
    });
    expect(flip.status).toBe(409);
    expect(flip.json()).toMatchObject({
      error: { code: 'EXTRA_HOSTS_IN_IMPERSONATION', message: expect.stringContaining('gateway.allowed-hosts') },
    });
    const config = await sendRequest(gw.port, { host: gw.host('latchkey'), path: '/api/v1/global/config' });
    expect(config.json()).toMatchObject({
      data: { identN: { impersonation: { enabled: false }, tokenizer: { enabled: true } } },
    });
  });

  it('a flip to impersonation is refused while extra host names are set (latchkey identn set)', async () => {
    const dir = dataDir();
    expect(runCli(['identn', 'set', '--impersonation', 'off', '--data-dir', dir], LOGINS).status).toBe(0);
    const flip = runCli(['identn', 'set', '--impersonation', 'on', '--data-dir', dir], { ...LOGINS, ...EXTRA });
    expect(flip.status).not.toBe(0);
    expect(flip.stderr.trim().split('\n')).toHaveLength(1);
    expect(flip.stderr).toMatch(/LATCHKEY_GATEWAY_ALLOWED_HOSTS/);
  });

  it('an extra host name is never served as the admin, even when another process turned impersonation on', async () => {
    const up = await startUpstream();
    cleanups.push(() => up.close());
    const gw = await loginGateway(up);
    // What `latchkey identn set` run without the gateway's environment would store.
    gw.core.store.settings.setMany({
      'identn.impersonation.enabled': true,
      'identn.tokenizer.enabled': false,
      'identn.apikey.enabled': false,
    });
    const mark = marker('extra');
    const img = await sendRequest(gw.port, { host: `echo.devbox.lan:${gw.port}`, path: `/img?${mark}` });
    expect(img.status).toBe(421);
    expect(img.json()).toMatchObject({ error: { code: 'HOST_NOT_SERVED' } });
    expect(reached(up, mark)).toEqual([]);
    // The localhost names still are.
    expect((await sendRequest(gw.port, { host: gw.host('echo'), path: '/ok' })).status).toBe(200);
  });
});
