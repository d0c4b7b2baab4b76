/**
 * The OS user a session, console session or hand-over code is bound to (SPEC §7).
 * Browsers send a host's cookies to every port, so any program listening on loopback can
 * receive them; what it cannot do is present them over a connection of the user who
 * created them. `uid:<n>` is a process of this machine, `remote` a client of another
 * machine, `unknown` a client of this machine whose owner could not be found, `untold`
 * an OS that does not say who owns a connection (nothing is bound or checked there).
 */
export type Peer = `uid:${number}` | 'remote' | 'unknown' | 'untold';

/** Whether this OS says which user owns a connection (Linux); elsewhere every peer is `untold`. */
export const canTellPeerUser = process.platform === 'linux';

/** What a new session or code records of its creator: nothing where the OS does not say. */
export function bindingOf(peer: Peer): string | undefined {
  return peer === 'untold' ? undefined : peer;
}

/**
 * Whether something bound to `bound` is worth anything over a connection from `peer`.
 * A binding that is missing (a token from before bindings existed) holds nowhere the OS
 * tells: users sign in again rather than carry an unbound session.
 */
export function bindingHolds(bound: string | undefined, peer: Peer): boolean {
  if (peer === 'untold') return true;
  if (peer === 'unknown') return false;
  return bound === peer;
}
