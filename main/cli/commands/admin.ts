import type { Command } from 'commander';
import type { Role } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import { mintConsoleLink } from '../../core/auth/console-sessions.js';
import { withApi } from '../api.js';
import { print, when, withStore, type CommonOptions } from '../context.js';

/** The flag of each field of users.create and users.resetPassword. */
const USER_FLAGS = {
  username: '--username',
  password: '--password',
  role: '--role',
  email: '--email',
  displayName: '--name',
  enable: '--enable',
};

export function registerConsoleLink(program: Command): void {
  program
    .command('console-link')
    .description('print a new one-time link to the console of the gateway on this data directory')
    .action(async (o: CommonOptions) => {
      await withStore(o, (store) => {
        const port = store.settings.get('gateway.last-port');
        if (typeof port !== 'number') {
          throw new LatchkeyError('BAD_ARGUMENT', 'this data directory has never served; run latchkey serve first');
        }
        print(mintConsoleLink(store, port));
      });
    });
}

export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description('administration that works on the data directory, gateway running or not');
  const user = admin.command('user').description('local users');
  user
    .command('reset-password')
    .description("set a user's password and end their sessions (the way back in when locked out)")
    .requiredOption('--username <name>', 'the user')
    .requiredOption('--password <password>', 'the new password, 8 to 1024 bytes')
    .option('--enable', 'also re-enable the user and lift its sign-in ban')
    .action(async (o: CommonOptions & { username: string; password: string; enable?: boolean }) => {
      await withApi(o, async (call) => {
        const input = { username: o.username, password: o.password, enable: o.enable };
        const { user: updated } = await call('users.resetPassword', input, USER_FLAGS);
        print(`password of ${updated.username} reset${o.enable ? '; user enabled, ban lifted' : ''}`);
      });
    });
  user
    .command('create')
    .description('add a local user')
    .requiredOption('--username <name>', 'lower-case: a-z, 0-9, ".", "_", "-"')
    .requiredOption('--password <password>', '8 to 1024 bytes')
    .option('--role <role>', 'Admin or ReadOnly', 'ReadOnly')
    .option('--email <email>', 'email address (default: <username>@localhost.localdomain)')
    .option('--name <name>', 'display name')
    .action(
      async (
        o: CommonOptions & { username: string; password: string; role: string; email?: string; name?: string },
      ) => {
        await withApi(o, async (call) => {
          const input = { username: o.username, password: o.password, email: o.email, displayName: o.name };
          const created = await call('users.create', { ...input, role: o.role as Role }, USER_FLAGS);
          print(`created ${created.username} (${created.role})`);
        });
      },
    );
  user
    .command('list')
    .description('list local users')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      await withApi(o, async (call) => {
        const users = await call('users.list', {});
        if (o.json) return print(JSON.stringify(users, null, 2));
        const width = Math.max(...users.map((u) => u.username.length));
        for (const u of users) {
          const state = u.enabled ? 'enabled ' : 'disabled';
          print(`${u.username.padEnd(width)}  ${u.role.padEnd(8)}  ${state}  last sign-in ${when(u.lastLoginAt)}`);
        }
      });
    });

  const ban = admin.command('ban').description('sign-in bans after repeated failures');
  ban
    .command('list')
    .description('list active bans')
    .action(async (o: CommonOptions) => {
      await withApi(o, async (call) => {
        const bans = await call('bans.list', {});
        if (bans.length === 0) return print('no active bans');
        for (const b of bans) print(`${b.username}  client ${b.client}  until ${when(b.until)}`);
      });
    });
  ban
    .command('lift')
    .description('lift the ban on a username, for every client')
    .requiredOption('--username <name>', 'the banned username')
    .action(async (o: CommonOptions & { username: string }) => {
      await withApi(o, async (call) => {
        const name = o.username.trim().toLowerCase();
        const { lifted } = await call('bans.lift', { username: o.username }, USER_FLAGS);
        print(lifted ? `lifted the ban on ${name}` : `${name} was not banned`);
      });
    });
}
