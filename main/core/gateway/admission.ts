import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { App } from '../../common/apps.js';
import type { Logger } from '../log.js';
import type { LiveState, Snapshot } from '../state.js';
import { checkBrowserRequest, checkSpeculativeLoad, SPECULATION_HEADERS, type Refusal } from './fetch-metadata.js';
import { countHeader } from './headers.js';
import { classifyHost, getsFetchMetadata, originOf, type HostTarget } from './hosts.js';
import { canTellPeerUser, isOwnUser, peerUidOf } from './peer-user.js';

export interface AdmissionDeps {
  state: LiveState;
  port(): number;
  baseNames: ReadonlySet<string>;
  /** False when bound to a non-loopback address: impersonation is then refused. */
  loopbackOnly: boolean;
  ownUid: number | undefined;
  log: Logger;
}

export interface Admitted {
  target: HostTarget;
  snapshot: Snapshot;
  /** The app for an app host, when the slug is known. */
  app: App | undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The checks every request and every upgrade passes before routing, in order: framing,
 * Host (DNS rebinding), the store (fail closed), the mode's bind and peer rules, and the
 * browser rules of SPEC §7 (fetch metadata, then speculative loads).
 */
export function admit(
  req: IncomingMessage,
  isUpgrade: boolean,
  deps: AdmissionDeps,
): Admitted | Refusal | Promise<unknown> {
  const url = req.url ?? '';
  if (!url.startsWith('/')) {
    return { code: 'BAD_REQUEST', message: 'only origin-form request targets (/path) are served' };
  }
  const hosts = countHeader(req.rawHeaders, 'host');
  if (hosts === 0) return { code: 'HOST_MISSING', message: 'the request has no Host header' };
  if (hosts > 1) return { code: 'HOST_DUPLICATE', message: 'the request has more than one Host header' };
  const port = deps.port();
  const host = req.headers.host as string;
  const target = classifyHost(host, port, deps.baseNames);
  if (!target) {
    deps.log.debug(`refused Host ${JSON.stringify(host)}`);
    return { code: 'HOST_NOT_SERVED', message: `this gateway does not serve the host ${host}` };
  }

  let snapshot: Snapshot;
  try {
    snapshot = deps.state.current();
  } catch (error) {
    deps.log.error(`cannot read settings: ${(error as Error).message}`);
    return {
      code: 'GATEWAY_UNAVAILABLE',
      message: 'Latchkey cannot read its settings and serves nothing until it can',
    };
  }

  if (snapshot.identn.impersonation.enabled) {
    if (!deps.loopbackOnly) {
      return {
        code: 'NOT_LOOPBACK',
        message: 'impersonation mode is refused while listening beyond loopback',
      };
    }
    // Refused at start and on a flip too; this holds when another process turned it on.
    if (!getsFetchMetadata(target)) {
      return {
        code: 'HOST_NOT_SERVED',
        message: `impersonation mode serves only localhost names, not ${target.name} (gateway.allowed-hosts)`,
      };
    }
    const own = canTellPeerUser && deps.ownUid !== undefined ? isOwnUser(req.socket, deps.ownUid) : true;
    // The first request of a connection waits for the OS to say who is on the other end.
    if (own instanceof Promise) return own;
    if (!own) {
      return {
        code: 'PEER_NOT_OWNER',
        message: 'impersonation mode serves only the OS user who runs Latchkey',
      };
    }
  }

  const app = target.kind === 'app' ? snapshot.apps.get(target.slug) : undefined;
  const refusal = checkBrowserRequest(
    req.method ?? 'GET',
    isUpgrade,
    {
      origin: header(req, 'origin'),
      site: header(req, 'sec-fetch-site'),
      mode: header(req, 'sec-fetch-mode'),
      dest: header(req, 'sec-fetch-dest'),
    },
    originOf(target, port),
    app?.allowedOrigins ?? [],
  );
  if (refusal) return refusal;
  const speculative = checkSpeculativeLoad(
    SPECULATION_HEADERS.map((name) => header(req, name)),
    snapshot.identn.impersonation.enabled,
  );
  if (speculative) return speculative;
  return { target, snapshot, app };
}

/**
 * Connections one other OS user (or the clients the OS cannot name, as one) may hold open
 * at once in login mode: plenty for a browser and its tools, far too few to use up the
 * gateway's descriptors and keep everyone else out.
 */
export const FOREIGN_CONNECTIONS_PER_USER = 128;

/** Open connections of other OS users, per gateway and uid (-1: the OS did not say). */
const foreignOpen = new WeakMap<AdmissionDeps, Map<number, number>>();

/**
 * The pass before framing, on every accepted (paused) connection: in impersonation mode
 * a connection from another OS user is closed before a byte of it is read, so idle
 * connections of another user cannot hold the gateway's descriptors. In login mode other
 * users are clients like any other, read at once, but each may hold only so many
 * connections. The mode is read live: it can change between two connections. Requests
 * then pass the rules above.
 */
export function admitConnection(socket: Socket, deps: AdmissionDeps): void {
  let impersonating: boolean;
  try {
    impersonating = deps.state.current().identn.impersonation.enabled;
  } catch {
    // Unreadable settings: the request is answered 503 by admit(), never served.
    impersonating = false;
  }
  if (!canTellPeerUser || deps.ownUid === undefined) {
    socket.resume();
    return;
  }
  if (impersonating) {
    const decide = (own: boolean) => (own ? socket.resume() : turnAway(socket));
    const own = isOwnUser(socket, deps.ownUid);
    if (own instanceof Promise) void own.then(decide);
    else decide(own);
    return;
  }
  socket.resume();
  const ownUid = deps.ownUid;
  void peerUidOf(socket).then((uid) => {
    if (uid === ownUid || socket.destroyed) return;
    countForeign(socket, deps, uid ?? -1);
  });
}

/**
 * Closes a connection with a reset rather than a FIN: a FIN would leave a TIME_WAIT row per
 * connection in /proc/net/tcp for a minute, and a burst of them makes every owner lookup
 * (which reads that table) slower for everyone, the owner first.
 */
function turnAway(socket: Socket): void {
  socket.resetAndDestroy();
}

function countForeign(socket: Socket, deps: AdmissionDeps, uid: number): void {
  let counts = foreignOpen.get(deps);
  if (!counts) foreignOpen.set(deps, (counts = new Map()));
  const open = counts.get(uid) ?? 0;
  if (open >= FOREIGN_CONNECTIONS_PER_USER) {
    turnAway(socket);
    return;
  }
  counts.set(uid, open + 1);
  socket.once('close', () => {
    const left = (counts.get(uid) ?? 1) - 1;
    if (left > 0) counts.set(uid, left);
    else counts.delete(uid);
  });
}

export function isRefusal(value: Admitted | Refusal): value is Refusal {
  return 'code' in value;
}

/** Runs `then` once admission has decided; a pending decision retries when it settles. */
export function whenAdmitted(
  req: IncomingMessage,
  isUpgrade: boolean,
  deps: AdmissionDeps,
  then: (decision: Admitted | Refusal) => void,
): void {
  const decision = admit(req, isUpgrade, deps);
  if (decision instanceof Promise) {
    void decision.then(() => whenAdmitted(req, isUpgrade, deps, then));
    return;
  }
  then(decision);
}

/** The decision of `whenAdmitted`, as a promise. */
export function admission(req: IncomingMessage, isUpgrade: boolean, deps: AdmissionDeps): Promise<Admitted | Refusal> {
  return new Promise((resolve) => whenAdmitted(req, isUpgrade, deps, resolve));
}
