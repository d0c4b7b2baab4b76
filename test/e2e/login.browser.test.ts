import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

/** Each click, navigation and wait; the whole file stays well under 30 s. */
const STEP_MS = 5_000;
/** Outside the repo on purpose: for looking at, not for committing. */
const SCREENSHOT = '/tmp/latchkey-login.png';

describe.skipIf(!hasChromium)(
  'signing in with a real browser (needs Chromium at /usr/bin/chromium or LATCHKEY_CHROMIUM)',
  () => {
    let up: Upstream;
    let gw: TestGateway;
    let browser: Chromium;
    let context: BrowserContext;
    /** What went wrong in the page, quoted when a step fails: console errors, failed and refused requests. */
    const notes = new WeakMap<Page, string[]>();

    beforeAll(async () => {
      up = await startUpstream();
      gw = await startGateway({
        env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
        apps: [
          { slug: 'grafana', upstream: up.url },
          { slug: 'jupyter', upstream: up.url },
        ],
      });
      await createUser(gw.core.store, { username: 'ann', password: 'ann password' }, 'test');
      browser = await launchChromium({ timeout: STEP_MS, colorScheme: 'light' });
      context = browser.context;
    });

    afterAll(async () => {
      await browser?.close();
      await gw?.close();
      await up?.close();
    });

    beforeEach(async () => {
      await context.clearCookies();
      for (const open of context.pages()) await open.close();
    });

    async function openPage(): Promise<Page> {
      const page = await context.newPage();
      const seen: string[] = [];
      notes.set(page, seen);
      page.on('console', (m) => {
        if (m.type() === 'error') seen.push(`console: ${m.text()}`);
      });
      page.on('requestfailed', (r) =>
        seen.push(`failed ${r.resourceType()}: ${r.method()} ${r.url()} (${r.failure()?.errorText})`),
      );
      page.on('response', (r) => {
        if (r.status() >= 400) seen.push(`${r.status()}: ${r.request().method()} ${r.url()}`);
      });
      return page;
    }

    /** Runs one step; if it fails, says where the page is and what the browser complained about. */
    async function step(page: Page, what: string, run: () => Promise<void>): Promise<void> {
      try {
        await run();
      } catch (error) {
        const heading = await page
          .locator('h1')
          .first()
          .innerText({ timeout: 500 })
          .catch(() => '(none)');
        const detail = [`page: ${page.url()}`, `heading: ${heading}`, ...(notes.get(page) ?? [])];
        throw new Error(`${what}: ${String(error).split('\n')[0]}\n  ${detail.join('\n  ')}`, { cause: error });
      }
    }

    async function expectSignInPage(page: Page) {
      await page.waitForURL((url) => url.origin === gw.origin() && url.pathname === '/.latchkey/login');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    }

    async function expectSignedInAs(page: Page, slug: string, user: string) {
      await page.waitForURL(`${gw.origin(slug)}/echo`);
      expect(await page.locator('body').innerText()).toContain(`"x-forwarded-user":"${user}"`);
    }

    async function fillSignIn(page: Page, username: string, password: string) {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it('signs in once for every app host, and signing out on one host signs out of all', async () => {
      const page = await openPage();

      await step(page, 'an app without a session sends the browser to sign in', async () => {
        await page.goto(`${gw.origin('grafana')}/echo`);
        await expectSignInPage(page);
      });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await step(page, 'signing in returns to the address first asked for', async () => {
        await fillSignIn(page, 'ann', 'ann password');
        await expectSignedInAs(page, 'grafana', 'ann');
      });

      await step(page, 'a second app host opens signed in, with no sign-in page', async () => {
        await page.goto(`${gw.origin('jupyter')}/echo`);
        await expectSignedInAs(page, 'jupyter', 'ann');
      });

      await step(page, "signing out on an app host's logout page leads to the sign-in page", async () => {
        await page.goto(`${gw.origin('jupyter')}/.latchkey/logout`);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await expectSignInPage(page);
      });

      for (const slug of ['grafana', 'jupyter']) {
        await step(page, `${slug} asks to sign in again after signing out`, async () => {
          await page.goto(`${gw.origin(slug)}/echo`);
          await expectSignInPage(page);
        });
      }
    });

    it('a wrong password shows an alert and stays on the sign-in page', async () => {
      const page = await openPage();
      await step(page, 'an app without a session sends the browser to sign in', async () => {
        await page.goto(`${gw.origin('grafana')}/echo`);
        await expectSignInPage(page);
      });

      await step(page, 'a wrong password is explained in an alert', async () => {
        await fillSignIn(page, 'ann', 'not her password');
        const alert = page.getByRole('alert');
        await alert.waitFor();
        expect(await alert.innerText()).toMatch(/wrong username or password/i);
        await expectSignInPage(page);
        expect(await page.getByLabel('Username').inputValue()).toBe('ann');
      });
    });
  },
);
