/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mintConsoleLink } from '../../main/core/auth/console-sessions.js';
import { startGlobalViewAs, stopGlobalViewAs } from '../../main/core/auth/view-as.js';
import { createUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

const STEP_MS = 8_000;
/** Screenshots for looking at, ignored by git. */
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SIZES = [
  [420, 800],
  [720, 600],
  [1280, 800],
] as const;

describe.skipIf(!hasChromium)('the console offers only what works (needs Chromium)', () => {
  let up: Upstream;
  /** Logins on (pinned by the environment), an Admin with a chosen password, a ReadOnly rita. */
  let logins: TestGateway;
  /** Impersonation mode, as at first launch. */
  let impersonating: TestGateway;
  let browser: Chromium;
  let context: BrowserContext;
  const notes = new WeakMap<Page, string[]>();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    up = await startUpstream();
    const apps = [
      { slug: 'echo', name: 'Echo', upstream: up.url, allowRoles: ['ReadOnly' as const] },
      { slug: 'vault', name: 'Vault', upstream: up.url, allowRoles: ['Admin' as const] },
      { slug: 'ritas', name: 'Rita Tool', upstream: up.url, allowUsers: ['rita'] },
    ];
    logins = await startGateway({
      apps,
      env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1', LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true' },
    });
    await createUser(logins.core.store, { username: 'rita', password: 'rita password' }, 'test');
    impersonating = await startGateway({ apps });
    await createUser(impersonating.core.store, { username: 'rita', password: 'rita password' }, 'test');
    browser = await launchChromium({ timeout: STEP_MS, colorScheme: 'light' });
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await logins?.close();
    await impersonating?.close();
    await up?.close();
  });

  beforeEach(async () => {
    await context.clearCookies();
    for (const open of context.pages()) await open.close();
  });

  /** A page that notes console errors, failed requests and every 4xx/5xx answer. */
  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    const seen: string[] = [];
    notes.set(page, seen);
    page.on('console', (m) => {
      if (m.type() === 'error') seen.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => seen.push(`failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      if (r.status() >= 400) seen.push(`${r.status()}: ${r.request().method()} ${r.url()}`);
    });
    await page.setViewportSize({ width: 1280, height: 800 });
    return page;
  }

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

  async function openConsole(page: Page, gw: TestGateway) {
    await page.goto(mintConsoleLink(gw.core.store, gw.port));
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
  }

  /** Goes to a screen by its address, as a bookmark would. */
  async function show(page: Page, id: string, heading: string) {
    await page.evaluate((hash) => (location.hash = hash), `#/${id}`);
    await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  }

  /** What sticks out sideways past the window. */
  const overflows = (page: Page) =>
    page.evaluate(() => {
      const width = window.innerWidth;
      const out: string[] = [];
      if ((document.scrollingElement ?? document.documentElement).scrollWidth > width) out.push('the page');
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || el.closest('.visually-hidden')) continue;
        if (box.right > width + 0.5 || box.left < -0.5) out.push(`${el.tagName.toLowerCase()}.${el.className}`);
      }
      return out.slice(0, 5);
    });

  /** Buttons whose name runs over more than one line. */
  const wrappedButtons = (page: Page, within: string) =>
    page.evaluate(
      (selector) =>
        [...document.querySelectorAll<HTMLElement>(`${selector} button`)]
          .filter((b) => b.offsetHeight > 0)
          .filter((b) => {
            const style = getComputedStyle(b);
            const line = parseFloat(style.lineHeight) || 20;
            return b.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom) > line * 1.5;
          })
          .map((b) => b.textContent?.trim() ?? ''),
      within,
    );

  /** Serious or critical accessibility problems axe finds on the page as it is. */
  async function axeProblems(page: Page): Promise<string[]> {
    await page.evaluate(AXE);
    return page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe;
      const result = await axe.run();
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
  }

  /** A dialog whose content is wider than its room scrolls sideways: nothing in it may. */
  const dialogScrolls = (page: Page) =>
    page.evaluate(() => {
      const box = document.querySelector<HTMLElement>('[role="dialog"]');
      return box ? box.scrollWidth > box.clientWidth : false;
    });

  it('a ReadOnly user gets a launcher of the apps they may open and their account, and the browser sees no 403', async () => {
    const page = await openPage();
    await step(page, 'rita signs in on the console host', async () => {
      await page.goto(`${logins.origin()}/.latchkey/login`);
      await page.getByLabel('Username').fill('rita');
      await page.getByLabel('Password').fill('rita password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your apps' }).waitFor();
    });
    await step(page, 'the launcher lists the apps her policy opens, and no other', async () => {
      const links = page.getByRole('main').getByRole('link', { name: /^Open / });
      await links.first().waitFor();
      expect((await links.allInnerTexts()).map((t) => t.replace(/^Open\s*/, '')).sort()).toEqual(['Echo', 'Rita Tool']);
      expect(await page.getByRole('link', { name: 'Open Echo' }).getAttribute('href')).toBe(
        `${logins.origin('echo')}/`,
      );
      const nav = page.getByRole('navigation', { name: 'Console' });
      expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Apps', 'Account']);
    });
    await step(page, 'her account: change password, sign out', async () => {
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Change your password' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [width, height] of SIZES) {
        await page.setViewportSize({ width, height });
        for (const [id, heading] of [
          ['apps', 'Your apps'],
          ['account', 'Account'],
        ] as const) {
          await step(page, `${heading} at ${width} (${scheme})`, async () => {
            await show(page, id, heading);
            await page.screenshot({ path: `${SHOTS}readonly-${id}-${width}-${scheme}.png`, fullPage: true });
            expect(await overflows(page)).toEqual([]);
            expect(await axeProblems(page)).toEqual([]);
          });
        }
      }
    }
    // Nothing the console asked for was refused: no Admin-only call, no change feed. (The
    // sign-in page's own request ends as it navigates away; it is not the console's.)
    const console = (notes.get(page) ?? []).filter((n) => !n.includes('/.latchkey/login'));
    expect(console).toEqual([]);
  });

  it('a console link with logins on says why view as cannot start, and holds the last Admin with the reason', async () => {
    const page = await openPage();
    await step(page, 'the console opens from a link', () => openConsole(page, logins));
    await step(page, 'View as explains instead of offering a form the service refuses', async () => {
      await show(page, 'view-as', 'View as');
      const note = page.getByRole('note', { name: 'View as is not available' });
      await note.waitFor();
      expect(await note.innerText()).toMatch(/Sign in as an Admin/);
      expect(await page.getByRole('button', { name: 'Start viewing as' }).count()).toBe(0);
      await page.setViewportSize({ width: 420, height: 800 });
      await page.screenshot({ path: `${SHOTS}view-as-refused-420-light.png`, fullPage: true });
      expect(await overflows(page)).toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
    });
    await step(page, "the last Admin's Disable, Delete and role are held, with the reason on the row", async () => {
      await show(page, 'users', 'Users');
      for (const name of ['Disable admin', 'Delete admin']) {
        expect(await page.getByRole('button', { name }).isDisabled(), name).toBe(true);
      }
      expect(await page.getByRole('combobox', { name: 'Role of admin' }).isDisabled()).toBe(true);
      await page.getByText('The last enabled Admin').waitFor();
      expect(await page.getByRole('button', { name: 'Delete rita' }).isDisabled()).toBe(false);
      await page.screenshot({ path: `${SHOTS}users-last-admin-light.png`, fullPage: true });
    });
    expect(notes.get(page)).toEqual([]);
  });

  it('the one choose-a-password dialog keeps its buttons on one line at 420 px, and asks twice', async () => {
    const page = await openPage();
    await step(page, 'the console opens from a link', () => openConsole(page, logins));
    await page.setViewportSize({ width: 420, height: 800 });
    const dialog = page.getByRole('dialog');
    await step(page, "a user's reset, typed", async () => {
      await show(page, 'users', 'Users');
      await page.getByRole('button', { name: 'Reset password of rita' }).click();
      await dialog.getByLabel('Type one').check();
      await dialog.getByLabel(/^Password/).fill('a new password');
      await dialog.getByLabel('Repeat the password').fill('another one');
      await dialog.getByRole('button', { name: 'Reset password' }).click();
      await dialog.getByText('The two passwords differ').waitFor();
      await page.screenshot({ path: `${SHOTS}choose-password-reset-420-light.png` });
      expect(await wrappedButtons(page, '[role="dialog"]')).toEqual([]);
      expect(await dialogScrolls(page)).toBe(false);
      expect(await overflows(page)).toEqual([]);
      expect(await axeProblems(page)).toEqual([]);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    });
    const admin = await openPage();
    await step(admin, "the admin password, before impersonation goes off (impersonation mode's console)", async () => {
      await openConsole(admin, impersonating);
      await admin.setViewportSize({ width: 420, height: 800 });
      await show(admin, 'identity', 'Identity');
      await admin.getByRole('switch', { name: 'Impersonation' }).click();
      const asking = admin.getByRole('dialog', { name: 'Choose the admin password' });
      await asking.getByLabel(/^Admin password/).waitFor();
      await asking.getByLabel('Repeat the password').waitFor();
      for (const scheme of ['light', 'dark'] as const) {
        await admin.emulateMedia({ colorScheme: scheme });
        await admin.screenshot({ path: `${SHOTS}choose-password-admin-420-${scheme}.png` });
      }
      expect(await wrappedButtons(admin, '[role="dialog"]')).toEqual([]);
      expect(await dialogScrolls(admin)).toBe(false);
      expect(await overflows(admin)).toEqual([]);
      expect(await axeProblems(admin)).toEqual([]);
      await asking.getByRole('button', { name: 'Cancel' }).click();
    });
  });

  it("a token's underscores show at 1×: the field draws '_' where it would draw a space", async () => {
    const page = await openPage();
    await step(page, 'the console opens from a link', () => openConsole(page, logins));
    await step(page, 'a token is created and shown once', async () => {
      await show(page, 'tokens', 'Service accounts');
      await page.getByRole('combobox', { name: 'User' }).selectOption('rita');
      await page.getByRole('button', { name: 'Create token' }).click();
    });
    const field = page.getByLabel('Token for rita');
    await step(page, 'the field shows the underscores', async () => {
      await field.waitFor();
      const token = await field.inputValue();
      await page.screenshot({ path: `${SHOTS}token-shown-once-light.png` });
      // The same field, drawn with underscores and with spaces in their place: they must differ.
      const drawn = async (value: string) => {
        await field.evaluate((el: HTMLInputElement, v) => {
          el.value = v;
          el.blur();
        }, value);
        return field.screenshot();
      };
      const underscores = await drawn('ab_cd__ef___gh_Xk9');
      const spaces = await drawn('ab cd  ef   gh Xk9');
      expect(underscores.equals(spaces), 'the underscores are invisible in the token field').toBe(false);
      await drawn(`${token.slice(0, 8)}_x__y_${token.slice(8)}`);
      await field.screenshot({ path: `${SHOTS}token-field-1x-light.png` });
    });
  });

  it('a heading focused on hash navigation shows no focus ring, even after a key press', async () => {
    const page = await openPage();
    await step(page, 'the console opens from a link', () => openConsole(page, logins));
    await step(page, 'Enter on a nav link moves focus to the new heading, without a ring', async () => {
      const link = page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' });
      await link.focus();
      await page.keyboard.press('Enter');
      const heading = page.getByRole('heading', { level: 1, name: 'Users', exact: true });
      await heading.waitFor();
      await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
      const ring = await heading.evaluate((h) => {
        const style = getComputedStyle(h);
        return { style: style.outlineStyle, width: style.outlineWidth };
      });
      expect(ring.style === 'none' || ring.width === '0px', JSON.stringify(ring)).toBe(true);
      await page.screenshot({
        path: `${SHOTS}heading-focus-light.png`,
        clip: { x: 0, y: 0, width: 1280, height: 200 },
      });
    });
  });

  it('impersonation mode: one banner while viewing as someone, a sign-out page that says there is nothing to sign out of, a 403 page for the Admin', async () => {
    const page = await openPage();
    await step(page, 'the console opens from a link', () => openConsole(page, impersonating));
    await step(page, 'viewing as rita: one banner that says both', async () => {
      startGlobalViewAs(impersonating.core.store, 'rita', 'test');
      try {
        await page.reload();
        const banner = page.getByRole('note', { name: 'Viewing as' });
        await banner.waitFor();
        expect(await banner.innerText()).toMatch(/Impersonation mode, viewing as rita/);
        expect(await page.getByRole('note', { name: 'Impersonation mode' }).count()).toBe(0);
        for (const width of [420, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          await page.screenshot({ path: `${SHOTS}view-as-impersonation-banner-${width}-light.png` });
          expect(await overflows(page)).toEqual([]);
        }
      } finally {
        stopGlobalViewAs(impersonating.core.store, 'test');
      }
    });
    await step(page, "an app's sign-out link: nothing to sign out of, and a way back", async () => {
      await page.goto(`${impersonating.origin('echo')}/.latchkey/logout`);
      await page.getByRole('heading', { name: 'Nothing to sign out of' }).waitFor();
      await page.screenshot({ path: `${SHOTS}sign-out-impersonation-light.png` });
      await page.getByRole('link', { name: 'Go back' }).click();
      await page.waitForURL(`${impersonating.origin('echo')}/`);
    });
    await step(page, 'the 403 page tells the Admin of impersonation mode what to do, not to ask an Admin', async () => {
      await page.goto(`${impersonating.origin('ritas')}/`);
      await page.getByRole('heading', { name: 'No access to Rita Tool' }).waitFor();
      const text = await page.locator('main').innerText();
      expect(text).toMatch(/impersonation mode/);
      expect(text).not.toMatch(/Ask an Admin/);
      await page.screenshot({ path: `${SHOTS}forbidden-impersonation-light.png` });
    });
  });
});
