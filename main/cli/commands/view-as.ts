import type { Command } from 'commander';
import { LatchkeyError } from '../../common/errors.js';
import { withApi } from '../api.js';
import { print, when, type CommonOptions } from '../context.js';

export function registerViewAs(program: Command): void {
  program
    .command('view-as')
    .description("impersonation mode: make every request a user's, until --stop or an hour")
    .argument('[username]', 'the user to view as')
    .option('--stop', 'stop viewing as anyone')
    .action(async (username: string | undefined, o: CommonOptions & { stop?: boolean }) => {
      if (!o.stop && !username) throw new LatchkeyError('BAD_ARGUMENT', 'give a username, or --stop');
      await withApi(o, async (call) => {
        if (o.stop) {
          const { stopped } = await call('viewAs.stop', {});
          return print(stopped ? `stopped viewing as ${stopped}` : 'not viewing as anyone');
        }
        const viewing = await call('viewAs.start', { username: username ?? '' });
        print(`viewing as ${viewing.username} until ${when(viewing.until)}; stop with latchkey view-as --stop`);
      });
    });
}
