import type { Migration } from '../migration.js';

export const migration: Migration = {
  version: 5,
  name: 'apps that Latchkey runs',
  up(db) {
    db.exec(`
      -- How Latchkey runs an app (JSON: command, args, cwd, env, listen, start policy), or NULL.
      ALTER TABLE apps ADD COLUMN run TEXT;

      -- What the gateway that runs the apps reports (state, reason, pid), and what the CLI
      -- asks of it: the gateway's data_version watch picks up 'requested' and clears it.
      CREATE TABLE app_runs (
        slug         TEXT PRIMARY KEY,
        state        TEXT NOT NULL DEFAULT 'stopped'
                       CHECK (state IN ('stopped', 'starting', 'running', 'stopping', 'backoff', 'crashed')),
        reason       TEXT,
        pid          INTEGER,
        retry_at     INTEGER,
        updated_at   INTEGER NOT NULL,
        requested    TEXT CHECK (requested IN ('start', 'stop', 'restart')),
        requested_at INTEGER
      ) STRICT;
    `);
  },
};
