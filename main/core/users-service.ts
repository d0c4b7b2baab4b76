import type { UserDto } from '../common/api.js';
import { EMAIL_PATTERN, EMAIL_RULE, ROLES, USERNAME_PATTERN, USERNAME_RULE, type Role } from '../common/apps.js';
import { LatchkeyError } from '../common/errors.js';
import type { Login } from './auth/login.js';
import { hashPassword, passwordProblem } from './auth/passwords.js';
import { liftBan } from './auth/regulation.js';
import { findRootUser, ROOT_USER_KEY } from './auth/root-admin.js';
import { removeFile } from './data-dir.js';
import type { User } from './db/users-repo.js';
import { whenWritable, writeTransaction } from './db/write.js';
import type { Store } from './store.js';

/** Who made a change, for the audit log: a username, or `cli` for the command line. */
export type Actor = string;

/** Users as stored, minus what must never leave the core. */
export type UserView = UserDto;

export function viewOf(user: User): UserView {
  const { username, email, displayName, role, enabled, createdAt, lastLoginAt, passwordChangedAt } = user;
  return { username, email, displayName, role, enabled, createdAt, lastLoginAt, passwordChangedAt };
}

function requireUser(store: Store, username: string): User {
  const user = store.users.findByUsername(username.trim().toLowerCase());
  if (!user) throw new LatchkeyError('USER_NOT_FOUND', `no user "${username}"`);
  return user;
}

function assertPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new LatchkeyError('PASSWORD_INVALID', problem);
}

/** The last enabled Admin stays one: there is no way to lock everybody out. */
function assertNotLastAdmin(store: Store, user: User, change: string): void {
  if (user.role === 'Admin' && user.enabled && store.users.countEnabledAdmins() <= 1) {
    throw new LatchkeyError('LAST_ADMIN', `"${user.username}" is the last enabled Admin and cannot be ${change}`);
  }
}

/** The initial password file names a password nobody uses any more: remove it. */
function forgetInitialPassword(store: Store, user: User): void {
  if (findRootUser(store.settings, store.users)?.id === user.id) removeFile(store.files.initialAdminPassword);
}

/** Inserts a user; another process (the CLI) taking the name first is a 409, not a crash. */
/**
 * Creates a user's row. An email is one person's: apps that match users by email (SigNoz
 * finds its root user so, Grafana's auth proxy can) would take a stranger who signed up
 * with the admin's address for the admin. Checked in the writing transaction, any case.
 */
function createRow(store: Store, row: Parameters<Store['users']['create']>[0]): User {
  if (store.users.findByEmail(row.email)) {
    throw new LatchkeyError('USER_EXISTS', `the email ${row.email} belongs to another user already`);
  }
  try {
    return store.users.create(row);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new LatchkeyError('USER_EXISTS', `user "${row.username}" already exists`);
    }
    throw error;
  }
}

export interface NewUserInput {
  username: string;
  password: string;
  role?: string;
  email?: string;
  displayName?: string;
}

/** Hashes a new password; sign-up passes one that runs within the cap on concurrent hashing. */
export type Hasher = (password: string) => Promise<string>;

export async function createUser(
  store: Store,
  input: NewUserInput,
  actor: Actor,
  hash: Hasher = hashPassword,
): Promise<UserView> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    throw new LatchkeyError('USER_INVALID', `username ${USERNAME_RULE}`);
  }
  const role = (input.role ?? 'ReadOnly') as Role;
  if (!ROLES.includes(role))
    throw new LatchkeyError('USER_INVALID', `role must be Admin or ReadOnly, not "${input.role}"`);
  const email = input.email ?? `${username}@localhost.localdomain`;
  if (!EMAIL_PATTERN.test(email)) throw new LatchkeyError('USER_INVALID', `email "${email}" ${EMAIL_RULE}`);
  const displayName = (input.displayName ?? username).trim().slice(0, 100) || username;
  assertPassword(input.password);
  if (store.users.findByUsername(username)) throw new LatchkeyError('USER_EXISTS', `user "${username}" already exists`);
  const passwordHash = await hash(input.password);
  const user = await whenWritable(() =>
    writeTransaction(store.db, () => {
      // Checked again: another sign-up for the same name may have finished while this one hashed.
      if (store.users.findByUsername(username)) {
        throw new LatchkeyError('USER_EXISTS', `user "${username}" already exists`);
      }
      const created = createRow(store, { username, email, displayName, role, passwordHash, passwordChosen: true });
      store.audit.record('user.created', actor, username, { role });
      return created;
    }),
  );
  return viewOf(user);
}

