import type { Migration } from '../migration.js';

export const migration: Migration = {
  version: 3,
  name: 'service-account tokens and view-as',
  up(db) {
    db.exec(`
      -- A service account's token is shown once; only its lookup id and a hash stay.
      CREATE TABLE tokens (
        id           TEXT PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash  TEXT NOT NULL,
        description  TEXT NOT NULL DEFAULT '',
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
      CREATE INDEX tokens_by_user ON tokens (user_id);

      -- With logins, "view as" belongs to one Admin's session.
      ALTER TABLE sessions ADD COLUMN view_as_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
      ALTER TABLE sessions ADD COLUMN view_as_until INTEGER;
    `);
  },
};
