import { builtinModules } from 'node:module';
import { join } from 'node:path';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const core = join(root, 'main/core');

/** DESIGN.md's import rules: the folder says which APIs a file may use. */
const nodeBuiltins = { group: ['node:*'], message: 'main/common is pure TypeScript: no Node APIs.' };
/** 'fs', 'path'… without `node:` are the same Node APIs: where those are banned, so are these. */
const bareBuiltins = (message) => builtinModules.map((name) => ({ name, message }));
const electron = {
  name: 'electron',
  message: 'Only main/shell and main/preload may import electron; without its binary, require("electron") throws.',
};
const electronSubpaths = {
  group: ['electron/*'],
  message: 'Only main/shell and main/preload may import electron or its subpaths (electron/main…).',
};
const shell = { group: ['**/shell/**', '**/shell'], message: 'Nothing imports main/shell.' };

/**
 * no-restricted-imports sees only import and export declarations, so `import('electron/main')`
 * slips past it: the same rule, as syntax. (`import('electron').App` as a type is refused by
 * consistent-type-imports, everywhere.)
 */
const electronSyntax = [{ selector: 'ImportExpression[source.value=/^electron(\\/|$)/]', message: electron.message }];
const staticOnly = (where) => ({
  selector: 'ImportExpression',
  message: `${where} imports statically: the import rules cannot check a dynamic import.`,
});

/**
 * The layers of main/core, lowest first (paths under main/core). A file may import its own
 * layer and those below, never one above: `db` knows nothing of sign-in, `auth` nothing of
 * HTTP, the API service nothing of its transports (gateway/api-http.ts binds it to HTTP).
 * `mayImport` names the one downward-looking exception and why. A new file or folder of
 * main/core belongs in a layer here (test/lint/import-rules.test.ts fails until it does).
 */
export const CORE_LAYERS = [
  { name: 'config', paths: ['config', 'clock.ts', 'log.ts'] },
  { name: 'db', paths: ['db', 'atomic-file.ts', 'data-dir.ts', 'store-lock.ts', 'apps.ts'] },
  // Opening a new data directory creates its root admin before anyone can use it.
  { name: 'store', paths: ['store.ts'], mayImport: ['auth/root-admin.ts'] },
  { name: 'auth', paths: ['auth'] },
  {
    name: 'services',
    paths: ['launcher', 'live-state.ts', 'feed.ts', 'identn-service.ts', 'users-service.ts', 'backup.ts'],
  },
  { name: 'api', paths: ['api'] },
  { name: 'gateway', paths: ['gateway'] },
  // Wires every layer together; only the door (index.ts) and tests build the core from it.
  { name: 'assemble.ts', paths: ['assemble.ts'] },
  { name: 'index.ts', paths: ['index.ts'] },
];

const layerOrder = CORE_LAYERS.map((layer) => layer.name).join(' ← ');

/** One zone per (layer, higher path): a layer's files may import nothing of a higher layer. */
const coreLayerZones = CORE_LAYERS.flatMap((layer, i) =>
  CORE_LAYERS.slice(i + 1).flatMap((higher) =>
    higher.paths.map((from) => ({
      target: layer.paths.map((path) => join(core, path)),
      from: join(core, from),
      except: (layer.mayImport ?? [])
        .filter((allowed) => allowed.startsWith(`${from}/`))
        .map((allowed) => `./${allowed.slice(from.length + 1)}`),
      message: `main/core imports one way, lowest first: ${layerOrder}. ${layer.name} may not import ${higher.name}.`,
    })),
  ),
);

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // No file imports one that imports it back, however far round (type-only imports aside).
    files: ['main/**/*.ts', 'renderer/**/*.{ts,svelte}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['main/*/tsconfig.json', 'renderer/tsconfig.json'].map((p) => join(root, p)),
          noWarnOnMultipleProjects: true,
        }),
      ],
      'import-x/extensions': ['.ts', '.js', '.svelte'],
      'import-x/parsers': {
        [join(root, 'scripts/eslint-svelte-imports.mjs')]: ['.svelte'],
        '@typescript-eslint/parser': ['.ts'],
      },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['main/core/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: coreLayerZones }] },
  },
  {
    files: ['main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, ...bareBuiltins(nodeBuiltins.message)],
          patterns: [
            nodeBuiltins,
            electronSubpaths,
            {
              group: ['**/core/**', '**/cli/**', '**/shell/**', '**/preload/**'],
              message: 'main/common imports only itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            electronSubpaths,
            shell,
            { group: ['**/cli/**', '**/preload/**'], message: 'main/core does not know its callers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [electronSubpaths, shell] }] },
  },
  {
    // The shell may import electron (it alone runs in Electron's main process) and reaches
    // the core only through main/core/index.ts.
    files: ['main/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/**', '!**/core/index.js'],
              message: 'main/shell reaches the core only through main/core/index.ts.',
            },
            {
              group: ['**/preload/**', '**/renderer/**'],
              message: 'main/shell does not import the preload or renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    // The sandboxed preload: electron's contextBridge and ipcRenderer, and main/common.
    files: ['main/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: bareBuiltins('A sandboxed preload has no Node APIs.'),
          patterns: [
            { group: ['node:*'], message: 'A sandboxed preload has no Node APIs.' },
            {
              group: ['**/core/**', '**/cli/**', '**/shell/**', '**/renderer/**'],
              message: 'main/preload imports only electron and main/common.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // The cycle check parses a .ts file's .svelte imports with these options: their scripts are TypeScript.
    files: ['renderer/**/*.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['renderer/**/*.{ts,svelte}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The TypeScript variant: it can let `import type` through where a value import is banned.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [electron, ...bareBuiltins('The renderer is a web page: no Node APIs.')],
          patterns: [
            { group: ['node:*'], message: 'The renderer is a web page: no Node APIs.' },
            electronSubpaths,
            {
              group: ['**/main/core/**', '**/main/cli/**', '**/main/shell/**'],
              message: 'The renderer takes only types from main/common.',
            },
            {
              group: ['**/main/preload/**', '**/main/preload'],
              message: 'The renderer reaches the preload only through window.latchkey, typed by main/common/ipc.ts.',
            },
            {
              // A value import would bundle main/common's code (zod with it) into the console.
              group: ['**/main/common/**', '!**/main/common/api-routes.js', '!**/main/common/api-routes'],
              allowTypeImports: true,
              message: 'The renderer takes only types from main/common, and values from main/common/api-routes.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/core/**/*.ts', 'main/cli/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...electronSyntax] },
  },
  {
    files: ['main/common/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...electronSyntax, staticOnly('main/common')] },
  },
  {
    // The renderer bundles this file and all it imports: it stays a plain table.
    files: ['main/common/api-routes.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        staticOnly('main/common'),
        {
          selector: "ImportDeclaration[importKind='value'], ExportAllDeclaration, ExportNamedDeclaration[source]",
          message: 'api-routes.ts imports nothing: the renderer bundles it, and would bundle what it imports.',
        },
      ],
    },
  },
  {
    files: ['main/preload/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', staticOnly('The preload (one sandboxed bundle)')] },
  },
  {
    files: ['renderer/**/*.{ts,svelte}'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...electronSyntax,
        {
          // The console may load its own code lazily, but nothing from Node or main/.
          selector:
            'ImportExpression:not([source.value=/^\\.\\.?\\//]), ImportExpression[source.value=/(^|\\/)main\\//]',
          message: 'The renderer imports only its own files dynamically; main/common types and routes, statically.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [electronSubpaths] }] },
  },
);
