import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { colourTokensCss } from '../main/common/colours.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const themeFile = here('src/lib/theme.css');

/** The colour tokens, shared with the gateway's own pages, in front of lib/theme.css. */
function colourTokens(): Plugin {
  return {
    name: 'latchkey-colour-tokens',
    // Before Vite's CSS handling, which then treats the tokens as part of the file.
    enforce: 'pre',
    transform(code, id) {
      return id.split('?')[0] === themeFile ? `${colourTokensCss()}${code}` : undefined;
    },
  };
}

/**
 * The pages the gateway serves itself. Everything is bundled and served from
 * /.latchkey/assets/ on the console host: no inline script, nothing from off the machine.
 */
export default defineConfig({
  root: here('.'),
  base: '/.latchkey/',
  plugins: [colourTokens(), svelte()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inlined assets would need data: URLs in the CSP.
    assetsInlineLimit: 0,
    rolldownOptions: { input: { login: here('login.html'), console: here('index.html') } },
  },
});
