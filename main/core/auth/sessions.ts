import { randomBytes } from 'node:crypto';
import type * as Jose from 'jose';
import type { Clock } from '../clock.js';
import type { Bookkeeping } from './bookkeeping.js';
import type { SessionRow, SessionsRepo } from '../db/sessions-repo.js';
import type { User, UsersRepo } from '../db/users-repo.js';

/** The JOSE library, loaded at the first session token: a gateway without sign-ins never needs it. */
let joseModule: Promise<typeof Jose> | undefined;
const jose = () => (joseModule ??= import('jose'));

export const SESSION_TYP = 'latchkey-session+jwt';
const ISSUER = 'latchkey';
const ALGORITHM = 'HS256';
/** Real tokens are ~250 bytes; anything far larger is refused before parsing. */
const MAX_TOKEN_LENGTH = 1024;
/** Writes of last-seen are spaced out: idle expiry needs minutes, not every request. */
const TOUCH_EVERY_MS = 60_000;
const CACHE_LIMIT = 10_000;

export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

/** What a verified token says: the session it names, and the OS user it is bound to. */
export interface VerifiedToken {
  sid: string;
  /** The `peer` claim (see peer-binding.ts); absent where the OS does not say. */
  peer: string | undefined;
}

export interface SignedIn {
  user: User;
  session: SessionRow;
}

/**
 * Sessions as rows, carried by signed tokens. The token only names a session; the row
 * makes it valid, so deleting rows (logout, password change, disabling…) ends the
 * session on every host at the next request, whichever process deleted them.
 */
export class Sessions {
  /** Tokens whose signature and claims already verified: `audience \n token` → claims. */
  private readonly verified = new Map<string, VerifiedToken & { exp: number }>();

  constructor(
    private readonly repo: SessionsRepo,
    private readonly users: UsersRepo,
    private readonly key: Uint8Array,
    private readonly clock: Clock,
    private readonly lifetimes: SessionLifetimes,
    /** Where last-seen goes: written in batches, never by the request that saw it. */
    private readonly bookkeeping: Bookkeeping,
  ) {}

  start(user: User): SessionRow {
    const now = this.clock.now();
    const session: SessionRow = {
      id: randomBytes(16).toString('base64url'),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.lifetimes.absoluteMs,
    };
    this.repo.deleteExpiredBefore(now);
    this.repo.create(session);
    return session;
  }

  /**
   * A token for one host (`audience` is its origin), valid until the session's absolute
   * end, bound to the OS user whose connection asked for it (`peer`, signed with the rest).
   */
  async token(session: SessionRow, audience: string, peer: string | undefined): Promise<string> {
    const { SignJWT } = await jose();
    return new SignJWT(peer === undefined ? { sid: session.id } : { sid: session.id, peer })
      .setProtectedHeader({ alg: ALGORITHM, typ: SESSION_TYP })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(Math.floor(this.clock.now() / 1000))
      .setExpirationTime(Math.floor(session.expiresAt / 1000))
      .sign(this.key);
  }

  /** The session a token names and its binding, if its signature and claims hold for this audience. */
  async verify(token: string, audience: string): Promise<VerifiedToken | undefined> {
    const now = this.clock.now();
    const cacheKey = `${audience}\n${token}`;
    const cached = this.verified.get(cacheKey);
    if (cached) return cached.exp * 1000 > now ? { sid: cached.sid, peer: cached.peer } : undefined;
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const { jwtVerify } = await jose();
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        typ: SESSION_TYP,
        issuer: ISSUER,
        audience,
        requiredClaims: ['exp', 'iat', 'sid'],
        currentDate: new Date(now),
      });
      const { sid, exp, iat, peer } = payload as { sid: unknown; exp: number; iat: number; peer?: unknown };
      // jose checks that iat is a number, not that it is in the past.
      if (typeof sid !== 'string' || iat * 1000 > now + 5_000) return undefined;
      if (peer !== undefined && typeof peer !== 'string') return undefined;
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(cacheKey, { sid, peer, exp });
      return { sid, peer };
    } catch {
      return undefined;
    }
  }

  /**
   * Who a session id belongs to, if the session is still alive; keeps it alive unless
   * `touch` is false (a look that is not the user's activity). Reads only: last-seen is
   * noted for the next batch, and counts for idle expiry from now on.
   */
  resolve(sid: string, { touch = true }: { touch?: boolean } = {}): SignedIn | undefined {
    const row = this.repo.find(sid);
    if (!row) return undefined;
    const now = this.clock.now();
    const lastSeenAt = Math.max(row.lastSeenAt, this.bookkeeping.sessionLastSeen(sid) ?? 0);
    if (row.expiresAt <= now || now - lastSeenAt >= this.lifetimes.idleMs) {
      this.bookkeeping.sessionEnded(sid);
      return undefined;
    }
    const user = this.users.findById(row.userId);
    if (!user?.enabled) return undefined;
    if (touch && now - lastSeenAt >= TOUCH_EVERY_MS) this.bookkeeping.sessionSeen(sid, now);
    return { user, session: { ...row, lastSeenAt } };
  }

  end(sid: string): boolean {
    return this.repo.delete(sid);
  }
}
