import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../main/core/launcher/executables.js';
import { logFileOf } from '../../main/core/launcher/log-file.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { hasChromium, launchChromium, type Chromium } from './helpers/chromium.js';

function hasJupyter(): boolean {
  try {
    findExecutable('jupyter-notebook', process.env.PATH, '/');
    return true;
  } catch {
    return false;
  }
}

/** Starting Jupyter and a kernel takes seconds on a busy machine. */
const STEP_MS = 45_000;

const NOTEBOOK = {
  cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['1+1'] }],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
  nbformat: 4,
  nbformat_minor: 4,
};

describe.skipIf(!hasChromium || !hasJupyter())(
  'a notebook through Latchkey in a real browser (needs Chromium and jupyter-notebook)',
  () => {
    let gw: TestGateway;
    let browser: Chromium;
    let folder: string;

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'latchkey-notebooks-'));
      writeFileSync(join(folder, 'sum.ipynb'), JSON.stringify(NOTEBOOK));
      gw = await startGateway({
        apps: [{ slug: 'nb', name: 'Jupyter', run: { preset: 'jupyter', cwd: folder } }],
        launcher: { graceMs: 3_000, startTimeoutMs: 60_000 },
      });
      browser = await launchChromium({ timeout: STEP_MS });
    });

    afterAll(async () => {
      await browser?.close();
      await gw?.close();
      rmSync(folder, { recursive: true, force: true });
    });

    it('shows "Starting Jupyter…", follows to the notebook tree by itself, and a cell runs 1+1', async () => {
      try {
        await openAndRun();
      } catch (error) {
        // Jupyter's own account of what went wrong, for whoever reads the failure.
        const log = readFileSync(logFileOf(gw.dataDir, 'nb'), 'utf8').slice(-4_000);
        throw new Error(`${(error as Error).message}\n--- Jupyter's log ---\n${log}`, { cause: error });
      }
    }, 180_000);

    async function openAndRun() {
      const page = await browser.context.newPage();
      const first = await page.goto(`http://nb.localhost:${gw.port}/tree`);
      expect(first?.status()).toBe(503);
      expect(await first?.text()).toContain('Starting Jupyter…');
      // The page reloads itself (Refresh header) until Jupyter answers.
      // The tree lists the notebook once its own API answered through the gateway.
      await page.waitForSelector('#notebook_list a[href$="sum.ipynb"]', { timeout: STEP_MS });

      await page.goto(`http://nb.localhost:${gw.port}/notebooks/sum.ipynb`);
      await page.waitForSelector('.CodeMirror', { timeout: STEP_MS });
      await page.waitForFunction(
        () => document.querySelector('#kernel_indicator_icon')?.classList.contains('kernel_idle_icon'),
        undefined,
        { timeout: STEP_MS },
      );
      await page.click('.CodeMirror');
      await page.keyboard.press('Shift+Enter');
      const output = await page.waitForSelector('.output_result', { timeout: STEP_MS });
      expect((await output.textContent())?.trim()).toBe('2');
    }
  },
);
