import type { Migration } from '../migration.js';

export const migration: Migration = {
  version: 4,
  name: 'regulation per client; no ban on every sign-in',
  up(db) {
    db.exec(`
      -- Failures and bans belong to a username *and* the client that tried: the OS user of
      -- a loopback connection ('uid:<n>') where the OS tells, one shared 'unknown' bucket
      -- where it does not. Another OS user's failures then never ban the owner's browser.
      ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT 'unknown';
      DROP INDEX login_failures_by_username;
      CREATE INDEX login_failures_by_username ON login_failures (username, client, at);

      ALTER TABLE bans ADD COLUMN client TEXT NOT NULL DEFAULT 'unknown';
      DROP INDEX bans_by_username;
      CREATE INDEX bans_by_username ON bans (username, client, until);

      -- The overall rule now slows sign-in down instead of banning: a ban on every sign-in
      -- ('*') still running would lock the owner out until it ends. The audit log keeps it.
      UPDATE bans SET lifted_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000, lifted_by = 'upgrade' WHERE username = '*' AND lifted_at IS NULL;
    `);
  },
};
