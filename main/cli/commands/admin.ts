import type { Command } from 'commander';
import { resetPassword } from '../../core/users-service.js';
import { print, withStore, type CommonOptions } from '../context.js';

export function registerAdmin(program: Command): void {
  const user = program
    .command('admin')
    .description('administration that works on the data directory, gateway running or not')
    .command('user')
    .description('local users');
  user
    .command('reset-password')
    .description("set a user's password (the way back in when locked out)")
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--password <password>', 'the new password, 8 to 1024 bytes')
    .option('--enable', 'also re-enable the user')
    .action(async (o: CommonOptions & { username: string; password: string; enable?: boolean }) => {
      await withStore(o, async (store) => {
        const updated = await resetPassword(store, o);
        print(`password of ${updated.username} reset${o.enable ? '; user enabled' : ''}`);
      });
    });
}
