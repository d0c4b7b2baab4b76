import { LatchkeyError } from '../common/errors.js';
import { hashPassword, passwordProblem } from './auth/passwords.js';
import { findRootUser } from './auth/root-admin.js';
import { removeFile } from './data-dir.js';
import type { User } from './db/users-repo.js';
import type { Store } from './store.js';

/**
 * Sets a user's password as chosen by a person; works whether or not a gateway is
 * running, since that gateway sees the commit on its next request.
 */
export async function resetPassword(
  store: Store,
  input: { username: string; password: string; enable?: boolean },
): Promise<User> {
  const user = store.users.findByUsername(input.username.toLowerCase());
  if (!user) throw new LatchkeyError('BAD_ARGUMENT', `no user "${input.username}"`);
  const problem = passwordProblem(input.password);
  if (problem) throw new LatchkeyError('BAD_ARGUMENT', problem);
  const hash = await hashPassword(input.password);
  store.db.transaction(() => {
    store.users.setPassword(user.id, hash, true);
    if (input.enable) store.users.setEnabled(user.id, true);
  })();
  // The generated password is no longer valid: leave no stale secret behind.
  if (findRootUser(store.settings, store.users)?.id === user.id) removeFile(store.files.initialAdminPassword);
  return store.users.findById(user.id) as User;
}
