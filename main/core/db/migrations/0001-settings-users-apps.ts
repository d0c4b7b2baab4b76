import type { Migration } from '../migration.js';

export const migration: Migration = {
  version: 1,
  name: 'settings, users and apps',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE users (
        id                  INTEGER PRIMARY KEY,
        username            TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
        email               TEXT NOT NULL,
        display_name        TEXT NOT NULL,
        role                TEXT NOT NULL CHECK (role IN ('Admin', 'ReadOnly')),
        enabled             INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        password_hash       TEXT NOT NULL,
        -- 0 while the password is one Latchkey generated and no person has chosen one.
        password_chosen     INTEGER NOT NULL CHECK (password_chosen IN (0, 1)),
        created_at          INTEGER NOT NULL,
        last_login_at       INTEGER,
        password_changed_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE apps (
        slug            TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        upstream        TEXT NOT NULL,
        allow_roles     TEXT NOT NULL DEFAULT '[]',
        allow_users     TEXT NOT NULL DEFAULT '[]',
        public_paths    TEXT NOT NULL DEFAULT '[]',
        headers         TEXT NOT NULL CHECK (headers IN ('generic', 'grafana', 'remote', 'none')),
        preserve_host   INTEGER NOT NULL CHECK (preserve_host IN (0, 1)),
        allowed_origins TEXT NOT NULL DEFAULT '[]',
        health_path     TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
