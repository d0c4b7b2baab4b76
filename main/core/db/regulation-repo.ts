import type { Db } from './open.js';

export interface Ban {
  id: number;
  username: string;
  createdAt: number;
  until: number;
}

interface BanRow {
  id: number;
  username: string;
  created_at: number;
  until: number;
}

const toBan = (r: BanRow): Ban => ({ id: r.id, username: r.username, createdAt: r.created_at, until: r.until });

/** Failed sign-ins and the bans they lead to (SPEC §3). */
export class RegulationRepo {
  private readonly insertFailure;
  private readonly countForUser;
  private readonly countAll;
  private readonly pruneFailures;
  private readonly clearForUser;
  private readonly insertBan;
  private readonly activeFor;
  private readonly activeAll;
  private readonly lift;

  constructor(db: Db) {
    this.insertFailure = db.prepare<[string, number]>('INSERT INTO login_failures (username, at) VALUES (?, ?)');
    this.countForUser = db
      .prepare<[string, number]>('SELECT count(*) FROM login_failures WHERE username = ? AND at > ?')
      .pluck();
    this.countAll = db.prepare<[number]>('SELECT count(*) FROM login_failures WHERE at > ?').pluck();
    this.pruneFailures = db.prepare<[number]>('DELETE FROM login_failures WHERE at <= ?');
    this.clearForUser = db.prepare<[string]>('DELETE FROM login_failures WHERE username = ?');
    this.insertBan = db.prepare<[string, number, number]>(
      'INSERT INTO bans (username, created_at, until) VALUES (?, ?, ?)',
    );
    this.activeFor = db.prepare<[string, number], BanRow>(
      `SELECT * FROM bans WHERE username = ? AND until > ? AND lifted_at IS NULL ORDER BY until DESC LIMIT 1`,
    );
    this.activeAll = db.prepare<[number], BanRow>(
      'SELECT * FROM bans WHERE until > ? AND lifted_at IS NULL ORDER BY until DESC',
    );
    this.lift = db.prepare<[number, string, string, number]>(
      'UPDATE bans SET lifted_at = ?, lifted_by = ? WHERE username = ? AND until > ? AND lifted_at IS NULL',
    );
  }

  addFailure(username: string, at: number): void {
    this.insertFailure.run(username, at);
  }

  failuresSince(username: string, since: number): number {
    return this.countForUser.get(username, since) as number;
  }

  allFailuresSince(since: number): number {
    return this.countAll.get(since) as number;
  }

  forgetFailuresBefore(at: number): void {
    this.pruneFailures.run(at);
  }

  clearFailures(username: string): void {
    this.clearForUser.run(username);
  }

  ban(username: string, at: number, until: number): void {
    this.insertBan.run(username, at, until);
  }

  activeBan(username: string, now: number): Ban | undefined {
    const row = this.activeFor.get(username, now);
    return row && toBan(row);
  }

  activeBans(now: number): Ban[] {
    return this.activeAll.all(now).map(toBan);
  }

  /** True when a ban was active and is now lifted. */
  liftBan(username: string, by: string, now: number): boolean {
    return this.lift.run(now, by, username, now).changes > 0;
  }
}
