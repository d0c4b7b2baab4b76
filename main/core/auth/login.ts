import { USERNAME_PATTERN } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { AuditRepo } from '../db/audit-repo.js';
import type { User, UsersRepo } from '../db/users-repo.js';
import type { Db } from '../db/open.js';
import { whenWritable, writeTransaction } from '../db/write.js';
import type { HashGate } from './hash-gate.js';
import { ARGON2_PARAMS, generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { Regulation } from './regulation.js';
import type { Sessions } from './sessions.js';
import type { SessionRow } from '../db/sessions-repo.js';

const FAILED = 'wrong username or password';

/** True when a hash was made with weaker parameters than the ones pinned now. */
export function needsRehash(hash: string): boolean {
  const match = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
  if (!match) return true;
  const [, m, t, p] = match.map(Number) as [number, number, number, number];
  return m < ARGON2_PARAMS.memoryCost || t < ARGON2_PARAMS.timeCost || p < ARGON2_PARAMS.parallelism;
}

/**
 * Username and password sign-in. An unknown user, a disabled one and a wrong password
 * get the same answer after the same work: a verify against a dummy hash stands in for
 * the user who does not exist.
 */
export class Login {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Db,
    private readonly users: UsersRepo,
    private readonly sessions: Sessions,
    private readonly regulation: Regulation,
    private readonly audit: AuditRepo,
    private readonly gate: HashGate,
  ) {}

  async signIn(usernameInput: string, password: string): Promise<{ user: User; session: SessionRow }> {
    const username = usernameInput.trim().toLowerCase();
    // Junk never reaches the failure table or the audit log as typed.
    const subject = USERNAME_PATTERN.test(username) ? username : '(invalid username)';
    this.regulation.assertAllowed(subject);

    const user = subject === username ? this.users.findByUsername(username) : undefined;
    const usable = passwordProblem(password) === undefined;
    const hash = user?.passwordHash ?? (await (this.dummyHash ??= hashPassword(generatePassword())));
    const matches = await this.gate.run(() => verifyPassword(hash, usable ? password : generatePassword()));

    if (!user || !user.enabled || !matches || !usable) {
      // A failure that cannot be counted is not answered as a failure: 503, not 401.
      await whenWritable(() => writeTransaction(this.db, () => this.regulation.recordFailure(subject)));
      throw new LatchkeyError('LOGIN_FAILED', FAILED);
    }

    const upgraded = needsRehash(user.passwordHash) ? await this.gate.run(() => hashPassword(password)) : undefined;
    const session = await whenWritable(() =>
      writeTransaction(this.db, () => {
        // Under the lock: disabled, deleted or given a new password while we verified
        // (a rehash by a concurrent sign-in keeps the password, and its change time).
        const current = this.users.findById(user.id);
        if (!current?.enabled || current.passwordChangedAt !== user.passwordChangedAt) {
          throw new LatchkeyError('LOGIN_FAILED', FAILED);
        }
        if (upgraded) this.users.rehash(user.id, upgraded);
        this.users.recordLogin(user.id);
        this.regulation.succeeded(username);
        this.audit.record('login', username, username);
        return this.sessions.start(user);
      }),
    );
    return { user, session };
  }
}
