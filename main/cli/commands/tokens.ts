import type { Command } from 'commander';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { parseDuration } from '../../common/duration.js';
import { LatchkeyError } from '../../common/errors.js';
import { rotateAssertionKey } from '../../core/auth/assertion.js';
import { createToken, DEFAULT_TOKEN_LIFETIME_MS, listTokens, revokeToken } from '../../core/auth/service-accounts.js';
import { startGlobalViewAs, stopGlobalViewAs } from '../../core/auth/view-as.js';
import { print, withStore, type CommonOptions } from '../context.js';

const when = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

function lifetime(value: string): number | null {
  if (value === 'never') return null;
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new LatchkeyError('BAD_ARGUMENT', `--expires takes a duration such as 24h or 90d, or never; not "${value}"`);
  }
  return ms;
}

export function registerTokens(program: Command): void {
  const token = program.command('token').description('service-account tokens (SPEC §5)');
  token
    .command('create')
    .description('create a token for a user; prints it once, alone on the last line')
    .requiredOption('--user <username>', 'whose token it is')
    .option('--expires <duration|never>', 'lifetime, e.g. 24h, 90d or never (default 90d)')
    .option('--description <text>', 'what it is for')
    .action(async (o: CommonOptions & { user: string; expires?: string; description?: string }) => {
      await withStore(o, (store) => {
        const lifetimeMs = o.expires === undefined ? DEFAULT_TOKEN_LIFETIME_MS : lifetime(o.expires);
        const created = createToken(
          store,
          { username: o.user, lifetimeMs, description: o.description },
          SYSTEM_ACTORS.cli,
        );
        print(`token ${created.view.id} for ${created.view.username}, expires ${when(created.view.expiresAt)}`);
        print('use it as: Authorization: Bearer Latchkey-<token>   (shown only now)');
        print(created.token);
      });
    });
  token
    .command('list')
    .description('list tokens, with expiry and last use (never the secrets)')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      await withStore(o, (store) => {
        const tokens = listTokens(store);
        if (o.json) return print(JSON.stringify(tokens, null, 2));
        if (tokens.length === 0) return print('no tokens');
        for (const t of tokens) {
          const state =
            t.revokedAt !== null
              ? 'revoked'
              : t.expiresAt !== null && t.expiresAt <= store.clock.now()
                ? 'expired'
                : 'active';
          print(
            `${t.id}  ${t.username}  ${state}  expires ${when(t.expiresAt)}  last used ${when(t.lastUsedAt)}` +
              (t.description ? `  ${t.description}` : ''),
          );
        }
      });
    });
  token
    .command('revoke')
    .description('revoke a token; it stops working on the next request')
    .argument('<id>', 'the token id from token list')
    .action(async (id: string, o: CommonOptions) => {
      await withStore(o, (store) => {
        revokeToken(store, id, SYSTEM_ACTORS.cli);
        print(`revoked ${id}`);
      });
    });

  program
    .command('view-as')
    .description("impersonation mode: make every request a user's, until --stop or an hour")
    .argument('[username]', 'the user to view as')
    .option('--stop', 'stop viewing as anyone')
    .action(async (username: string | undefined, o: CommonOptions & { stop?: boolean }) => {
      await withStore(o, (store) => {
        if (o.stop) {
          const was = stopGlobalViewAs(store, SYSTEM_ACTORS.cli);
          return print(was ? `stopped viewing as ${was}` : 'not viewing as anyone');
        }
        if (!username) throw new LatchkeyError('BAD_ARGUMENT', 'give a username, or --stop');
        const { user, until } = startGlobalViewAs(store, username, SYSTEM_ACTORS.cli);
        print(`viewing as ${user.username} until ${when(until)}; stop with latchkey view-as --stop`);
      });
    });

  program
    .command('keys')
    .description('the key that signs X-Latchkey-Jwt-Assertion')
    .command('rotate')
    .description('start signing with a new key; the old one stays in the JWKS for a day')
    .action(async (o: CommonOptions) => {
      await withStore(o, (store) => print(`signing with new key ${rotateAssertionKey(store, SYSTEM_ACTORS.cli)}`));
    });
}
