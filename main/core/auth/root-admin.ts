import { LatchkeyError } from '../../common/errors.js';
import type { Config } from '../config/config.js';
import { envName } from '../config/keys.js';
import { writeFileAtomically } from '../atomic-file.js';
import type { Db } from '../db/open.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { User, UsersRepo } from '../db/users-repo.js';
import { generatePassword, hashPassword, passwordProblem } from './passwords.js';

export const ROOT_USER_KEY = 'root.user-id';
const BOOTSTRAPPED_KEY = 'root.bootstrapped';

interface RootAdminDeps {
  db: Db;
  config: Config;
  settings: SettingsRepo;
  users: UsersRepo;
  passwordFile: string;
}

/**
 * First launch creates the built-in Admin from auth.internal.admin.* (SPEC §2). Those keys
 * are honoured once: later launches leave the user as people have since changed it.
 */
export async function ensureRootAdmin(deps: RootAdminDeps): Promise<void> {
  const { db, config, settings, users, passwordFile } = deps;
  if (settings.get(BOOTSTRAPPED_KEY) === true) return;

  if (!config.get('auth.internal.admin.create')) {
    if (!users.oldestEnabledAdmin()) {
      const by = config.pinned('auth.internal.admin.create')?.by ?? envName('auth.internal.admin.create');
      throw new LatchkeyError(
        'ADMIN_MISSING',
        `${by} is false and the database has no enabled Admin; set it to true or restore a backup`,
      );
    }
    settings.setMany({ [BOOTSTRAPPED_KEY]: true });
    return;
  }

  const given = config.get('auth.internal.admin.password');
  if (given !== undefined) {
    const problem = passwordProblem(given);
    const by = config.pinned('auth.internal.admin.password')?.by;
    if (problem) throw new LatchkeyError('CONFIG_INVALID_VALUE', `${by}: ${problem}`);
  }
  const password = given ?? generatePassword();
  // Hashing is slow and async; better-sqlite3 transactions must stay synchronous.
  const passwordHash = await hashPassword(password);
  const username = config.get('auth.internal.admin.name');

  db.transaction(() => {
    if (settings.get(BOOTSTRAPPED_KEY) === true) return; // another process got here first
    const existing = users.findByUsername(username);
    const root =
      existing ??
      users.create({
        username,
        email: config.get('auth.internal.admin.email'),
        displayName: 'Administrator',
        role: 'Admin',
        passwordHash,
        passwordChosen: given !== undefined,
      });
    // Inside the transaction, so the file never names a password that did not commit.
    if (!existing && given === undefined) writeFileAtomically(passwordFile, `${password}\n`);
    settings.setMany({ [ROOT_USER_KEY]: root.id, [BOOTSTRAPPED_KEY]: true });
  }).immediate();
}

/** The user impersonation mode asserts: the recorded root, else the oldest enabled Admin. */
export function findRootUser(settings: SettingsRepo, users: UsersRepo): User | undefined {
  const id = settings.get(ROOT_USER_KEY);
  const root = typeof id === 'number' ? users.findById(id) : undefined;
  return root?.enabled ? root : users.oldestEnabledAdmin();
}
