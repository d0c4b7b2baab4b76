import { CHANGE_KINDS, type ChangeKind } from '../common/api.js';
import type { Db } from './db/open.js';
import type { Logger } from './log.js';

export type ChangeListener = (kinds: ChangeKind[]) => void;

/** How often the database is looked at while anyone listens and no request does it. */
export const FEED_CHECK_MS = 250;

/**
 * One fingerprint per kind, read in one statement: only when data_version says a commit
 * happened, so what each costs matters little. `apps` covers the run states of the apps
 * Latchkey runs (app_runs). Bookkeeping (a session's last-seen) is in
 * none of them, so it wakes nobody; a token's last-used is, as the Tokens screen shows it.
 */
const FINGERPRINTS = `SELECT
  (SELECT group_concat(key || '=' || value, char(10)) FROM (SELECT key, value FROM settings
     WHERE key NOT IN ('viewas.global', 'gateway.last-port', 'console.link') ORDER BY key)) AS settings,
  (SELECT group_concat(slug || ':' || updated_at, ',') FROM (SELECT slug, updated_at FROM apps ORDER BY slug))
     || '|' || (SELECT count(*) FROM apps)
     || '|' || ifnull((SELECT group_concat(slug || ':' || state || ':' || ifnull(reason, '') || ':' || ifnull(pid, '')
       || ':' || ifnull(requested, ''), ',') FROM (SELECT * FROM app_runs ORDER BY slug)), '') AS apps,
  (SELECT group_concat(id || ':' || role || enabled || password_chosen || ':' || password_changed_at || ':'
     || ifnull(last_login_at, '') || email || ':' || display_name || ':' || username, ',')
     FROM (SELECT * FROM users ORDER BY id)) AS users,
  (SELECT group_concat(id || ':' || ifnull(last_used_at, '') || ':' || ifnull(revoked_at, ''), ',')
     FROM (SELECT * FROM tokens ORDER BY id)) AS tokens,
  (SELECT group_concat(id || ':' || ifnull(lifted_at, ''), ',') FROM (SELECT * FROM bans ORDER BY id)) AS bans,
  (SELECT max(id) FROM audit) AS audit,
  (SELECT value FROM settings WHERE key = 'viewas.global')
     || '|' || (SELECT group_concat(id || ':' || ifnull(view_as_user_id, '') || ':' || ifnull(view_as_until, ''), ',')
       FROM (SELECT * FROM sessions WHERE view_as_user_id IS NOT NULL ORDER BY id)) AS viewAs`;

type Fingerprints = Record<ChangeKind, unknown>;

/**
 * The change feed (SPEC §8): tells listeners which kinds of things changed, from any
 * process (CLI, tray, another window). It rides on the live state's data_version watch
 * (`changed` is called when it sees a commit); while anyone listens, it also looks every
 * 250 ms itself (one pragma), so a change shows while no request comes. No listener, no timer.
 */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private readonly read;
  private last: Fingerprints | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    db: Db,
    /** Looks at data_version; calls `changed` when a commit happened. */
    private readonly look: () => void,
    private readonly log: Logger,
    private readonly everyMs = FEED_CHECK_MS,
  ) {
    this.read = db.prepare(FINGERPRINTS);
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Listens until the function returned is called. */
  subscribe(listener: ChangeListener): () => void {
    if (this.listeners.size === 0) {
      // What is in force now is the baseline: a listener hears of later changes only.
      this.last = this.fingerprints();
      this.timer = setInterval(() => this.lookQuietly(), this.everyMs);
      // Listening alone must not keep a process alive that is otherwise done.
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.last = undefined;
      }
    };
  }

  /** A commit happened: tells listeners what kinds it changed, if any. */
  changed(): void {
    if (this.listeners.size === 0) return;
    const now = this.fingerprints();
    const before = this.last;
    if (!now) return;
    this.last = now;
    const kinds = CHANGE_KINDS.filter((kind) => !before || before[kind] !== now[kind]);
    if (kinds.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(kinds);
      } catch (error) {
        this.log.error(`a change listener failed: ${(error as Error).message}`);
      }
    }
  }

  close(): void {
    this.listeners.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private fingerprints(): Fingerprints | undefined {
    try {
      return this.read.get() as Fingerprints;
    } catch (error) {
      // A busy or damaged store: the next look tries again.
      this.log.warn(`cannot read what changed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private lookQuietly(): void {
    try {
      this.look();
    } catch {
      // The live state reports its own failures to the request that meets them.
    }
  }
}
