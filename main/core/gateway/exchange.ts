import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../../common/apps.js';
import { asLatchkeyError } from '../db/errors.js';
import type { Logger } from '../log.js';
import type { Snapshot } from '../live-state.js';
import type { Admission } from './app-access.js';
import type { HostContext } from './auth-routes.js';
import type { Refusal } from './fetch-metadata.js';
import type { HostTarget } from './hosts.js';
import type { Identification } from './identify.js';
import { failUpgrade, rawError, sendError, sendTypedError, UNEXPECTED } from './respond.js';

/** How the answer goes back: a response for HTTP, the bare socket for a WebSocket upgrade. */
export type Protocol = { kind: 'http'; res: ServerResponse } | { kind: 'upgrade'; socket: Duplex; head: Buffer };

/**
 * One request on its way through the passes (passes.ts). Each pass reads what earlier
 * passes found and adds what it finds; the field comments name the pass that sets each.
 */
export class Exchange {
  /** host: which of the gateway's hosts the request is for. */
  target!: HostTarget;
  /** state: the settings, apps and root user this request is decided on. */
  snapshot!: Snapshot;
  /** state: the app an app host names, when the slug is known. */
  app: App | undefined;
  /** route: the host's context (its origin, the console's, the mode). */
  ctx!: HostContext;
  /** route: the normalized path and query, as routed and as forwarded. */
  forwarded!: { path: string; query: string };
  /** route: the app the request goes on to; every pass after route has one. */
  routed!: App;
  /** identity: who is asking. */
  who!: Identification;
  /** policy: who the app lets in (undefined identity on a public path). */
  access!: Admission;

  constructor(
    readonly req: IncomingMessage,
    readonly protocol: Protocol,
  ) {}

  get isUpgrade(): boolean {
    return this.protocol.kind === 'upgrade';
  }
}

/**
 * Every refusal of the passes, for both protocols: a page or `{error:{code,message}}` over
 * HTTP, the same body written on the socket of an upgrade; the status is the code's, from
 * the error table, on both.
 */
export function refuse(ex: Exchange, refusal: Refusal): void {
  const { code, message, html } = refusal;
  if (ex.protocol.kind === 'http') {
    sendError(ex.req, ex.protocol.res, code, message, html);
  } else {
    ex.protocol.socket.end(rawError(code, message));
  }
}

/**
 * An error thrown in a pass: logged and answered, never thrown on. A typed error has its
 * own status (the store failing is "not now", 503, never 500); anything else is
 * INTERNAL_ERROR, its stack to the log only, on HTTP and upgrades alike.
 */
export function failed(ex: Exchange, error: unknown, log: Logger): void {
  const { req, protocol } = ex;
  if (protocol.kind === 'upgrade') {
    failUpgrade(protocol.socket, error, (line) => log.error(line));
    return;
  }
  const typed = asLatchkeyError(error);
  if (typed) {
    log.warn(`request ${req.method} ${req.url}: ${typed.message}`);
    sendTypedError(req, protocol.res, typed);
    return;
  }
  // The client learns that it failed, not how.
  log.error(`request ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
  sendError(req, protocol.res, 'INTERNAL_ERROR', UNEXPECTED);
}

/** A pass that answered the request itself (a page of the gateway's own, a hand-over). */
export const ANSWERED = Symbol('answered');

/** Wait for this, then run the passes again from the first: what they read may have changed. */
export interface Retry {
  retryWhen: Promise<unknown>;
}

/**
 * What a pass decides: nothing (the next pass goes on), a refusal (answered by `refuse`),
 * ANSWERED, or a Retry.
 */
export type Verdict = undefined | Refusal | typeof ANSWERED | Retry;

export type PassName =
  'framing' | 'host' | 'state' | 'peer' | 'browser-rules' | 'route' | 'identity' | 'policy' | 'proxy';

/**
 * One step of the request path. A pass is one function for both protocols: where HTTP and
 * WebSocket differ, it says so in its own body (`ex.protocol.kind`).
 */
export interface Pass<D> {
  name: PassName;
  run(ex: Exchange, deps: D): Verdict | Promise<Verdict>;
}
