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

/**
 * The gateway's view of settings, apps and the root user. It re-reads the database only
 * when SQLite's data_version says a commit happened (from this process or another, such
 * as the CLI), so a change applies to the very next request at the cost of one pragma.
 */
export class LiveState {
  private snapshot: Snapshot | undefined;
  private seenVersion = -1;
  private seenTotalChanges = -1;
  private readonly dataVersion;
  private readonly totalChanges;

  constructor(
    private readonly store: Store,
    private readonly onChange?: (snapshot: Snapshot) => void,
  ) {
    this.dataVersion = store.db.prepare('PRAGMA data_version').pluck();
    this.totalChanges = store.db.prepare('SELECT total_changes()').pluck();
  }

  current(): Snapshot {
    // data_version changes on other connections' commits; total_changes on our own.
    const version = this.dataVersion.get() as number;
    const total = this.totalChanges.get() as number;
    if (!this.snapshot || version !== this.seenVersion || total !== this.seenTotalChanges) {
      this.snapshot = this.load();
      this.seenVersion = version;
      this.seenTotalChanges = total;
      this.onChange?.(this.snapshot);
    }
    return this.snapshot;
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
