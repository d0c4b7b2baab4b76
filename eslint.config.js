import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** DESIGN.md's import rules: the folder says which APIs a file may use. */
const nodeBuiltins = { group: ['node:*'], message: 'main/common is pure TypeScript: no Node APIs.' };
const electron = {
  name: 'electron',
  message: 'Only main/shell and main/preload may import electron; without its binary, require("electron") throws.',
};
const shell = { group: ['**/shell/**', '**/shell'], message: 'Nothing imports main/shell.' };

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
    files: ['main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
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
          patterns: [shell, { group: ['**/cli/**', '**/preload/**'], message: 'main/core does not know its callers.' }],
        },
      ],
    },
  },
  {
    files: ['main/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [shell] }] },
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
    files: ['renderer/**/*.{ts,svelte}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['**/main/core/**', '**/main/cli/**', '**/main/shell/**'],
              message: 'The renderer takes only types from main/common.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron] }] },
  },
);
