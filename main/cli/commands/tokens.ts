import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { withApi } from '../api.js';
import { print, when, type CommonOptions } from '../context.js';

const TOKEN_FLAGS = { username: '--user', expires: '--expires', description: '--description' };

export function registerTokens(program: Command): void {
  const token = program.command('token').description('service-account tokens (SPEC §5)');
  token
    .command('create')
    .description('create a token for a user; prints it once, alone on the last line')
    .requiredOption('--user <username>', 'whose token it is')
    .option('--expires <duration|never>', 'lifetime, e.g. 24h, 90d or never (default 90d)')
    .option('--description <text>', 'what it is for')
    .action(async (o: CommonOptions & { user: string; expires?: string; description?: string }) => {
      await withApi(o, async (call) => {
        const input = { username: o.user, expires: o.expires, description: o.description };
        const created = await call('tokens.create', input, TOKEN_FLAGS);
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
      await withApi(o, async (call) => {
        const tokens = await call('tokens.list', {});
        if (o.json) return print(JSON.stringify(tokens, null, 2));
        if (tokens.length === 0) return print('no tokens');
        const now = systemClock.now();
        for (const t of tokens) {
          const state =
            t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
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
    .argument('<id>', 'the token id from token list (an older id starting with - goes after --)')
    .action(async (id: string, o: CommonOptions) => {
      await withApi(o, async (call) => {
        await call('tokens.revoke', { id });
        print(`revoked ${id}`);
      });
    });
}
