import type { Command } from 'commander';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { AUTHENTICATORS } from '../../common/identn.js';
import { setIdentn } from '../../core/identn-service.js';
import { currentIdentn } from '../../core/config/identn.js';
import type { IdentnState } from '../../common/identn.js';
import { onOff, print, withStore, type CommonOptions } from '../context.js';

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
      await withStore(options, (store) => {
        show(
          setIdentn(
            store,
            {
              impersonation: options.impersonation,
              tokenizer: options.tokenizer,
              apikey: options.apikey,
            },
            SYSTEM_ACTORS.cli,
          ),
        );
      });
    });
  identn
    .command('show')
    .description('print the effective state and where each value comes from')
    .action(async (options: CommonOptions) => {
      await withStore(options, (store) => show(currentIdentn(store)));
    });
}
