import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Each import rule of eslint.config.js fires on the mistake it is there for, and only
 * that rule stops it: the same code linted with that one rule off is clean.
 */

const repo = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: repo });

interface Layer {
  name: string;
  paths: string[];
}

async function ruleIds(code: string, filePath: string, off?: string): Promise<string[]> {
  const linter = off ? new ESLint({ cwd: repo, overrideConfig: { rules: { [off]: 'off' } } }) : eslint;
  const [result] = await linter.lintText(code, { filePath: join(repo, filePath) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

/** Fails with `rule` on, passes with it off: the rule, and nothing else, stops `code`. */
async function expectOnly(rule: string, code: string, filePath: string): Promise<void> {
  expect(await ruleIds(code, filePath), `${filePath}: ${code}`).toContain(rule);
  expect(await ruleIds(code, filePath, rule), `${filePath} without ${rule}: ${code}`).toEqual([]);
}

async function expectClean(code: string, filePath: string): Promise<void> {
  expect(await ruleIds(code, filePath), `${filePath}: ${code}`).toEqual([]);
}

describe('import cycles', () => {
  // Real files: the cycle rule follows imports on disk. Removed after the tests.
  const made: string[] = [];
  let coreDir = '';
  let rendererDir = '';
  beforeAll(() => {
    mkdirSync(join(repo, 'renderer/src'), { recursive: true });
    coreDir = mkdtempSync(join(repo, 'main/core/lint-cycle-'));
    rendererDir = mkdtempSync(join(repo, 'renderer/src/lint-cycle-'));
    made.push(coreDir, rendererDir);
  });
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('rejects two core files that import each other', async () => {
    writeFileSync(join(coreDir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
    writeFileSync(join(coreDir, 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
    const [result] = await eslint.lintFiles([join(coreDir, 'a.ts')]);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
    const without = new ESLint({ cwd: repo, overrideConfig: { rules: { 'import-x/no-cycle': 'off' } } });
    const [clean] = await without.lintFiles([join(coreDir, 'a.ts')]);
    expect(clean?.messages).toEqual([]);
  });

  it('rejects a cycle three files round', async () => {
    writeFileSync(join(coreDir, 'c.ts'), "import { d } from './d.js';\nexport const c = () => d;\n");
    writeFileSync(join(coreDir, 'd.ts'), "import { e } from './e.js';\nexport const d = () => e;\n");
    writeFileSync(join(coreDir, 'e.ts'), "import { c } from './c.js';\nexport const e = () => c;\n");
    const [result] = await eslint.lintFiles([join(coreDir, 'c.ts')]);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });

  it('rejects a renderer cycle that passes through a Svelte component', async () => {
    writeFileSync(join(rendererDir, 'state.ts'), "import View from './View.svelte';\nexport const view = View;\n");
    writeFileSync(
      join(rendererDir, 'View.svelte'),
      '<script lang="ts">\n  import { view } from \'./state.js\';\n  const name = String(view);\n</script>\n\n<p>{name}</p>\n',
    );
    const [result] = await eslint.lintFiles([join(rendererDir, 'state.ts')]);
    expect(result?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });
});

describe('the layers of main/core', () => {
  const upward: [from: string, imports: string][] = [
    ['main/core/db/x.ts', '../auth/index.js'],
    ['main/core/config/x.ts', '../db/open.js'],
    ['main/core/auth/x.ts', '../gateway/respond.js'],
    ['main/core/auth/x.ts', '../api/service.js'],
    ['main/core/auth/x.ts', '../live-state.js'],
    ['main/core/launcher/x.ts', '../api/health.js'],
    ['main/core/api/x.ts', '../gateway/api-http.js'],
    ['main/core/gateway/x.ts', '../index.js'],
  ];

  it.each(upward)('%s may not import %s', async (file, target) => {
    await expectOnly('import-x/no-restricted-paths', `import { x } from '${target}';\nexport const y = x;\n`, file);
  });

  it('rejects an upward import of a type too (auth takes no type from gateway)', async () => {
    await expectOnly(
      'import-x/no-restricted-paths',
      "import type { HostContext } from '../gateway/auth-routes.js';\nexport type Y = HostContext;\n",
      'main/core/auth/x.ts',
    );
  });

  it('names the order in its message', async () => {
    const [result] = await eslint.lintText("export { sendJson } from '../gateway/respond.js';\n", {
      filePath: join(repo, 'main/core/db/x.ts'),
    });
    expect(result?.messages[0]?.message).toMatch(
      /lowest first: config ← db ← store ← auth ← .* db may not import gateway/,
    );
  });

  it('lets a layer import downward, and the store its first-run root admin', async () => {
    await expectClean(
      "import { findRootUser } from '../auth/root-admin.js';\nexport const y = findRootUser;\n",
      'main/core/gateway/x.ts',
    );
    await expectClean(
      "import { ensureRootAdmin } from './auth/root-admin.js';\nexport const y = ensureRootAdmin;\n",
      'main/core/store.ts',
    );
    await expectOnly(
      'import-x/no-restricted-paths',
      "import { createAuth } from './auth/index.js';\nexport const y = createAuth;\n",
      'main/core/store.ts',
    );
  });

  it('places every file of main/core in exactly one layer', async () => {
    const { CORE_LAYERS } = (await import(pathToFileURL(join(repo, 'eslint.config.js')).href)) as {
      CORE_LAYERS: Layer[];
    };
    const core = join(repo, 'main/core');
    const files = (readdirSync(core, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.startsWith('lint-cycle-'))
      .map((f) => f.split(sep).join('/'));
    const layersOf = (file: string) =>
      CORE_LAYERS.filter((layer) => layer.paths.some((p) => file === p || file.startsWith(`${p}/`))).map((l) => l.name);
    const misplaced = files
      .filter((f) => layersOf(f).length !== 1)
      .map((f) => `${f}: ${layersOf(f).join(', ') || 'none'}`);
    expect(misplaced, `in ${relative(repo, core)}`).toEqual([]);
  });
});

describe('which APIs a folder may import', () => {
  it.each([
    ['main/core/x.ts', 'electron/main'],
    ['main/common/x.ts', 'electron/renderer'],
    ['main/cli/x.ts', 'electron/main'],
  ])('%s may not import %s', async (file, target) => {
    await expectOnly('no-restricted-imports', `import { app } from '${target}';\nexport const y = app;\n`, file);
  });

  it('main/core may not import electron/main even as a type', async () => {
    await expectOnly(
      'no-restricted-imports',
      "import type { App } from 'electron/main';\nexport type Y = App;\n",
      'main/core/x.ts',
    );
  });

  it.each([
    ['main/core/x.ts', 'electron/main'],
    ['main/cli/x.ts', 'electron'],
    ['main/common/x.ts', 'node:fs'],
    ['main/preload/x.ts', 'node:child_process'],
  ])('%s may not import(%s) dynamically either', async (file, target) => {
    await expectOnly('no-restricted-syntax', `export const y = () => import('${target}');\n`, file);
  });

  it('an upward dynamic import is refused like a static one', async () => {
    await expectOnly(
      'import-x/no-restricted-paths',
      "export const y = () => import('../gateway/respond.js');\n",
      'main/core/db/x.ts',
    );
  });

  it.each([
    ['main/common/x.ts', 'fs'],
    ['main/common/x.ts', 'path'],
    ['main/preload/x.ts', 'fs/promises'],
    ['main/preload/x.ts', 'child_process'],
  ])('%s may not import the bare built-in %s', async (file, target) => {
    await expectOnly('no-restricted-imports', `import * as m from '${target}';\nexport const y = m;\n`, file);
  });

  it('the shell and the preload may import electron subpaths', async () => {
    await expectClean("import { app } from 'electron/main';\nexport const y = app;\n", 'main/shell/x.ts');
    await expectClean(
      "import { ipcRenderer } from 'electron/renderer';\nexport const y = ipcRenderer;\n",
      'main/preload/x.ts',
    );
  });
});

describe('what the renderer may import', () => {
  const rule = '@typescript-eslint/no-restricted-imports';

  it.each([
    ['renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const y = readFileSync;\n"],
    ['renderer/src/x.ts', "import { join } from 'path';\nexport const y = join;\n"],
    ['renderer/src/x.ts', "import { join } from 'node:path';\nexport const y = join;\n"],
    ['renderer/src/x.ts', "import { app } from 'electron/main';\nexport const y = app;\n"],
    ['renderer/src/x.ts', "import { API } from '../../main/common/api.js';\nexport const y = API;\n"],
    [
      'renderer/src/x.ts',
      "import { describeIssues } from '../../main/common/apps.js';\nexport const y = describeIssues;\n",
    ],
    [
      'renderer/src/x.ts',
      "import { BRIDGE_NAME } from '../../main/preload/index.js';\nexport const y = BRIDGE_NAME;\n",
    ],
    [
      'renderer/src/x.ts',
      "import type { ConsoleBridge } from '../../main/preload/index.js';\nexport type Y = ConsoleBridge;\n",
    ],
    ['renderer/src/x.ts', "import type { Store } from '../../main/core/store.js';\nexport type Y = Store;\n"],
    [
      'renderer/src/console/X.svelte',
      '<script lang="ts">\n  import { API } from \'../../../main/common/api.js\';\n  const n = Object.keys(API).length;\n</script>\n\n<p>{n}</p>\n',
    ],
  ])('%s: %s is refused', async (file, code) => {
    await expectOnly(rule, code, file);
  });

  it.each([
    "export const y = () => import('../../main/common/api.js');\n",
    "export const y = () => import('../../main/core/store.js');\n",
    "export const y = () => import('fs');\n",
    "export const y = () => import('electron/main');\n",
  ])('a dynamic import past the rules is refused: %s', async (code) => {
    await expectOnly('no-restricted-syntax', code, 'renderer/src/x.ts');
  });

  it('re-exports count as imports', async () => {
    await expectOnly(rule, "export { API } from '../../main/common/api.js';\n", 'renderer/src/x.ts');
    await expectOnly(rule, "export * from '../../main/common/api.js';\n", 'renderer/src/x.ts');
  });

  it('the routes table the renderer bundles imports nothing (zod would come with it)', async () => {
    await expectOnly(
      'no-restricted-syntax',
      "import { z } from 'zod';\nexport const API_ROUTES = { x: z };\n",
      'main/common/api-routes.ts',
    );
    await expectOnly('no-restricted-syntax', "export { API } from './api.js';\n", 'main/common/api-routes.ts');
  });

  it('takes types from main/common, and the routes table as a value', async () => {
    await expectClean(
      "import type { ApiMethod } from '../../main/common/api.js';\nexport type Y = ApiMethod;\n",
      'renderer/src/x.ts',
    );
    await expectClean(
      "import { type ApiMethod } from '../../main/common/api.js';\nexport type Y = ApiMethod;\n",
      'renderer/src/x.ts',
    );
    await expectClean(
      "import { API_ROUTES } from '../../main/common/api-routes.js';\nexport const y = API_ROUTES;\n",
      'renderer/src/x.ts',
    );
    await expectClean(
      "import { API_ROUTES } from '../../main/common/api-routes';\nexport const y = API_ROUTES;\n",
      'renderer/src/x.ts',
    );
    await expectClean("export const y = () => import('./console/screens.js');\n", 'renderer/src/x.ts');
  });
});
