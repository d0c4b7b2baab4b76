/// <reference lib="dom" />
/**
 * The console with the keyboard alone: Tab to move, Enter and Space to act, typing
 * into fields, Escape to close a dialog. No mouse event is sent.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

describe.skipIf(!hasChromium)('the console with the keyboard alone (needs Chromium)', () => {
  let gw: TestGateway;
  let browser: Chromium;
  let page: Page;

  beforeAll(async () => {
    gw = await startGateway();
    browser = await launchChromium({ timeout: 8_000, colorScheme: 'light' });
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** The accessible text of the focused element: its label, its text or its aria-label. */
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const label = el.closest('label')?.textContent ?? '';
      return (el.getAttribute('aria-label') ?? (label || el.textContent || '')).trim().replace(/\s+/g, ' ');
    });

  /** Presses Tab until the focused element's text starts with `name` (at most 60 times). */
  async function tabTo(name: string): Promise<void> {
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      if ((await focused()).startsWith(name)) return;
    }
    throw new Error(`Tab never reached "${name}"; focus is on "${await focused()}"`);
  }

  it('opens the console, creates a user, views as them and stops, and closes a dialog with Escape', async () => {
    await page.goto(mintConsoleLink(gw.core.store, gw.port));
    await tabTo('Open the console');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Home' }).waitFor();

    await tabTo('Users');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await tabTo('Create user');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await focused()).toBe('Create user'); // focus returns to what opened the dialog

    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await tabTo('Username');
    await page.keyboard.type('kay');
    await tabTo('Password');
    await page.keyboard.type('kay password');
    await page.keyboard.press('Enter'); // submits the form
    await page.getByRole('cell', { name: /kay/ }).first().waitFor();
    expect(gw.core.store.users.findByUsername('kay')?.role).toBe('ReadOnly');

    await tabTo('View as');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'View as' }).waitFor();
    // The list of users arrives after the screen: until it has, the select offers nothing
    // to type towards and the button is disabled, so Tab would pass it by.
    await page.getByRole('option', { name: /^kay / }).waitFor({ state: 'attached' });
    await tabTo('User');
    await page.keyboard.type('kay'); // a focused select jumps to the option typed
    await page.getByRole('button', { name: 'Start viewing as' }).and(page.locator(':enabled')).waitFor();
    await tabTo('Start viewing as');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => gw.core.store.audit.list(5).some((e) => e.kind === 'viewas.started' && e.subject === 'kay'))
      .toBe(true);
    await tabTo('Stop viewing as');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => gw.core.store.audit.list(5).some((e) => e.kind === 'viewas.stopped' && e.subject === 'kay'))
      .toBe(true);
  });
});
