import { LatchkeyError } from '../../common/errors.js';

/** The queue of a caller who does not say which client it serves. */
const ANY_CLIENT = 'unknown';

/**
 * Caps concurrent password hashing: argon2id at m=19 MiB makes each hash cost memory and
 * a core, so a login flood must queue, and past the queue be told to come back.
 *
 * Waiting work is queued per client and served in turn, one client after another, and
 * no client may hold more than its share of the queue: a flood from one client (another
 * OS user) cannot starve another's sign-in.
 */
export class HashGate {
  private running = 0;
  private queued = 0;
  /** Clients with waiting work, in the order they will be served (a Map keeps insertion order). */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly concurrency = 2,
    private readonly maxQueue = 64,
    private readonly maxQueuePerClient = 16,
  ) {}

  async run<T>(work: () => Promise<T> | T, client = ANY_CLIENT): Promise<T> {
    if (this.running >= this.concurrency) {
      const queue = this.waiting.get(client) ?? [];
      if (this.queued >= this.maxQueue || queue.length >= this.maxQueuePerClient) {
        throw new LatchkeyError('LOGIN_BUSY', 'too many sign-ins at once; try again in a moment', { retryAfter: 1 });
      }
      this.queued += 1;
      await new Promise<void>((resolve) => {
        queue.push(resolve);
        this.waiting.set(client, queue);
      });
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      this.next();
    }
  }

  /** Hands the freed slot to the next client in turn, which then goes to the back. */
  private next(): void {
    const first = this.waiting.entries().next();
    if (first.done) {
      this.running -= 1;
      return;
    }
    const [client, queue] = first.value;
    const resolve = queue.shift() as () => void;
    this.waiting.delete(client);
    if (queue.length > 0) this.waiting.set(client, queue);
    this.queued -= 1;
    resolve();
  }
}
