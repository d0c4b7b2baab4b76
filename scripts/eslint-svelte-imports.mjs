import { parseForESLint as parseSvelte } from 'svelte-eslint-parser';

/**
 * svelte-eslint-parser for the import checks (import-x/no-cycle) when they read a
 * component that another file imports: it nests the script's statements in a
 * SvelteScriptElement, and import-x looks for imports at the top of the program, so
 * without this a cycle through a .svelte file goes unseen. Only the scripts are kept.
 */
export function parseForESLint(code, options) {
  const result = parseSvelte(code, options);
  const body = result.ast.body.flatMap((node) => (node.type === 'SvelteScriptElement' ? node.body : []));
  return { ...result, ast: { ...result.ast, body } };
}
