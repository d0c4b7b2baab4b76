/// <reference lib="dom" />
/**
 * Stored XSS in every name the console and the gateway's pages show: app names, display
 * names, emails, token descriptions, usernames in the audit log. Each payload is stored
 * through the real APIs, then every screen is opened in Chromium: no script may run and
 * no markup from a payload may become an element.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload="window.__xss=2">',
  "'><script>window.__xss=3</script>",
  '{@html "<b id=injected>x</b>"}',
];

describe.skipIf(!hasChromium)('stored XSS payloads are shown as text (needs Chromium)', () => {
  let gw: TestGateway;
  let browser: Chromium;
  let page: Page;

  beforeAll(async () => {
    gw = await startGateway();
    const store = gw.core.store;
    PAYLOADS.forEach((payload, i) => {
      store.apps.add({ slug: `xss${i}`, name: payload, upstream: 'http://127.0.0.1:9' }, 'test');
    });
    await createUser(
      store,
      { username: 'mallory', password: 'mallory password', displayName: PAYLOADS[0], email: 'm@x.test' },
      'test',
    );
    createToken(store, { username: 'mallory', lifetimeMs: null, description: PAYLOADS[1] }, 'test');
    store.audit.record('login.failed', null, PAYLOADS[2] ?? '', { note: PAYLOADS[3] });
    browser = await launchChromium({ timeout: 8_000, colorScheme: 'light' });
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => void dialog.dismiss());
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  async function expectInert(where: string): Promise<void> {
    const found = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: number }).__xss ?? null,
      injected: document.querySelectorAll('img[src="x"], svg[onload], #injected, script:not([src])').length,
    }));
    expect(found, where).toEqual({ xss: null, injected: 0 });
  }

  it('in the console, on every screen', async () => {
    const link = new URL(mintConsoleLink(gw.core.store, gw.port));
    await page.goto(link.href);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    for (const screen of ['home', 'apps', 'users', 'tokens', 'audit', 'view-as']) {
      await page.goto(`${gw.origin()}/#/${screen}`);
      await page.waitForLoadState('networkidle');
      await expectInert(screen);
    }
    await page.goto(`${gw.origin()}/#/apps`);
    await expect.poll(() => page.getByText(PAYLOADS[0] ?? '').count()).toBeGreaterThan(0);
  });

  it("on the gateway's own pages: the unknown-app list and the upstream-down page", async () => {
    await page.goto(`http://nope.localhost:${gw.port}/`);
    await expectInert('404 page');
    expect(await page.getByText(PAYLOADS[1] ?? '').count()).toBeGreaterThan(0);
    await page.goto(`http://xss0.localhost:${gw.port}/`);
    await expectInert('502 page');
  });
});
