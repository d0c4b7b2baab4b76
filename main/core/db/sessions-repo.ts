import type { Db } from './open.js';

export interface SessionRow {
  id: string;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** With logins, the user this (Admin's) session views as, and until when. */
  viewAsUserId?: number | null;
  viewAsUntil?: number | null;
}

interface Row {
  id: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  view_as_user_id: number | null;
  view_as_until: number | null;
}

export class SessionsRepo {
  private readonly insertRow;
  private readonly selectRow;
  private readonly touchRow;
  private readonly deleteRow;
  private readonly deleteByUser;
  private readonly deleteExpired;
  private readonly setViewAsRow;

  constructor(db: Db) {
    this.insertRow = db.prepare<[string, number, number, number, number]>(
      'INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectRow = db.prepare<[string], Row>('SELECT * FROM sessions WHERE id = ?');
    this.touchRow = db.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
    this.deleteRow = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.deleteByUser = db.prepare<[number, string]>('DELETE FROM sessions WHERE user_id = ? AND id != ?');
    this.deleteExpired = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
    this.setViewAsRow = db.prepare<[number | null, number | null, string]>(
      'UPDATE sessions SET view_as_user_id = ?, view_as_until = ? WHERE id = ?',
    );
  }

  setViewAs(id: string, userId: number | null, until: number | null): void {
    this.setViewAsRow.run(userId, until, id);
  }

  create(session: SessionRow): void {
    this.insertRow.run(session.id, session.userId, session.createdAt, session.lastSeenAt, session.expiresAt);
  }

  find(id: string): SessionRow | undefined {
    const row = this.selectRow.get(id);
    return (
      row && {
        id: row.id,
        userId: row.user_id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        viewAsUserId: row.view_as_user_id,
        viewAsUntil: row.view_as_until,
      }
    );
  }

  touch(id: string, at: number): void {
    this.touchRow.run(at, id);
  }

  delete(id: string): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  /** Ends every session of a user: after a password change, disabling, a role change. */
  deleteForUser(userId: number, exceptId = ''): number {
    return this.deleteByUser.run(userId, exceptId).changes;
  }

  deleteExpiredBefore(at: number): number {
    return this.deleteExpired.run(at).changes;
  }
}
