import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../../common/apps.js';
import { storeError } from '../db/errors.js';
import type { Logger } from '../log.js';
import type { Snapshot } from '../state.js';
import type { Admission } from './app-access.js';
import type { HostContext } from './auth-routes.js';
import type { Refusal } from './fetch-metadata.js';
import type { HostTarget } from './hosts.js';
import type { Identification } from './identify.js';
import { rawError, sendError } from './respond.js';

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
 * HTTP, the same status and body written on the socket of an upgrade.
 */
export function refuse(ex: Exchange, refusal: Refusal): void {
  const { status, code, message, html } = refusal;
  if (ex.protocol.kind === 'http') {
    sendError(ex.req, ex.protocol.res, status, code, message, html);
  } else {
    ex.protocol.socket.end(rawError(status, STATUS_CODES[status] ?? 'Error', code, message));
  }
}

/** An unexpected error in a pass: logged and answered, never thrown. */
export function failed(ex: Exchange, error: unknown, log: Logger): void {
  const { req, protocol } = ex;
  if (protocol.kind === 'upgrade') {
    protocol.socket.destroy();
    return;
  }
  // The store failing (busy, full, read-only, damaged) is "not now": 503, never 500.
  const store = storeError(error);
  if (store) {
    log.warn(`request ${req.method} ${req.url}: ${store.message}`);
    if (!protocol.res.headersSent) protocol.res.setHeader('retry-after', String(store.retryAfter ?? 1));
    sendError(req, protocol.res, 503, store.code, store.message);
    return;
  }
  log.error(`request ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
  sendError(req, protocol.res, 500, 'GATEWAY_UNAVAILABLE', 'Latchkey failed to answer this request');
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
