import type { AuditKind } from '../../common/audit.js';
import type { Clock } from '../clock.js';
import type { Db } from './open.js';

export type { AuditKind };

export interface AuditEntry {
  id: number;
  at: number;
  kind: AuditKind;
  actor: string | null;
  subject: string | null;
  detail: Record<string, unknown>;
}

interface AuditRow {
  id: number;
  at: number;
  kind: AuditKind;
  actor: string | null;
  subject: string | null;
  detail: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> });

export class AuditRepo {
  private readonly insert;
  private readonly page;
  private readonly filtered;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare<[number, string, string | null, string | null, string]>(
      'INSERT INTO audit (at, kind, actor, subject, detail) VALUES (?, ?, ?, ?, ?)',
    );
    this.page = db.prepare<[number, number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?');
    this.filtered = db.prepare<{ kind: string | null; user: string | null; limit: number; offset: number }, AuditRow>(
      `SELECT * FROM audit
       WHERE (@kind IS NULL OR kind = @kind OR kind LIKE @kind || '.%')
         AND (@user IS NULL OR actor = @user OR subject = @user)
       ORDER BY id DESC LIMIT @limit OFFSET @offset`,
    );
  }

  /** `actor` did `kind` to `subject`; one of SYSTEM_ACTORS when no user acted. */
  record(kind: AuditKind, actor: string | null, subject: string | null, detail: Record<string, unknown> = {}): void {
    this.insert.run(this.clock.now(), kind, actor, subject, JSON.stringify(detail));
  }

  /** Newest first. */
  list(limit: number, offset = 0): AuditEntry[] {
    return this.page.all(limit, offset).map(toEntry);
  }

  /** Newest first, by kind (`login` also matches `login.failed`) and by user (actor or subject). */
  query(filter: { kind?: string | undefined; user?: string | undefined; limit: number; offset: number }): AuditEntry[] {
    return this.filtered
      .all({ kind: filter.kind || null, user: filter.user || null, limit: filter.limit, offset: filter.offset })
      .map(toEntry);
  }
}
