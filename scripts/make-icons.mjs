// Renders the app and tray icons in assets/ from assets/latchkey.svg with Debian's
// `rsvg-convert` (apt-get install librsvg2-bin). The PNGs are committed; run this again
// only when the artwork changes: `node scripts/make-icons.mjs`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const assets = fileURLToPath(new URL('../assets/', import.meta.url));
const base = readFileSync(join(assets, 'latchkey.svg'), 'utf8');

/** The key's ring drawn open (a gap in it): the latch is open, impersonation is on. */
const openRing = (svg) => svg.replace('stroke-width="5"/>', 'stroke-width="5" stroke-dasharray="44 19"/>');
/** Amber for impersonation: anyone on this machine is let in. */
const amber = (svg) => svg.replace('fill="#2f6fdf"', 'fill="#c2410c"');
/** macOS template images: black on transparent, the system tints them. */
const template = (svg) => svg.replace(/<rect[^>]*\/>/, '').replaceAll('stroke="#fff"', 'stroke="#000"');

const variants = {
  'tray-closed': base,
  'tray-open': amber(openRing(base)),
  'tray-closedTemplate': template(base),
  'tray-openTemplate': template(openRing(base)),
};

const work = mkdtempSync(join(tmpdir(), 'latchkey-icons-'));
const render = (svg, size, out) => {
  const file = join(work, 'icon.svg');
  writeFileSync(file, svg);
  execFileSync('rsvg-convert', ['-w', String(size), '-h', String(size), '-o', join(assets, out), file]);
};
try {
  render(base, 512, 'icon.png');
  for (const [name, svg] of Object.entries(variants)) {
    render(svg, 16, `${name}.png`);
    render(svg, 32, `${name}@2x.png`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
