import type { Role } from '../../common/apps.js';
import type { Clock } from '../clock.js';
import type { Db } from './open.js';

export interface User {
  id: number;
  username: string;
  email: string;
  displayName: string;
  role: Role;
  enabled: boolean;
  passwordHash: string;
  passwordChosen: boolean;
  createdAt: number;
  lastLoginAt: number | null;
  passwordChangedAt: number;
}

interface UserRow {
  id: number;
  username: string;
  email: string;
  display_name: string;
  role: Role;
  enabled: 0 | 1;
  password_hash: string;
  password_chosen: 0 | 1;
  created_at: number;
  last_login_at: number | null;
  password_changed_at: number;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    enabled: row.enabled === 1,
    passwordHash: row.password_hash,
    passwordChosen: row.password_chosen === 1,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    passwordChangedAt: row.password_changed_at,
  };
}

export interface NewUser {
  username: string;
  email: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  passwordChosen: boolean;
}

export class UsersRepo {
  private readonly byId;
  private readonly byUsername;
  private readonly firstAdmin;
  private readonly insert;
  private readonly updatePassword;
  private readonly updateEnabled;
  private readonly updateRole;
  private readonly updateLastLogin;
  private readonly updateHashOnly;
  private readonly deleteRow;
  private readonly selectAll;
  private readonly enabledAdmins;
  private readonly byEmail;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.firstAdmin = db.prepare<[], UserRow>(
      `SELECT * FROM users WHERE role = 'Admin' AND enabled = 1 ORDER BY id LIMIT 1`,
    );
    this.insert = db.prepare<[string, string, string, Role, string, 0 | 1, number, number]>(
      `INSERT INTO users (username, email, display_name, role, password_hash, password_chosen, created_at,
                          password_changed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updatePassword = db.prepare<[string, 0 | 1, number, number]>(
      'UPDATE users SET password_hash = ?, password_chosen = ?, password_changed_at = ? WHERE id = ?',
    );
    this.updateEnabled = db.prepare<[0 | 1, number]>('UPDATE users SET enabled = ? WHERE id = ?');
    this.updateRole = db.prepare<[Role, number]>('UPDATE users SET role = ? WHERE id = ?');
    this.updateLastLogin = db.prepare<[number, number]>('UPDATE users SET last_login_at = ? WHERE id = ?');
    this.updateHashOnly = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
    this.deleteRow = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
    this.selectAll = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
    this.enabledAdmins = db.prepare(`SELECT count(*) FROM users WHERE role = 'Admin' AND enabled = 1`).pluck();
    this.byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE lower(email) = lower(?) LIMIT 1');
  }

  /** The user with this email, whatever its case (emails are ASCII: lower() is exact). */
  findByEmail(email: string): User | undefined {
    const row = this.byEmail.get(email);
    return row && toUser(row);
  }

  list(): User[] {
    return this.selectAll.all().map(toUser);
  }

  countEnabledAdmins(): number {
    return this.enabledAdmins.get() as number;
  }

  setRole(id: number, role: Role): void {
    this.updateRole.run(role, id);
  }

  recordLogin(id: number): void {
    this.updateLastLogin.run(this.clock.now(), id);
  }

  /** The same password under stronger parameters: not a password change. */
  rehash(id: number, passwordHash: string): void {
    this.updateHashOnly.run(passwordHash, id);
  }

  delete(id: number): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  /** A password a person chose (`chosen`) or one Latchkey generated. */
  setPassword(id: number, passwordHash: string, chosen: boolean): void {
    this.updatePassword.run(passwordHash, chosen ? 1 : 0, this.clock.now(), id);
  }

  setEnabled(id: number, enabled: boolean): void {
    this.updateEnabled.run(enabled ? 1 : 0, id);
  }

  findById(id: number): User | undefined {
    const row = this.byId.get(id);
    return row && toUser(row);
  }

  findByUsername(username: string): User | undefined {
    const row = this.byUsername.get(username);
    return row && toUser(row);
  }

  /** The oldest enabled Admin: who impersonation mode asserts when no root is recorded. */
  oldestEnabledAdmin(): User | undefined {
    const row = this.firstAdmin.get();
    return row && toUser(row);
  }

  create(user: NewUser): User {
    const at = this.clock.now();
    const { lastInsertRowid } = this.insert.run(
      user.username,
      user.email,
      user.displayName,
      user.role,
      user.passwordHash,
      user.passwordChosen ? 1 : 0,
      at,
      at,
    );
    return this.findById(Number(lastInsertRowid)) as User;
  }
}
