import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../main/core/index.js';
import { defaultRendererDir } from '../../../main/core/gateway/static-pages.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { sendRequest } from '../../helpers/gateway.js';

const data = tempDataDir();
const renderer = tempDataDir();
let core: Core;
let port: number;

beforeAll(async () => {
  mkdirSync(join(renderer.dir, 'assets'));
  writeFileSync(
    join(renderer.dir, 'login.html'),
    '<!doctype html><script type="module" src="/.latchkey/assets/login-abc.js"></script>',
  );
  writeFileSync(join(renderer.dir, 'assets', 'login-abc.js'), 'console.log(1)');
  core = await createCore({
    dataDir: data.dir,
    env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    port: 0,
    rendererDir: renderer.dir,
  });
  port = (await core.listen()).port;
});
afterAll(async () => {
  await core.close();
  data.remove();
  renderer.remove();
});

const get = (path: string) =>
  sendRequest(port, { host: `latchkey.localhost:${port}`, path, headers: { accept: 'text/html' } });

describe('the sign-in page', () => {
  it('is the page built from renderer/, under a CSP that allows no inline script', async () => {
    const res = await get('/.latchkey/login?rd=%2F');
    expect(res.status).toBe(200);
    expect(res.body).toContain('/.latchkey/assets/login-abc.js');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves its assets with their type and long caching, and nothing outside the assets folder', async () => {
    const js = await get('/.latchkey/assets/login-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    for (const path of [
      '/.latchkey/assets/../login.html',
      '/.latchkey/assets/%2e%2e%2flogin.html',
      '/.latchkey/assets/x.html',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});

describe('the built renderer', () => {
  it('has a login page whose every asset exists', () => {
    const dir = defaultRendererDir();
    const html = readFileSync(join(dir, 'login.html'), 'utf8');
    const assets = [...html.matchAll(/"\/\.latchkey\/assets\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect(readFileSync(join(dir, 'assets', asset)).length).toBeGreaterThan(0);
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script for the CSP to refuse
  });
});
