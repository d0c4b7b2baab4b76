import type { IncomingMessage } from 'node:http';
import type { AuthDeps } from '../auth/index.js';
import type { SignedIn } from '../auth/sessions.js';
import { LatchkeyError } from '../../common/errors.js';
import { bindingHolds, type Peer } from '../auth/peer-binding.js';
import { readCookie, sessionCookieName } from './cookies.js';
import { peerOf } from './peer-user.js';

/*
 * Sessions are bound to the OS user of the connection that created them (SPEC §7): the
 * session a request's cookie carries holds only over a connection of that user, and a new
 * one is bound to the peer asking for it.
 */

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
