/**
 * The colours of every page Latchkey shows, light and dark: the console and sign-in pages
 * built from renderer/ (renderer/vite.config.ts puts them in front of lib/theme.css) and
 * the pages the gateway renders itself (gateway/pages.ts). One table, so the two cannot
 * drift apart. Imports nothing: the renderer's build reads it as a value.
 */
export const COLOUR_TOKENS = {
  light: {
    fg: '#1c2430',
    muted: '#5b6675',
    bg: '#f7f8fa',
    card: '#fff',
    line: '#dde2e8',
    // Field borders at 3:1 against the card, so inputs read as inputs.
    'field-line': '#8a94a3',
    accent: '#2f6fdf',
    'accent-fg': '#fff',
    'danger-bg': '#fdecea',
    'danger-fg': '#8a1c12',
  },
  dark: {
    fg: '#e6e9ee',
    muted: '#9aa4b2',
    bg: '#14181e',
    card: '#1c222a',
    line: '#2c343f',
    'field-line': '#6b7686',
    accent: '#7aa7ff',
    'accent-fg': '#0b1220',
    'danger-bg': '#3b1f1d',
    'danger-fg': '#ffb4a9',
  },
} as const;

export type ColourToken = keyof (typeof COLOUR_TOKENS)['light'];

/** The tokens as CSS custom properties (`--fg`…): light, and dark where the system prefers it. */
export function colourTokensCss(): string {
  const declare = (colours: Record<ColourToken, string>) =>
    Object.entries(colours)
      .map(([name, value]) => `--${name}:${value}`)
      .join(';');
  return (
    `:root{color-scheme:light dark;${declare(COLOUR_TOKENS.light)}}\n` +
    `@media (prefers-color-scheme:dark){:root{${declare(COLOUR_TOKENS.dark)}}}\n`
  );
}