/**
 * Sets a password chosen by a person; works whether or not a gateway is running, since
 * it sees the commit on its next request. Ends the user's sessions everywhere.
 */
export async function resetPassword(
  store: Store,
  input: { username: string; password: string; enable?: boolean },
  actor: Actor,
): Promise<UserView> {
  requireUser(store, input.username);
  assertPassword(input.password);
  const hash = await hashPassword(input.password);
  const user = await whenWritable(() =>
    writeTransaction(store.db, () => {
      // Read again under the lock: the user may have gone while the password was hashed.
      const current = requireUser(store, input.username);
      store.users.setPassword(current.id, hash, true);
      store.sessions.deleteForUser(current.id);
      store.audit.record('password.reset', actor, current.username, { enabled: input.enable === true });
      if (input.enable) {
        store.users.setEnabled(current.id, true);
        liftBan(store, current.username, actor);
      }
      return current;
    }),
  );
  forgetInitialPassword(store, user);
  return viewOf(requireUser(store, user.username));
}

/** How a password change proves the current password and hashes the new one (auth's Login). */
export type PasswordProof = Pick<Login, 'proveCurrentPassword' | 'hash'>;

/**
 * A user changes their own password, proving they know the current one. The proof is
 * regulated and audited like a sign-in, per username and client (`uid:<n>`).
 */
export async function changeOwnPassword(
  store: Store,
  proof: PasswordProof,
  user: User,
  input: { currentPassword: string; newPassword: string },
  client: string,
  /** The session that made the change stays signed in; every other one ends. */
  keepSessionId?: string,
): Promise<void> {
  assertPassword(input.newPassword);
  await proof.proveCurrentPassword(user, input.currentPassword, client);
  const hash = await proof.hash(input.newPassword, client);
  await whenWritable(() =>
    writeTransaction(store.db, () => {
      // The current password was checked as it was; a reset since then wins.
      if (store.users.findById(user.id)?.passwordChangedAt !== user.passwordChangedAt) {
        throw new LatchkeyError('PASSWORD_INVALID', 'the password was changed meanwhile; sign in again');
      }
      store.users.setPassword(user.id, hash, true);
      store.sessions.deleteForUser(user.id, keepSessionId);
      store.audit.record('password.changed', user.username, user.username);
    }),
  );
  forgetInitialPassword(store, user);
}

/*
 * The last-Admin rule is checked inside the transaction that writes: checked before it,
 * two processes (the CLI and the gateway) could each see two Admins and each demote one.
 */

export function setRole(store: Store, username: string, role: Role, actor: Actor): UserView {
  return writeTransaction(store.db, () => {
    const user = requireUser(store, username);
    if (user.role === role) return viewOf(user);
    if (role !== 'Admin') assertNotLastAdmin(store, user, 'demoted');
    store.users.setRole(user.id, role);
    store.sessions.deleteForUser(user.id);
    store.audit.record('user.updated', actor, user.username, { role });
    return viewOf(requireUser(store, username));
  });
}

export function setEnabled(store: Store, username: string, enabled: boolean, actor: Actor): UserView {
  return writeTransaction(store.db, () => {
    const user = requireUser(store, username);
    if (user.enabled === enabled) return viewOf(user);
    if (!enabled) assertNotLastAdmin(store, user, 'disabled');
    store.users.setEnabled(user.id, enabled);
    if (!enabled) store.sessions.deleteForUser(user.id);
    store.audit.record('user.updated', actor, user.username, { enabled });
    return viewOf(requireUser(store, username));
  });
}

export function deleteUser(store: Store, username: string, actor: Actor): void {
  writeTransaction(store.db, () => {
    const user = requireUser(store, username);
    assertNotLastAdmin(store, user, 'deleted');
    store.users.delete(user.id); // its sessions go with it (ON DELETE CASCADE)
    forgetUserId(store, user.id);
    store.audit.record('user.deleted', actor, user.username);
  });
}

/**
 * The settings that name a user by id end with the user: SQLite gives a deleted user's
 * id to the next user created (the table has no AUTOINCREMENT), who must not become
 * whom impersonation mode views as, or its root Admin.
 */
function forgetUserId(store: Store, id: number): void {
  if (store.settings.get('viewas.global')?.userId === id) store.settings.setMany({ 'viewas.global': null });
  if (store.settings.get(ROOT_USER_KEY) === id) {
    const next = store.users.oldestEnabledAdmin();
    if (next) store.settings.setMany({ [ROOT_USER_KEY]: next.id });
  }
}

export function listUsers(store: Store): UserView[] {
  return store.users.list().map(viewOf);
}
