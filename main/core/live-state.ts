import type { App } from '../common/apps.js';
import type { IdentnState } from '../common/identn.js';
import { LatchkeyError } from '../common/errors.js';
import { findRootUser } from './auth/root-admin.js';
import { globalViewAs } from './auth/view-as.js';
import { currentIdentn } from './config/identn.js';
import type { User } from './db/users-repo.js';
import type { Store } from './store.js';

/** What one request needs to know, read together so it is consistent. */
export interface Snapshot {
  identn: IdentnState;
  apps: ReadonlyMap<string, App>;
  appList: readonly App[];
  root: User;
  /** Impersonation mode's view-as, if set; its `until` is checked at each request. */
  viewAs: { user: User; until: number } | undefined;
}

/** What the live state tells about what it sees. */
export interface LiveStateListener {
  /** What the snapshot holds changed (settings, apps, a user's identity): a new snapshot. */
  reloaded?(snapshot: Snapshot): void;
  /** Any commit, from this process or another (sessions, tokens, app runs, audit rows…), after `reloaded`. */
  committed?(snapshot: Snapshot): void;
}

/**
 * The gateway's view of settings, apps and the root user. It looks for commits at each
 * call with two cheap statements — SQLite's data_version (other connections' commits, such
 * as the CLI's) and total_changes (this connection's) — so a change applies to the very
 * next request. After a commit it reads one row, the version the triggers of migration
 * 0006 move whenever what the snapshot holds changes, and reloads only when that moved:
 * the bookkeeping of every request (last-seen, last-used, audit rows, failed sign-ins)
 * never re-keys the signer or re-creates the upstream pools.
 */
export class LiveState {
  private snapshot: Snapshot | undefined;
  private seenVersion = -1;
  private seenTotalChanges = -1;
  private seenStateVersion = -1;
  private readonly dataVersion;
  private readonly totalChanges;
  private readonly stateVersion;

  constructor(
    private readonly store: Store,
    private readonly listener: LiveStateListener = {},
  ) {
    this.dataVersion = store.db.prepare('PRAGMA data_version').pluck();
    this.totalChanges = store.db.prepare('SELECT total_changes()').pluck();
    this.stateVersion = store.db.prepare('SELECT version FROM live_state_version WHERE id = 1').pluck();
  }

  current(): Snapshot {
    const version = this.dataVersion.get() as number;
    const total = this.totalChanges.get() as number;
    if (this.snapshot && version === this.seenVersion && total === this.seenTotalChanges) return this.snapshot;
    // Read after the two above: a commit landing in between is seen at the next call.
    const stateVersion = this.stateVersion.get() as number;
    const reload = !this.snapshot || stateVersion !== this.seenStateVersion;
    // A load that throws marks nothing as seen: the next call tries again, never serving the old one.
    const snapshot = reload || !this.snapshot ? this.load() : this.snapshot;
    this.snapshot = snapshot;
    this.seenVersion = version;
    this.seenTotalChanges = total;
    this.seenStateVersion = stateVersion;
    if (reload) this.listener.reloaded?.(snapshot);
    this.listener.committed?.(snapshot);
    return snapshot;
  }

  private load(): Snapshot {
    const identn = currentIdentn(this.store);
    const appList = this.store.apps.list();
    const root = findRootUser(this.store.settings, this.store.users);
    if (!root) throw new LatchkeyError('ADMIN_MISSING', 'the database has no enabled Admin to assert');
    const viewAs = globalViewAs(this.store, 0);
    return { identn, apps: new Map(appList.map((a) => [a.slug, a])), appList, root, viewAs };
  }
}
