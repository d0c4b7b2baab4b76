import type { Command } from 'commander';
import { LatchkeyError } from '../../common/errors.js';
import type { AuditDto } from '../../common/api.js';
import { withApi, type CallApi } from '../api.js';
import { print, type CommonOptions } from '../context.js';

/** The console API's largest page of the audit log. */
const PAGE = 500;

/**
 * The newest `limit` entries, a page at a time. Entries written meanwhile push older
 * ones down a page: one seen already (its id no lower than the last one's) is skipped.
 */
async function newest(call: CallApi, limit: number): Promise<AuditDto[]> {
  const entries: AuditDto[] = [];
  for (let offset = 0; entries.length < limit; offset += PAGE) {
    const page = await call('audit.list', { limit: PAGE, offset });
    const last = entries.at(-1)?.id ?? Infinity;
    entries.push(...page.entries.filter((e) => e.id < last).slice(0, limit - entries.length));
    if (!page.hasMore) break;
  }
  return entries;
}

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
      await withApi(o, async (call) => {
        const entries = await newest(call, o.limit);
        if (o.json) return print(JSON.stringify(entries, null, 2));
        for (const e of entries) {
          const detail = Object.keys(e.detail).length > 0 ? `  ${JSON.stringify(e.detail)}` : '';
          const at = new Date(e.at).toISOString().replace(/\.\d+Z$/, 'Z');
          print(`${at}  ${e.kind.padEnd(16)}  ${e.actor ?? '-'} → ${e.subject ?? '-'}${detail}`);
        }
      });
    });
}
