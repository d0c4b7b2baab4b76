import type { IncomingMessage } from 'node:http';
import type { Role } from '../../common/apps.js';
import type { ConsoleSessions } from '../api/console-sessions.js';
import type { AssertionSigner } from '../auth/assertion.js';
import type { Bookkeeping } from '../auth/bookkeeping.js';
import type { HandoffCodes } from '../auth/handoff.js';
import type { Login } from '../auth/login.js';
import type { SignedIn, Sessions } from '../auth/sessions.js';
import { LatchkeyError } from '../../common/errors.js';
import { bindingHolds, type Peer } from '../auth/peer-binding.js';
import type { Store } from '../store.js';
import { readCookie, sessionCookieName } from './cookies.js';
import { peerOf } from './peer-user.js';

/** What the sign-in routes and the identity check share. */
export interface AuthDeps {
  store: Store;
  sessions: Sessions;
  login: Login;
  codes: HandoffCodes;
  /** The role of people who sign themselves up; undefined while sign-up is off. */
  signupRole: Role | undefined;
  signer: AssertionSigner;
  consoleSessions: ConsoleSessions;
  /** Last-seen and last-used times, written off the request path. */
  bookkeeping: Bookkeeping;
}

/**
 * The signed-in user of this host's session cookie, if it is alive and presented over a
 * connection of the OS user it is bound to: a cookie another local program received
 * (cookies ignore ports) is worth nothing over that program's own connection.
 */
export async function sessionOf(
  req: IncomingMessage,
  auth: AuthDeps,
  hostOrigin: string,
  port: number,
  { peek = false }: { peek?: boolean } = {},
): Promise<SignedIn | undefined> {
  const token = readCookie(req.headers.cookie, sessionCookieName(port));
  if (!token) return undefined;
  const verified = await auth.sessions.verify(token, hostOrigin);
  if (verified === undefined || !bindingHolds(verified.peer, await peerOf(req.socket))) return undefined;
  return auth.sessions.resolve(verified.sid, { touch: !peek });
}

/**
 * The peer a new session, code or console session is bound to. A client of this machine
 * whose OS user cannot be found gets nothing: an unbound session would hold anywhere.
 */
export async function bindablePeer(req: IncomingMessage): Promise<Peer> {
  const peer = await peerOf(req.socket);
  if (peer === 'unknown') {
    throw new LatchkeyError(
      'PEER_UNKNOWN',
      'Latchkey cannot tell which OS user opened this connection, so it binds no sign-in to it',
    );
  }
  return peer;
}

/** A page load the browser shows, as opposed to a fetch, an image or an API client. */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
}
