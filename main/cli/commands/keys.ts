import type { Command } from 'commander';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { rotateAssertionKey } from '../../core/auth/assertion.js';
import { print, withStore, type CommonOptions } from '../context.js';

export function registerKeys(program: Command): void {
  program
    .command('keys')
    .description('the key that signs X-Latchkey-Jwt-Assertion')
    .command('rotate')
    .description('start signing with a new key; the old one stays in the JWKS for a day')
    .action(async (o: CommonOptions) => {
      await withStore(o, (store) => print(`signing with new key ${rotateAssertionKey(store, SYSTEM_ACTORS.cli)}`));
    });
}
