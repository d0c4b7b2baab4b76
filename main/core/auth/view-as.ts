import { LatchkeyError } from '../../common/errors.js';
import type { SessionRow } from '../db/sessions-repo.js';
import type { User } from '../db/users-repo.js';
import { writeTransaction } from '../db/write.js';
import { currentIdentn } from '../config/identn.js';
import type { Store } from '../store.js';
import { findRootUser } from './root-admin.js';

/** View-as ends by itself after an hour, like Pomerium's impersonation. */
export const VIEW_AS_MS = 3_600_000;
const GLOBAL_KEY = 'viewas.global';

/**
 * Who an Admin may view as: another, enabled user. Why not, or undefined when they may:
 * the one rule a start obeys and the list of candidates (console, tray) is made from.
 */
function notViewable(user: User, admin: User): string | undefined {
  if (!user.enabled) return `"${user.username}" is disabled`;
  if (user.id === admin.id) return 'you are already yourself';
  return undefined;
}

function target(store: Store, username: string, admin: User): User {
  const user = store.users.findByUsername(username.trim().toLowerCase());
  if (!user) throw new LatchkeyError('USER_NOT_FOUND', `no user "${username}"`);
  const refused = notViewable(user, admin);
  if (refused) throw new LatchkeyError('VIEW_AS_INVALID', refused);
  return user;
}

/**
 * The users `admin` may view as, for a console or tray to offer: those a start would
 * accept. `admin` is the signed-in Admin with logins, the root user in impersonation mode.
 */
export function viewAsCandidates(store: Store, admin: User): User[] {
  return store.users.list().filter((user) => notViewable(user, admin) === undefined);
}

/** In impersonation mode, who every request is while viewing as someone; undefined when nobody. */
export function globalViewAs(store: Store, now: number): { user: User; until: number } | undefined {
  const value = store.settings.get(GLOBAL_KEY);
  if (!value || value.until <= now) return undefined;
  const user = store.users.findById(value.userId);
  return user?.enabled ? { user, until: value.until } : undefined;
}

/**
 * Why impersonation mode's view-as cannot start now, or undefined when it can: the one
 * rule the start obeys and the console reads, so it offers only what will work.
 */
export function globalViewAsRefusal(store: Store): string | undefined {
  if (currentIdentn(store).impersonation.enabled) return undefined;
  return 'with logins on, view-as belongs to an Admin session; start it from the console while signed in';
}

/**
 * Impersonation mode's view-as (CLI, tray, console): every request becomes that user's
 * until stopped, an hour passes, or the user is disabled.
 */
export function startGlobalViewAs(store: Store, username: string, by: string): { user: User; until: number } {
  // Every rule is checked under the write lock, so another process cannot slip in between.
  return writeTransaction(store.db, () => {
    const refused = globalViewAsRefusal(store);
    if (refused) throw new LatchkeyError('VIEW_AS_INVALID', refused);
    const root = findRootUser(store.settings, store.users);
    if (!root) throw new LatchkeyError('ADMIN_MISSING', 'there is no Admin to view as someone');
    const now = store.clock.now();
    const current = globalViewAs(store, now);
    if (current) {
      throw new LatchkeyError('VIEW_AS_INVALID', `already viewing as "${current.user.username}"; stop that first`);
    }
    const user = target(store, username, root);
    const until = now + VIEW_AS_MS;
    store.settings.setMany({ [GLOBAL_KEY]: { userId: user.id, until } });
    store.audit.record('viewas.started', root.username, user.username, { by, until });
    return { user, until };
  });
}

/** Stops impersonation mode's view-as; always allowed. The user it ended, if any. */
export function stopGlobalViewAs(store: Store, by: string): string | undefined {
  return writeTransaction(store.db, () => {
    const current = globalViewAs(store, store.clock.now());
    const root = findRootUser(store.settings, store.users);
    store.settings.setMany({ [GLOBAL_KEY]: null });
    if (current) store.audit.record('viewas.stopped', root?.username ?? null, current.user.username, { by });
    return current?.user.username;
  });
}

/** With logins: the session's viewed user, when still valid. */
export function sessionViewAs(store: Store, session: SessionRow, now: number): User | undefined {
  if (!session.viewAsUserId || !session.viewAsUntil || session.viewAsUntil <= now) return undefined;
  const user = store.users.findById(session.viewAsUserId);
  return user?.enabled ? user : undefined;
}

/** With logins: an Admin's session starts viewing as a user. */
export function startSessionViewAs(store: Store, session: SessionRow, admin: User, username: string): User {
  return writeTransaction(store.db, () => {
    // The session and the Admin as they are now: a demotion or logout elsewhere wins.
    const live = store.sessions.find(session.id);
    const viewer = live?.userId === admin.id ? store.users.findById(admin.id) : undefined;
    if (!live || !viewer?.enabled) throw new LatchkeyError('SESSION_REQUIRED', 'the session has ended; sign in again');
    if (viewer.role !== 'Admin') throw new LatchkeyError('FORBIDDEN', 'only an Admin may view as another user');
    const now = store.clock.now();
    const current = sessionViewAs(store, live, now);
    if (current) {
      throw new LatchkeyError('VIEW_AS_INVALID', `already viewing as "${current.username}"; stop that first`);
    }
    const user = target(store, username, viewer);
    store.sessions.setViewAs(live.id, user.id, now + VIEW_AS_MS);
    store.audit.record('viewas.started', viewer.username, user.username, { until: now + VIEW_AS_MS });
    return user;
  });
}

/** Stopping is always allowed to the real user of the session. */
export function stopSessionViewAs(store: Store, session: SessionRow, admin: User): void {
  writeTransaction(store.db, () => {
    const live = store.sessions.find(session.id);
    const current = live && sessionViewAs(store, live, store.clock.now());
    store.sessions.setViewAs(session.id, null, null);
    if (current) store.audit.record('viewas.stopped', admin.username, current.username);
  });
}
