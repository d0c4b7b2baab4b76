import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUILT_PAGE_CSP } from '../../main/core/gateway/static-pages.js';
import {
  CONSOLE_CSP,
  fileFor,
  handleConsoleProtocol,
  registerScheme,
  serveConsoleFile,
} from '../../main/shell/protocol.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { electron, resetElectron } from './electron-mock.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

const renderer = tempDataDir();
mkdirSync(join(renderer.dir, 'assets'));
writeFileSync(join(renderer.dir, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(join(renderer.dir, 'assets', 'console-abc.js'), 'console.log(1)');
afterAll(() => renderer.remove());
beforeEach(() => resetElectron());

describe('the latchkey-app scheme', () => {
  it('is registered standard and secure, so the console has an origin of its own', () => {
    registerScheme(electron.protocol);
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'latchkey-app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    const privileges = electron.protocol.registerSchemesAsPrivileged.mock.calls[0]?.[0][0].privileges;
    expect(privileges).not.toHaveProperty('bypassCSP');
    expect(privileges).not.toHaveProperty('corsEnabled');
  });

  it('serves the built console with the CSP of the gateway built pages', async () => {
    expect(CONSOLE_CSP).toBe(BUILT_PAGE_CSP);
    handleConsoleProtocol(electron.protocol, renderer.dir);
    const [scheme, handler] = electron.protocol.handle.mock.calls[0] as [string, (r: Request) => Promise<Response>];
    expect(scheme).toBe('latchkey-app');
    const page = await handler(new Request('latchkey-app://console/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(BUILT_PAGE_CSP);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>console</title>');
    const script = await serveConsoleFile(renderer.dir, 'latchkey-app://console/.latchkey/assets/console-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(BUILT_PAGE_CSP);
  });

  it.each([
    'latchkey-app://console/../../etc/passwd',
    'latchkey-app://console/%2e%2e/%2e%2e/etc/passwd',
    'latchkey-app://console/.latchkey/..%2f..%2fsecret.html',
    'latchkey-app://console/assets%5c..%5c..%5csecret.js',
    'latchkey-app://other/index.html',
    'latchkey-app://console/notes.txt',
    'file:///etc/passwd',
  ])('serves nothing for %s', async (url) => {
    expect(fileFor(renderer.dir, url)).toBeUndefined();
    expect((await serveConsoleFile(renderer.dir, url)).status).toBe(404);
  });

  it('answers 404 for a file that is not built', async () => {
    expect((await serveConsoleFile(renderer.dir, 'latchkey-app://console/.latchkey/assets/none.js')).status).toBe(404);
  });
});
