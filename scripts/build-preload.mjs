// Bundles main/preload/index.ts into one CommonJS file, as a sandboxed preload must be
// (it cannot require anything but `electron`): dist/preload/index.cjs.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    outDir: 'dist/preload',
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: false,
    lib: { entry: 'main/preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
