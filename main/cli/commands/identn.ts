import type { Command } from 'commander';
import { AUTHENTICATORS } from '../../common/identn.js';
import type { IdentnState } from '../../common/identn.js';
import { withApi } from '../api.js';
import { onOff, print, type CommonOptions } from '../context.js';

function show(identn: IdentnState): void {
  for (const a of AUTHENTICATORS) {
    const s = identn[a];
    const where = s.pinnedBy ? `pinned by ${s.pinnedBy}` : s.source;
    print(`${a.padEnd(13)} ${s.enabled ? 'on ' : 'off'}  (${where})`);
  }
}

export function registerIdentn(program: Command): void {
  const identn = program.command('identn').description('the identN chain: who a request is (SPEC §1)');
  identn
    .command('set')
    .description('turn authenticators on or off; applies to the next request of a running gateway')
    .option(
      '--impersonation <on|off>',
      'every request is the root admin (turns the others off)',
      onOff('--impersonation'),
    )
    .option('--tokenizer <on|off>', 'local logins with username and password', onOff('--tokenizer'))
    .option('--apikey <on|off>', 'service-account tokens', onOff('--apikey'))
    .action(async (options: CommonOptions & { impersonation?: boolean; tokenizer?: boolean; apikey?: boolean }) => {
      await withApi(options, async (call) => {
        const { impersonation, tokenizer, apikey } = options;
        show(await call('identn.set', { impersonation, tokenizer, apikey }));
      });
    });
  identn
    .command('show')
    .description('print the effective state and where each value comes from')
    .action(async (options: CommonOptions) => {
      await withApi(options, async (call) => show((await call('config.get', {})).identn));
    });
}
