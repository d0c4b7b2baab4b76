import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * import-x/no-cycle skips type-only imports (harmless when the code runs), so this test
 * holds the stricter line the lint rule cannot: no file imports one that imports it back,
 * types included, in main/ and renderer/.
 */

const repo = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return (readdirSync(join(repo, dir), { recursive: true }) as string[])
    .filter((f) => /\.(ts|svelte)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('lint-cycle-'))
    .map((f) => join(repo, dir, f));
}

/** The relative specifiers a source text imports or re-exports, types included. */
function specifiersIn(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('.'));
}

/** The files a source file imports (a component's imports are in its scripts). */
function importsOf(file: string): string[] {
  let text = readFileSync(file, 'utf8');
  if (file.endsWith('.svelte'))
    text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  return specifiersIn(text)
    .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'))
    .filter((target) => existsSync(target));
}

/** Groups of files that reach each other through imports (Tarjan), and files that import themselves. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || graph.get(v)?.includes(v)) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import cycles, types included', () => {
  it('the check sees type imports and re-exports, and finds cycles however far round', () => {
    expect(specifiersIn("import type { B } from './b.js';\nexport type { C } from '../c.js';")).toEqual([
      './b.js',
      '../c.js',
    ]);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it.each(['main', 'renderer'])('no file of %s/ imports one that imports it back', (dir) => {
    const files = sourceFiles(dir);
    const found = cycles(new Map(files.map((f) => [f, importsOf(f)])));
    expect(found.map((group) => group.map((f) => relative(repo, f)))).toEqual([]);
  });
});
