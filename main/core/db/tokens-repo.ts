import type { Db } from './open.js';

export interface TokenRow {
  id: string;
  userId: number;
  username: string;
  secretHash: string;
  description: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: string;
  user_id: number;
  username: string;
  secret_hash: string;
  description: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toToken = (r: Row): TokenRow => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  secretHash: r.secret_hash,
  description: r.description,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

interface CredentialRow {
  user_id: number;
  secret_hash: string;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type Credential = Pick<TokenRow, 'userId' | 'secretHash' | 'expiresAt' | 'lastUsedAt' | 'revokedAt'>;

const SELECT = 'SELECT tokens.*, users.username FROM tokens JOIN users ON users.id = tokens.user_id';

export class TokensRepo {
  private readonly insertRow;
  private readonly byId;
  private readonly credentialOf;
  private readonly all;
  private readonly revokeRow;
  private readonly touchRow;

  constructor(db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO tokens (id, user_id, secret_hash, description, created_by, created_at, expires_at)
       VALUES (@id, @userId, @secretHash, @description, @createdBy, @createdAt, @expiresAt)`,
    );
    this.byId = db.prepare<[string], Row>(`${SELECT} WHERE tokens.id = ?`);
    this.credentialOf = db.prepare<[string], CredentialRow>(
      'SELECT user_id, secret_hash, expires_at, last_used_at, revoked_at FROM tokens WHERE id = ?',
    );
    this.all = db.prepare<[], Row>(`${SELECT} ORDER BY tokens.created_at DESC`);
    this.revokeRow = db.prepare<[number, string]>(
      'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.touchRow = db.prepare<[number, string]>('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  }

  insert(token: Omit<TokenRow, 'username' | 'lastUsedAt' | 'revokedAt'>): void {
    this.insertRow.run(token);
  }

  find(id: string): TokenRow | undefined {
    const row = this.byId.get(id);
    return row && toToken(row);
  }

  /** What checking a presented token needs, from the tokens table alone: the request hot path. */
  credential(id: string): Credential | undefined {
    const row = this.credentialOf.get(id);
    return (
      row && {
        userId: row.user_id,
        secretHash: row.secret_hash,
        expiresAt: row.expires_at,
        lastUsedAt: row.last_used_at,
        revokedAt: row.revoked_at,
      }
    );
  }

  list(): TokenRow[] {
    return this.all.all().map(toToken);
  }

  /** True when a live token was revoked now. */
  revoke(id: string, at: number): boolean {
    return this.revokeRow.run(at, id).changes > 0;
  }

  touch(id: string, at: number): void {
    this.touchRow.run(at, id);
  }
}
