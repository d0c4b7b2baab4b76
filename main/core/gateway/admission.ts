import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { LiveState } from '../live-state.js';
import type { Pass } from './exchange.js';
import { checkBrowserRequest, checkSpeculativeLoad, SPECULATION_HEADERS } from './fetch-metadata.js';
import { countHeader } from './headers.js';
import { classifyHost, getsFetchMetadata, originOf } from './hosts.js';
import { canTellPeerUser } from '../auth/peer-binding.js';
import { isOwnUser, peerUidOf } from './peer-user.js';

export interface AdmissionDeps {
  state: LiveState;
  port(): number;
  baseNames: ReadonlySet<string>;
  /** False when bound to a non-loopback address: impersonation is then refused. */
  loopbackOnly: boolean;
  ownUid: number | undefined;
  log: Logger;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/*
 * The passes every request and every upgrade goes through before routing (their order is
 * in passes.ts): framing, Host (DNS rebinding), the store (fail closed), the mode's bind
 * and peer rules, and the browser rules of SPEC §7 (fetch metadata, then speculative loads).
 */

/** Only WebSocket upgrades, only origin-form targets, and exactly one Host. */
export const framingPass: Pass<AdmissionDeps> = {
  name: 'framing',
  run({ req, isUpgrade }) {
    if (isUpgrade && (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return { code: 'UPGRADE_REFUSED', message: 'only WebSocket upgrades are served' };
    }
    if (!(req.url ?? '').startsWith('/')) {
      return { code: 'BAD_REQUEST', message: 'only origin-form request targets (/path) are served' };
    }
    const hosts = countHeader(req.rawHeaders, 'host');
    if (hosts === 0) return { code: 'HOST_MISSING', message: 'the request has no Host header' };
    if (hosts > 1) return { code: 'HOST_DUPLICATE', message: 'the request has more than one Host header' };
    return undefined;
  },
};

/** Only the hosts this gateway serves, on its own port: DNS rebinding stops here. */
export const hostPass: Pass<AdmissionDeps> = {
  name: 'host',
  run(ex, deps) {
    const host = ex.req.headers.host as string;
    const target = classifyHost(host, deps.port(), deps.baseNames);
    if (!target) {
      deps.log.debug(`refused Host ${JSON.stringify(host)}`);
      return { code: 'HOST_NOT_SERVED', message: `this gateway does not serve the host ${host}` };
    }
    ex.target = target;
    return undefined;
  },
};

/** The settings the request is decided on, and its app; none readable is 503, never a guess. */
export const statePass: Pass<AdmissionDeps> = {
  name: 'state',
  run(ex, deps) {
    try {
      ex.snapshot = deps.state.current();
    } catch (error) {
      deps.log.error(`cannot read settings: ${(error as Error).message}`);
      return {
        code: 'GATEWAY_UNAVAILABLE',
        message: 'Latchkey cannot read its settings and serves nothing until it can',
      };
    }
    ex.app = ex.target.kind === 'app' ? ex.snapshot.apps.get(ex.target.slug) : undefined;
    return undefined;
  },
};

/** Impersonation mode: loopback only, localhost names only, and only the OS user who runs Latchkey. */
export const peerPass: Pass<AdmissionDeps> = {
  name: 'peer',
  run(ex, deps) {
    if (!ex.snapshot.identn.impersonation.enabled) return undefined;
    if (!deps.loopbackOnly) {
      return {
        code: 'NOT_LOOPBACK',
        message: 'impersonation mode is refused while listening beyond loopback',
      };
    }
    // Refused at start and on a flip too; this holds when another process turned it on.
    if (!getsFetchMetadata(ex.target)) {
      return {
        code: 'HOST_NOT_SERVED',
        message: `impersonation mode serves only localhost names, not ${ex.target.name} (gateway.allowed-hosts)`,
      };
    }
    const own = canTellPeerUser && deps.ownUid !== undefined ? isOwnUser(ex.req.socket, deps.ownUid) : true;
    // The first request of a connection waits for the OS to say who is on the other end,
    // then every pass runs again: the mode may have changed meanwhile.
    if (own instanceof Promise) return { retryWhen: own };
    if (!own) {
      return {
        code: 'PEER_NOT_OWNER',
        message: 'impersonation mode serves only the OS user who runs Latchkey',
      };
    }
    return undefined;
  },
};

/** SPEC §7: fetch metadata and Origin, then (in impersonation mode) no speculative loads. */
export const browserRulesPass: Pass<AdmissionDeps> = {
  name: 'browser-rules',
  run(ex, deps) {
    const { req, snapshot, target, app } = ex;
    const refusal = checkBrowserRequest(
      req.method ?? 'GET',
      ex.isUpgrade,
      {
        origin: header(req, 'origin'),
        site: header(req, 'sec-fetch-site'),
        mode: header(req, 'sec-fetch-mode'),
        dest: header(req, 'sec-fetch-dest'),
      },
      originOf(target, deps.port()),
      app?.allowedOrigins ?? [],
    );
    if (refusal) return refusal;
    return checkSpeculativeLoad(
      SPECULATION_HEADERS.map((name) => header(req, name)),
      snapshot.identn.impersonation.enabled,
    );
  },
};

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
 * then go through the passes of passes.ts.
 */
export function admitConnection(socket: Socket, deps: AdmissionDeps): void {
  let impersonating: boolean;
  try {
    impersonating = deps.state.current().identn.impersonation.enabled;
  } catch {
    // Unreadable settings: the request is answered 503 by the state pass, never served.
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
