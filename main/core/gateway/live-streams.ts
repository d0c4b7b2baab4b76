import type { Logger } from '../log.js';
import type { Snapshot } from '../live-state.js';
import type { Admission } from './app-access.js';

/** A WebSocket being relayed (from its handshake on), or a proxied HTTP response still streaming. */
export interface LiveStream {
  /** Decides again; true only for "allow, with the identity and mode it was admitted with". */
  stillAllowed(): Promise<boolean>;
  /** Ends the stream: the identity or mode it was admitted with is gone, or the gateway stops. */
  close(why: CloseReason): void;
}

export type CloseReason = 'access-ended' | 'gateway-stopping';

/** Sessions end by time and view-as after an hour: streams are decided again this often. */
export const RECHECK_EVERY_MS = 1_000;
/** A decision not made by then counts as a refusal: a stuck one must not stop the sweeps. */
export const DECIDE_WITHIN_MS = 5_000;

/**
 * Every stream still open, decided again whenever the live state changes and at least
 * every second while any exists (SPEC §7: revocation, logout, disabling, a role or mode
 * change closes it within seconds). No timer runs while no stream is open.
 */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private timer: NodeJS.Timeout | undefined;
  /** The sweep under way, if any. */
  private sweeping: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly log: Logger,
    /**
     * Looks at the live state, so that changes are noticed (`stateChanged`). Called as a
     * sweep ends, still inside it: what the sweep wrote itself is noticed there, ignored.
     */
    private readonly observe: () => void = () => undefined,
    private readonly everyMs = RECHECK_EVERY_MS,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Registers an open stream; the function returned forgets it (call it once it ends). */
  add(stream: LiveStream): () => void {
    this.streams.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => {
        if (!this.sweeping) void this.sweep();
      }, this.everyMs);
      // An open stream alone must not keep a process alive that is otherwise done.
      this.timer.unref();
    }
    return () => this.forget(stream);
  }

  /**
   * The live state changed: decide again soon. A change seen while a sweep runs is left
   * to the next tick, so the sweep's own bookkeeping writes (a session's last-seen, a
   * token's last-used) can never start sweep after sweep.
   */
  stateChanged(): void {
    if (this.streams.size === 0 || this.sweeping || this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.sweeping) void this.sweep();
    });
  }

  /**
   * Decides every open stream again and closes those no longer allowed as they were.
   * Called during a sweep, it runs a whole new one after it, so the state the caller
   * just changed is seen.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) await this.sweeping;
    if (this.sweeping || this.streams.size === 0) return this.sweeping;
    let finish!: () => void;
    // Marked before the first decision: a decision notices changes as it starts.
    this.sweeping = new Promise<void>((resolve) => (finish = resolve));
    const undecided = new Set(this.streams);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DECIDE_WITHIN_MS);
      timer.unref();
    });
    const decided = Promise.all([...undecided].map((stream) => this.recheck(stream, undecided)));
    try {
      await Promise.race([decided, late]);
      for (const stream of undecided) {
        this.log.error('an open stream could not be decided again in time, closing it');
        if (this.streams.has(stream)) this.end(stream, 'access-ended');
      }
      undecided.clear();
      this.observeQuietly();
    } finally {
      clearTimeout(timer);
      this.sweeping = undefined;
      finish();
    }
  }

  /** Ends every open stream, when the gateway stops. */
  closeAll(): void {
    for (const stream of [...this.streams]) this.end(stream, 'gateway-stopping');
  }

  private observeQuietly(): void {
    try {
      this.observe();
    } catch {
      // A state that cannot be read closes every stream at the next decision.
    }
  }

  private async recheck(stream: LiveStream, undecided: Set<LiveStream>): Promise<void> {
    let allowed: boolean;
    try {
      allowed = await stream.stillAllowed();
    } catch (error) {
      // A decision that cannot be made fails closed, as it does for a new request.
      this.log.error(`cannot decide an open stream again, closing it: ${(error as Error).message}`);
      allowed = false;
    }
    // Decided after the sweep gave up on it: it was closed then.
    if (!undecided.delete(stream)) return;
    if (!allowed && this.streams.has(stream)) this.end(stream, 'access-ended');
  }

  private end(stream: LiveStream, why: CloseReason): void {
    this.forget(stream);
    stream.close(why);
  }

  private forget(stream: LiveStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * What a stream was let in with and must keep: the identity (none on a public path) and
 * the mode, i.e. which authenticators are on.
 */
export function standing(snapshot: Snapshot, admission: Admission): string {
  const { impersonation, tokenizer, apikey } = snapshot.identn;
  const who = admission.identity;
  return JSON.stringify([
    impersonation.enabled,
    tokenizer.enabled,
    apikey.enabled,
    who ? [who.username, who.email, who.role, who.viewer ?? null] : null,
  ]);
}
