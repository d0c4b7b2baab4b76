import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLOUR_TOKENS } from '../../main/common/colours.js';
import { page } from '../../main/core/gateway/pages.js';

/** The built console and sign-in pages' styles (npm run build makes them). */
const builtCss = () => {
  const dir = join(process.cwd(), 'dist', 'renderer', 'assets');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.css'))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
};

const gatewayCss = () => /<style>([\s\S]*)<\/style>/.exec(page('x', ''))?.[1] ?? '';

const declarations = (scheme: 'light' | 'dark') =>
  Object.entries(COLOUR_TOKENS[scheme]).map(([name, value]) => `--${name}:${value}`);

/** One table of colours for every page: the gateway's own and the built renderer's cannot drift apart. */
describe('the colours of every page', () => {
  it('light and dark name the same tokens', () => {
    expect(Object.keys(COLOUR_TOKENS.dark)).toEqual(Object.keys(COLOUR_TOKENS.light));
  });

  it.each(['light', 'dark'] as const)(
    "the gateway's own pages and the built console declare every %s token",
    (scheme) => {
      const gateway = gatewayCss();
      const built = builtCss();
      for (const declaration of declarations(scheme)) {
        expect({ declaration, gateway: gateway.includes(declaration), built: built.includes(declaration) }).toEqual({
          declaration,
          gateway: true,
          built: true,
        });
      }
    },
  );

  it("the gateway's page style names no colour of its own beside the tokens", () => {
    const [, rules] = gatewayCss().split(/@media \(prefers-color-scheme:dark\)\{:root\{[^}]*\}\}/);
    expect(rules).toBeDefined();
    expect(rules?.match(/#[0-9a-f]{3,8}\b/gi) ?? []).toEqual([]);
  });

  it("the console's theme.css declares none of the tokens itself: they come from the one table", () => {
    const theme = readFileSync(join(process.cwd(), 'renderer', 'src', 'lib', 'theme.css'), 'utf8');
    for (const name of Object.keys(COLOUR_TOKENS.light)) expect(theme).not.toMatch(new RegExp(`--${name}\\s*:`));
  });
});
