import { USERNAME_PATTERN } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { AuditRepo } from '../db/audit-repo.js';
import type { User, UsersRepo } from '../db/users-repo.js';
import type { Db } from '../db/open.js';
import { whenWritable, writeTransaction } from '../db/write.js';
import type { HashGate } from './hash-gate.js';
import { ARGON2_PARAMS, generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { SIGN_UP, UNKNOWN_CLIENT, type Regulation } from './regulation.js';
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

  /**
   * `client` names who tries (`uid:<n>`, see Regulation): failures and bans are kept per
   * username and client, so another OS user's guesses never lock the owner out.
   */
  async signIn(
    usernameInput: string,
    password: string,
    client = UNKNOWN_CLIENT,
  ): Promise<{ user: User; session: SessionRow }> {
    const username = usernameInput.trim().toLowerCase();
    // Junk never reaches the failure table or the audit log as typed.
    const subject = USERNAME_PATTERN.test(username) ? username : '(invalid username)';
    const user = subject === username ? this.users.findByUsername(username) : undefined;
    const usable = passwordProblem(password) === undefined;
    const hash = user?.passwordHash ?? (await (this.dummyHash ??= hashPassword(generatePassword())));
    const matches = await this.checkPassword(subject, client, hash, usable ? password : generatePassword());

    if (!user || !user.enabled || !matches || !usable) {
      // A failure that cannot be counted is not answered as a failure: 503, not 401.
      await this.write(() => this.regulation.recordFailure(subject, client));
      throw new LatchkeyError('LOGIN_FAILED', FAILED);
    }

    const upgraded = needsRehash(user.passwordHash)
      ? await this.gate.run(() => hashPassword(password), client)
      : undefined;
    const session = await this.startSession(user, upgraded, () => this.regulation.succeeded(username, client));
    return { user, session };
  }

  /**
   * "Change my password" proves the current one: regulated and audited like a sign-in,
   * in the same bucket (username and client), so it is no side door for guessing.
   */
  async proveCurrentPassword(user: User, password: string, client: string): Promise<void> {
    const usable = passwordProblem(password) === undefined;
    const matches = await this.checkPassword(
      user.username,
      client,
      user.passwordHash,
      usable ? password : generatePassword(),
    );
    if (!matches || !usable) {
      await this.write(() => this.regulation.recordFailure(user.username, client, { via: 'password.change' }));
      throw new LatchkeyError('PASSWORD_INVALID', 'the current password is wrong');
    }
    await this.write(() => this.regulation.succeeded(user.username, client));
  }

  /**
   * Admits one sign-up attempt from a client, counting it before any work is done: at
   * most regulation.max-retries attempts per client within find-time, whatever their outcome.
   */
  async admitSignUp(client: string): Promise<void> {
    this.regulation.assertAllowed(SIGN_UP, client);
    await this.write(() => this.regulation.recordAttempt(SIGN_UP, client));
    await this.regulation.slowDown();
  }

  /** Hashes a new password within the cap on concurrent hashing. */
  hash(password: string, client = UNKNOWN_CLIENT): Promise<string> {
    return this.gate.run(() => hashPassword(password), client);
  }

  /** Signs in a user who just proved their password another way (their sign-up). */
  async signedUp(user: User): Promise<{ user: User; session: SessionRow }> {
    return { user, session: await this.startSession(user, undefined) };
  }

  /**
   * The password check, within the ban and the hash cap. The ban is checked again once
   * the check's turn comes and once it is done: a burst of guesses sent at once must not
   * be checked, nor learn a right answer, after the guesses before it earned a ban.
   */
  private async checkPassword(subject: string, client: string, hash: string, password: string): Promise<boolean> {
    this.regulation.assertAllowed(subject, client);
    await this.regulation.slowDown();
    const matches = await this.gate.run(() => {
      this.regulation.assertAllowed(subject, client);
      return verifyPassword(hash, password);
    }, client);
    this.regulation.assertAllowed(subject, client);
    return matches;
  }

  /** A write of regulation's bookkeeping that waits its turn, and answers 503 when it cannot. */
  private write(work: () => void): Promise<void> {
    return whenWritable(() => writeTransaction(this.db, work));
  }

  private startSession(user: User, upgraded: string | undefined, andThen?: () => void): Promise<SessionRow> {
    return whenWritable(() =>
      writeTransaction(this.db, () => {
        // Under the lock: disabled, deleted or given a new password while we verified
        // (a rehash by a concurrent sign-in keeps the password, and its change time).
        const current = this.users.findById(user.id);
        if (!current?.enabled || current.passwordChangedAt !== user.passwordChangedAt) {
          throw new LatchkeyError('LOGIN_FAILED', FAILED);
        }
        if (upgraded) this.users.rehash(user.id, upgraded);
        this.users.recordLogin(user.id);
        andThen?.();
        this.audit.record('login', user.username, user.username);
        return this.sessions.start(user);
      }),
    );
  }
}
