import type { Command } from 'commander';
import { LatchkeyError } from '../../common/errors.js';
import { print, withStore, type CommonOptions } from '../context.js';

function limitOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10_000) {
    throw new LatchkeyError('BAD_ARGUMENT', `--limit takes a number from 1 to 10000, not "${value}"`);
  }
  return n;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('who did what, newest first: sign-ins, failures, bans, mode and user changes')
    .option('--limit <n>', 'how many entries', limitOf, 50)
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { limit: number; json?: boolean }) => {
      await withStore(o, (store) => {
        const entries = store.audit.list(o.limit);
        if (o.json) return print(JSON.stringify(entries, null, 2));
        for (const e of entries) {
          const detail = Object.keys(e.detail).length > 0 ? `  ${JSON.stringify(e.detail)}` : '';
          const at = new Date(e.at).toISOString().replace(/\.\d+Z$/, 'Z');
          print(`${at}  ${e.kind.padEnd(16)}  ${e.actor ?? '-'} → ${e.subject ?? '-'}${detail}`);
        }
      });
    });
}
