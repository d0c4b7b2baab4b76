import type { Db } from './open.js';

export interface Ban {
  id: number;
  username: string;
  /** Who tried: `uid:<n>` (the OS user of a loopback connection) or the shared `unknown`. */
  client: string;
  createdAt: number;
  until: number;
}

interface BanRow {
  id: number;
  username: string;
  client: string;
  created_at: number;
  until: number;
}

const toBan = (r: BanRow): Ban => ({
  id: r.id,
  username: r.username,
  client: r.client,
  createdAt: r.created_at,
  until: r.until,
});

/** Failed sign-ins and the bans they lead to, per username and client (SPEC §3). */
export class RegulationRepo {
  private readonly insertFailure;
  private readonly countFor;
  private readonly countAll;
  private readonly pruneFailures;
  private readonly clearFor;
  private readonly clearForUser;
  private readonly insertBan;
  private readonly activeFor;
  private readonly activeAll;
  private readonly lift;

  constructor(db: Db) {
    this.insertFailure = db.prepare<[string, string, number]>(
      'INSERT INTO login_failures (username, client, at) VALUES (?, ?, ?)',
    );
    this.countFor = db
      .prepare<[string, string, number]>(
        'SELECT count(*) FROM login_failures WHERE username = ? AND client = ? AND at > ?',
      )
      .pluck();
    this.countAll = db.prepare<[number]>('SELECT count(*) FROM login_failures WHERE at > ?').pluck();
    this.pruneFailures = db.prepare<[number]>('DELETE FROM login_failures WHERE at <= ?');
    this.clearFor = db.prepare<[string, string]>('DELETE FROM login_failures WHERE username = ? AND client = ?');
    this.clearForUser = db.prepare<[string]>('DELETE FROM login_failures WHERE username = ?');
    this.insertBan = db.prepare<[string, string, number, number]>(
      'INSERT INTO bans (username, client, created_at, until) VALUES (?, ?, ?, ?)',
    );
    this.activeFor = db.prepare<[string, string, number], BanRow>(
      `SELECT * FROM bans WHERE username = ? AND client = ? AND until > ? AND lifted_at IS NULL
       ORDER BY until DESC LIMIT 1`,
    );
    this.activeAll = db.prepare<[number], BanRow>(
      'SELECT * FROM bans WHERE until > ? AND lifted_at IS NULL ORDER BY until DESC',
    );
    this.lift = db.prepare<[number, string, string, number]>(
      'UPDATE bans SET lifted_at = ?, lifted_by = ? WHERE username = ? AND until > ? AND lifted_at IS NULL',
    );
  }

  addFailure(username: string, client: string, at: number): void {
    this.insertFailure.run(username, client, at);
  }

  failuresSince(username: string, client: string, since: number): number {
    return this.countFor.get(username, client, since) as number;
  }

  allFailuresSince(since: number): number {
    return this.countAll.get(since) as number;
  }

  forgetFailuresBefore(at: number): void {
    this.pruneFailures.run(at);
  }

  /** Forgets one client's failures for a username, or every client's without one. */
  clearFailures(username: string, client?: string): void {
    if (client === undefined) this.clearForUser.run(username);
    else this.clearFor.run(username, client);
  }

  ban(username: string, client: string, at: number, until: number): void {
    this.insertBan.run(username, client, at, until);
  }

  activeBan(username: string, client: string, now: number): Ban | undefined {
    const row = this.activeFor.get(username, client, now);
    return row && toBan(row);
  }

  activeBans(now: number): Ban[] {
    return this.activeAll.all(now).map(toBan);
  }

  /** Lifts a username's bans for every client; true when one was active. */
  liftBan(username: string, by: string, now: number): boolean {
    return this.lift.run(now, by, username, now).changes > 0;
  }
}
