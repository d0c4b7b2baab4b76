/// <reference lib="dom" />
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

const STEP_MS = 8_000;
/** Screenshots of every screen, light and dark: for looking at, ignored by git. */
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENS = [
  ['home', 'Home'],
  ['apps', 'Apps'],
  ['identity', 'Identity'],
  ['users', 'Users'],
  ['view-as', 'View as'],
  ['tokens', 'Service accounts'],
  ['bans', 'Bans'],
  ['audit', 'Audit log'],
  ['account', 'Account'],
  ['about', 'About'],
] as const;
const ADMIN_PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('the console in a real browser (needs Chromium)', () => {
  let up: Upstream;
  let serve: ServeProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Chromium;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  const notes: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    up = await startUpstream();
    data = tempDataDir();
    serve = await startServe(['--port', '0', '--data-dir', data.dir]);
    origin = `http://latchkey.localhost:${serve.port}`;
    browser = await launchChromium({ timeout: STEP_MS, colorScheme: 'light' });
    context = browser.context;
    page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    page.on('console', (m) => {
      if (m.type() === 'error') notes.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => notes.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await up?.close();
    data?.remove();
  });

  /** Runs one step; on failure says where the page was and what the browser complained about. */
  async function step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const heading = await page
        .locator('h1')
        .first()
        .innerText({ timeout: 500 })
        .catch(() => '(none)');
      throw new Error(
        `${what}: ${String(error).split('\n')[0]}\n  page: ${page.url()}\n  heading: ${heading}\n  ${notes.join('\n  ')}`,
        {
          cause: error,
        },
      );
    }
  }

  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label, exact: true });
  const dialog = () => page.getByRole('dialog');

  /** Below the fold width the nav sits behind the Menu button: open it first. */
  async function go(label: string) {
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    if (await menu.isVisible()) {
      await menu.click();
      await nav(label).waitFor();
    }
    await nav(label).click();
    await page.getByRole('heading', { level: 1, name: label, exact: true }).waitFor();
  }

  async function signIn(username: string, password: string) {
    await page.getByRole('link', { name: 'sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/.latchkey/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/`);
    await page.getByText(`Signed in as ${username}`).waitFor();
  }

  /** Serious or critical accessibility problems axe finds on the page as it is. */
  async function axeProblems(): Promise<string[]> {
    // evaluate() runs outside the page's CSP, which forbids inline scripts.
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

  /** What sticks out sideways: the page itself, or any element past the viewport's right edge. */
  const overflows = () =>
    page.evaluate(() => {
      const width = window.innerWidth;
      const out: string[] = [];
      const page = document.scrollingElement ?? document.documentElement;
      if (page.scrollWidth > width) out.push(`the page is ${page.scrollWidth}px wide`);
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || el.closest('.visually-hidden')) continue;
        // Clipped by a scrolling box counts too: the part out of view is out of reach.
        if (box.right > width + 0.5 || box.left < -0.5) {
          const name = `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`;
          out.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
        }
      }
      return out.slice(0, 5);
    });

  /** Buttons whose label wraps: a squeezed cell breaking "Revoke" into letters. */
  const brokenButtons = () =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('main button')]
        .filter((b) => b.offsetHeight > 0 && b.getClientRects().length > 0)
        .filter((b) => {
          const line = parseFloat(getComputedStyle(b).lineHeight) || 20;
          const style = getComputedStyle(b);
          const inner = b.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
          return inner > line * 1.5;
        })
        .map((b) => b.textContent?.trim() ?? ''),
    );

  /** Buttons side by side (one parent, one line) of different heights: "Choose it" beside "+ Add app". */
  const unevenButtons = () =>
    page.evaluate(() => {
      const out: string[] = [];
      const shown = [...document.querySelectorAll<HTMLElement>('main button, main .button-link')].filter(
        (b) => b.getClientRects().length > 0 && b.offsetHeight > 0,
      );
      for (const [i, a] of shown.entries()) {
        for (const b of shown.slice(i + 1)) {
          if (a.parentElement !== b.parentElement) continue;
          const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
          const sameLine = Math.abs(ra.top + ra.height / 2 - (rb.top + rb.height / 2)) < 4;
          if (sameLine && Math.abs(ra.height - rb.height) > 1) {
            out.push(
              `"${a.textContent?.trim()}" ${Math.round(ra.height)}px beside "${b.textContent?.trim()}" ${Math.round(rb.height)}px`,
            );
          }
        }
      }
      return out;
    });

  it('opens from the console link and explains the page without a session', async () => {
    await step('without a session the console explains how to open it', async () => {
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { name: 'Open the console' }).waitFor();
      expect(await page.locator('main').innerText()).toContain('latchkey console-link');
      await page.screenshot({ path: `${SHOTS}open-console-light.png` });
    });
    await step('the console link opens the console', async () => {
      const link = serve.lines.find((l) => l.startsWith('console: '))?.slice('console: '.length) ?? '';
      expect(link).toMatch(/^http:\/\/latchkey\.localhost:\d+\//);
      await page.goto(link);
      await page.getByRole('button', { name: 'Open the console' }).click();
      await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
      await page.getByText('Impersonation mode:').waitFor();
      // A first launch: the home screen says what the mode means and what to do next.
      await page.getByRole('region', { name: 'Next steps' }).getByText('Choose the admin password.').waitFor();
      await page.getByText('Console opened, by the console link').waitFor();
      await page.screenshot({ path: `${SHOTS}home-first-launch-light.png`, fullPage: true });
      // Its next steps' actions, "Choose it" (a link) and "Add app" (a button), are one height.
      const steps = page.getByRole('region', { name: 'Next steps' });
      const heights = await steps
        .locator('a.button-link, button')
        .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().height)));
      expect(heights.length).toBe(2);
      expect(new Set(heights).size, `heights ${heights.join(', ')}`).toBe(1);
    });
  });

  it('adds an app and opens it through the gateway', async () => {
    await step('an app is added', async () => {
      await go('Apps');
      await page.getByText('No apps yet').waitFor();
      await page.getByRole('button', { name: 'Add app' }).click();
      await dialog().getByLabel('Slug').fill('echo');
      await dialog().getByLabel(/^Name/).fill('Echo');
      await dialog().getByLabel('Upstream').fill(up.url);
      await dialog().getByRole('button', { name: 'Add app' }).click();
      await page.getByRole('heading', { name: 'Echo' }).waitFor();
      await page.getByLabel('Health: Up').waitFor();
    });
    await step('the status line says what changed', async () => {
      await page.getByText(`Echo added: it answers at http://echo.localhost:${serve.port}/`).waitFor();
    });
    await step("the tile's other actions open from its small menu, inside a narrow window", async () => {
      await page.setViewportSize({ width: 420, height: 800 });
      const more = page.getByRole('button', { name: 'More actions for Echo' });
      await more.click();
      await page.getByRole('button', { name: 'Edit Echo' }).waitFor();
      await page.screenshot({ path: `${SHOTS}app-menu-420-light.png` });
      expect(await overflows()).toEqual([]);
      expect(await axeProblems()).toEqual([]);
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Edit Echo' }).waitFor({ state: 'detached' });
      await page.setViewportSize({ width: 1280, height: 800 });
    });
    await step('"Open Echo" opens the app in a new tab, as the admin', async () => {
      const [tab] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('link', { name: 'Open Echo' }).click(),
      ]);
      await tab.waitForLoadState();
      expect(tab.url()).toBe(`http://echo.localhost:${serve.port}/`);
      expect(await tab.locator('body').innerText()).toContain('"x-forwarded-user":"admin"');
      await tab.close();
    });
  });

  it('turns impersonation off after choosing the admin password, then signs in', async () => {
    await step('turning impersonation off asks for the admin password first', async () => {
      await go('Identity');
      await page.getByRole('switch', { name: 'Impersonation' }).click();
      await dialog().getByLabel('Admin password').fill(ADMIN_PASSWORD);
      await dialog().getByLabel('Repeat the password').fill(ADMIN_PASSWORD);
      await dialog().getByRole('button', { name: 'Save and turn impersonation off' }).click();
      await dialog().waitFor({ state: 'detached' });
      expect(await page.getByRole('switch', { name: 'Sign-in' }).isChecked()).toBe(true);
      expect(await page.getByRole('switch', { name: 'Impersonation' }).isChecked()).toBe(false);
      expect(await page.getByText('Impersonation mode:').count()).toBe(0);
    });
    await step('signing out leads to the sign-in link, and signing in opens the console', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Open the console' }).waitFor();
      await signIn('admin', ADMIN_PASSWORD);
    });
  });

  it('creates a ReadOnly user and views as them', async () => {
    await step('a user is created', async () => {
      await go('Users');
      await page.getByRole('button', { name: 'Create user' }).click();
      await dialog().getByLabel('Username').fill('rita');
      await dialog().getByLabel('Password').fill('rita password');
      await dialog().getByLabel('Role').selectOption('ReadOnly');
      await dialog().getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('button', { name: 'Delete rita' }).waitFor();
    });
    await step('view as rita, then stop', async () => {
      await go('View as');
      await page.getByRole('combobox', { name: 'User' }).selectOption('rita');
      await page.getByRole('button', { name: 'Start viewing as' }).click();
      const banner = page.getByRole('note', { name: 'Viewing as' });
      await banner.getByText('rita').waitFor();
      await page.screenshot({ path: `${SHOTS}view-as-banner-light.png` });
      await banner.getByRole('button', { name: 'Stop viewing as' }).click();
      await banner.waitFor({ state: 'detached' });
    });
  });

  it('resets the admin password and signs in with the new one', async () => {
    let generated = '';
    await step('Users → Reset admin password shows a generated password once', async () => {
      await go('Users');
      await page.getByRole('button', { name: 'Reset password of admin' }).click();
      await dialog().getByRole('button', { name: 'Reset password' }).click();
      generated = await dialog().getByLabel('New password').inputValue();
      expect(generated.length).toBeGreaterThanOrEqual(8);
      await page.screenshot({ path: `${SHOTS}reset-password-light.png` });
      await dialog().getByRole('button', { name: 'Done' }).click();
    });
    await step('the reset ended the session; the new password signs in', async () => {
      await page.getByRole('heading', { name: 'Open the console' }).waitFor();
      await signIn('admin', generated);
    });
  });

  it('creates a token, shown once, and revokes it', async () => {
    await step('a token is created and shown once', async () => {
      await go('Service accounts');
      await page.getByText('No tokens yet').waitFor();
      await page.getByRole('combobox', { name: 'User' }).selectOption('rita');
      await page.getByLabel('Description').fill('CI pipeline');
      await page.getByLabel('Expires after').selectOption('7d');
      await page.getByRole('button', { name: 'Create token' }).click();
      expect(await page.getByLabel('Token for rita').inputValue()).toMatch(/\S{20,}/);
      await page.getByText('it will not be shown again').waitFor();
      await page.screenshot({ path: `${SHOTS}token-created-light.png` });
      await page.getByRole('button', { name: 'Done' }).click();
    });
    await step('revoking asks first, then marks it revoked', async () => {
      await page.getByRole('button', { name: 'Revoke CI pipeline' }).click();
      await dialog().getByRole('button', { name: 'Revoke token' }).click();
      await page.getByRole('cell', { name: 'Revoked' }).waitFor();
    });
  });

  it('long unbroken values (a token description, an upstream path) are there for the sweep to measure', async () => {
    await step('an app with a long upstream path is added', async () => {
      await go('Apps');
      await page.getByRole('button', { name: 'Add app' }).click();
      await dialog().getByLabel('Slug').fill('longpath');
      await dialog().getByLabel(/^Name/).fill('Long path');
      await dialog()
        .getByLabel('Upstream')
        .fill(`${up.url}/${'segment'.repeat(20)}`);
      await dialog().getByRole('button', { name: 'Add app' }).click();
      await page.getByRole('heading', { name: 'Long path' }).waitFor();
    });
    await step('in the audit log, a name beside a long detail stays whole, not split into letters', async () => {
      await go('Audit log');
      const linesOf = (cell: ReturnType<typeof page.getByRole>) =>
        cell.evaluate((td) => {
          const range = document.createRange();
          range.selectNodeContents(td);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        });
      expect(await linesOf(page.getByRole('cell', { name: 'longpath', exact: true }))).toBe(1);
      // Who acted without a user reads as one phrase, not "the console / link".
      expect(await linesOf(page.getByRole('cell', { name: 'the console link', exact: true }).first())).toBe(1);
    });
    await step('a token with a long description without spaces is created', async () => {
      await go('Service accounts');
      await page.getByRole('combobox', { name: 'User' }).selectOption('rita');
      await page.getByLabel('Description').fill('deploy-'.repeat(25));
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByText('it will not be shown again').waitFor();
      await page.getByRole('button', { name: 'Done' }).click();
    });
  });

  it('every screen fits 420×800, 720×600, 1024×700, 1280×800, 1600×1000 and 1920×1080, has no serious accessibility problem, light and dark', async () => {
    const SIZES = [
      [420, 800],
      [720, 600],
      [1024, 700],
      [1280, 800],
      [1600, 1000],
      [1920, 1080],
    ] as const;
    /** Looked at by a person: the phone-ish width, the desktop window's minimum and a laptop. */
    const SHOT_WIDTHS: readonly number[] = [420, 720, 1280];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [width, height] of SIZES) {
        await page.setViewportSize({ width, height });
        for (const [id, label] of SCREENS) {
          await step(`${label} at ${width}×${height} (${scheme})`, async () => {
            await go(label);
            await page.waitForLoadState('networkidle');
            await page
              .locator('[role="status"]')
              .first()
              .waitFor({ state: 'detached', timeout: 3_000 })
              .catch(() => {});
            if (SHOT_WIDTHS.includes(width)) {
              const name = width === 1280 ? `${id}-${scheme}` : `${id}-${width}-${scheme}`;
              await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
            }
            expect(await overflows(), `${label} overflows at ${width}×${height}`).toEqual([]);
            expect(await brokenButtons(), `${label} at ${width}×${height}`).toEqual([]);
            expect(await unevenButtons(), `${label} at ${width}×${height}`).toEqual([]);
            expect(await axeProblems()).toEqual([]);
          });
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    // A hundred and twenty screens, each through axe: each step has its own bound, this is the sum.
  }, 270_000);

  it('below the fold width the nav opens from a Menu button and Escape closes it', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    await step('the nav is folded behind a collapsed Menu button', async () => {
      await menu.waitFor();
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await nav('Users').isVisible()).toBe(false);
    });
    await step('the Menu button opens the nav and Escape closes it, focus back on the button', async () => {
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await nav('Users').waitFor();
      // Focus goes into the list it opened, on the screen shown now.
      expect(
        await page.evaluate(
          () => document.activeElement?.closest('nav #console-links a[aria-current="page"]') !== null,
        ),
      ).toBe(true);
      await page.screenshot({ path: `${SHOTS}menu-open-420-light.png` });
      await page.keyboard.press('Escape');
      await nav('Users').waitFor({ state: 'hidden' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Menu');
    });
    await step('choosing a screen closes the menu', async () => {
      await menu.click();
      await nav('Users').click();
      await page.getByRole('heading', { level: 1, name: 'Users', exact: true }).waitFor();
      await nav('Users').waitFor({ state: 'hidden' });
    });
    await step('every row action of Users stays reachable', async () => {
      for (const name of ['Reset password of admin', 'Delete rita']) {
        const button = page.getByRole('button', { name });
        await button.scrollIntoViewIfNeeded();
        expect(await button.isVisible(), name).toBe(true);
        const box = await button.boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 420, `${name} is inside the window`).toBe(true);
      }
    });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
