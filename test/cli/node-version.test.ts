/**
 * On Node 20 better-sqlite3 13 crashes with a segmentation fault and the tests fail with
 * `Map.groupBy is not a function`: Latchkey must say, in one line, which Node it needs —
 * before npm installs anything, before a build and before the CLI loads a native addon.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

/** Runs `script` with Node pretending to be `version`, from the package root. */
function asNode(version: string, script: string) {
  const pretend =
    `Object.defineProperty(process, 'version', { value: 'v${version}' });` +
    `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`;
  return spawnSync(process.execPath, ['-e', pretend + script], { cwd: root, encoding: 'utf8', timeout: 10_000 });
}

describe('an older Node is told so in one line', () => {
  it('refuses Node 20 with one line naming Node 22.12', () => {
    const result = asNode('20.20.2', "require('./bin/check-node.cjs')");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'latchkey: Node.js 22.12.0 or newer is needed (this is v20.20.2); install Node 22 LTS and run npm install again\n',
    );
  });

  it('refuses 22.11 and accepts 22.12 and 24', () => {
    expect(asNode('22.11.0', "require('./bin/check-node.cjs')").status).toBe(1);
    expect(asNode('22.12.0', "require('./bin/check-node.cjs')").status).toBe(0);
    expect(asNode('24.1.0', "require('./bin/check-node.cjs')").status).toBe(0);
  });

  it('the CLI checks before it loads anything native', () => {
    const result = asNode('20.20.2', "import('./bin/latchkey.js')");
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('npm refuses to install, and every build checks first', () => {
    expect(pkg.engines.node).toBe('>=22.12');
    expect(readFileSync(`${root}.npmrc`, 'utf8')).toMatch(/^engine-strict=true$/m);
    expect(pkg.scripts.build).toMatch(/^node bin\/check-node\.cjs && /);
  });
});
