import type { Migration } from '../migration.js';

export const migration: Migration = {
  version: 2,
  name: 'sessions, login regulation and audit log',
  up(db) {
    db.exec(`
      -- A signed-in browser. Cookies carry a signed token naming the session; the row is
      -- what makes it valid, so deleting it ends the session on every host at once.
      CREATE TABLE sessions (
        id           TEXT PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_user ON sessions (user_id);

      -- Failed sign-ins, by the username asked for (which may not exist).
      CREATE TABLE login_failures (
        id       INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        at       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX login_failures_by_username ON login_failures (username, at);
      CREATE INDEX login_failures_by_time ON login_failures (at);

      -- A ban on a username, or on every sign-in ('*'), until a time or until lifted.
      CREATE TABLE bans (
        id         INTEGER PRIMARY KEY,
        username   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        until      INTEGER NOT NULL,
        lifted_at  INTEGER,
        lifted_by  TEXT
      ) STRICT;
      CREATE INDEX bans_by_username ON bans (username, until);

      CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        kind    TEXT NOT NULL,
        actor   TEXT,
        subject TEXT,
        detail  TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX audit_by_time ON audit (at);
    `);
  },
};
