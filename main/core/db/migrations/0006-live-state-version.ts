import type { Migration } from '../migration.js';

/**
 * What the gateway's live state holds (settings, apps, users' identities) gets a version
 * that every change to it moves, from any process: triggers, so the CLI and older code
 * paths need not remember. The gateway re-reads its state only when this moves, not at
 * every commit: a session's last-seen, a token's last-used, an audit row or a failed
 * sign-in leave it alone. A user's last_login_at and a password hash upgraded in place
 * are bookkeeping too; a new users column the live state reads must join the list below.
 */
export const migration: Migration = {
  version: 6,
  name: 'a version for what the live state holds',
  up(db) {
    db.exec(`
      CREATE TABLE live_state_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      ) STRICT;
      INSERT INTO live_state_version (id, version) VALUES (1, 0);

      CREATE TRIGGER settings_inserted AFTER INSERT ON settings
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER settings_updated AFTER UPDATE ON settings
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER settings_deleted AFTER DELETE ON settings
        BEGIN UPDATE live_state_version SET version = version + 1; END;

      CREATE TRIGGER apps_inserted AFTER INSERT ON apps
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER apps_updated AFTER UPDATE ON apps
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER apps_deleted AFTER DELETE ON apps
        BEGIN UPDATE live_state_version SET version = version + 1; END;

      CREATE TRIGGER users_inserted AFTER INSERT ON users
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER users_updated
        AFTER UPDATE OF id, username, email, display_name, role, enabled, password_chosen, password_changed_at ON users
        BEGIN UPDATE live_state_version SET version = version + 1; END;
      CREATE TRIGGER users_deleted AFTER DELETE ON users
        BEGIN UPDATE live_state_version SET version = version + 1; END;
    `);
  },
};
