import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The Chromium binary the browser tests drive: env LATCHKEY_CHROMIUM, else Debian's. */
export const chromiumPath = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

export interface ChromiumOptions {
  /** Milliseconds each action and navigation may take before it fails. */
  timeout?: number;
  colorScheme?: 'light' | 'dark';
}

/**
 * Launches headless Chromium on a fresh temporary profile. Closing the context also removes the
 * profile, so no cookies or cache carry over between tests.
 */
export interface Chromium {
  context: BrowserContext;
  /** Closes the browser, then removes its profile directory. */
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      colorScheme: options.colorScheme ?? 'light',
      timeout: 15_000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const timeout = options.timeout ?? 5_000;
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  const removeProfile = () => rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        removeProfile();
      }
    },
  };
}
