import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The pages the gateway serves itself. Everything is bundled and served from
 * /.latchkey/assets/ on the console host: no inline script, nothing from off the machine.
 */
export default defineConfig({
  root: here('.'),
  base: '/.latchkey/',
  plugins: [svelte()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inlined assets would need data: URLs in the CSP.
    assetsInlineLimit: 0,
    rolldownOptions: { input: { login: here('login.html'), console: here('index.html') } },
  },
});
