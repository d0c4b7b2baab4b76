import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { tempDataDir } from '../helpers/data-dir.js';

/**
 * The desktop app end to end: launch, the console visible, impersonation toggled from
 * the tray menu. Runs where Electron's binary is installed (`npm install` with internet,
 * or ELECTRON_OVERRIDE_DIST_PATH); needs `npm run build` first (`npm test` does it).
 */
const binary = electronBinary();
const root = fileURLToPath(new URL('../../', import.meta.url));
if (!binary) {
  console.log('test/e2e/electron.test.ts skipped: Electron binary not installed (node_modules/electron has no dist/)');
}

interface TrayItem {
  label: string;
  checked: boolean;
  click(): void;
}

describe.skipIf(!binary)(binary ? 'the desktop app' : 'the desktop app: skipped, Electron binary not installed', () => {
  const data = tempDataDir();
  let app: ElectronApplication;
  let page: Page;

  const impersonationItem = () =>
    app.evaluate(() => {
      const menu = (globalThis as { __latchkeyTrayMenu?: { items: TrayItem[] } }).__latchkeyTrayMenu;
      const item = menu?.items.find((i) => i.label === 'Impersonation mode');
      return item ? { checked: item.checked } : undefined;
    });

  beforeAll(async () => {
    app = await _electron.launch({
      executablePath: binary as string,
      args: ['.'],
      cwd: root,
      env: {
        ...process.env,
        LATCHKEY_DATA_DIR: data.dir,
        LATCHKEY_PORT: '0',
        LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1',
        LATCHKEY_E2E: '1',
      },
      timeout: 20_000,
    });
    page = await app.firstWindow();
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('opens the console from the app scheme, in a sandboxed window', async () => {
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toBe('latchkey-app://console/');
    expect(await page.title()).toMatch(/Latchkey/);
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((globalThis as { latchkey?: object }).latchkey ?? {}))).toContain(
      'config.get',
    );
  });

  it('toggles impersonation from the tray menu', async () => {
    await expect.poll(impersonationItem, { timeout: 10_000 }).toEqual({ checked: true });
    await app.evaluate(() => {
      const menu = (globalThis as { __latchkeyTrayMenu?: { items: TrayItem[] } }).__latchkeyTrayMenu;
      menu?.items.find((i) => i.label === 'Impersonation mode')?.click();
    });
    await expect.poll(impersonationItem, { timeout: 10_000 }).toEqual({ checked: false });
    const config = await page.evaluate(() =>
      (globalThis as unknown as { latchkey: Record<string, (i: object) => Promise<unknown>> }).latchkey['config.get']?.(
        {},
      ),
    );
    expect(config).toMatchObject({ result: { identn: { impersonation: { enabled: false } } } });
  });
});
