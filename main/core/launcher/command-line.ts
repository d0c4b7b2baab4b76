import { LatchkeyError } from '../../common/errors.js';

/**
 * Splits `--run "python3 -m http.server {port}"` into a program and its arguments, with
 * single and double quotes and backslash escapes as a shell reads them — and nothing else
 * of a shell: no variables, globs or pipes, since no shell ever runs it.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new LatchkeyError('BAD_ARGUMENT', `--run has an unclosed ${quote}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new LatchkeyError('BAD_ARGUMENT', '--run needs a command');
  return words;
}
