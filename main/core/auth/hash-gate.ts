import { LatchkeyError } from '../../common/errors.js';

/**
 * Caps concurrent password hashing: argon2id at m=19 MiB makes each hash cost memory and
 * a core, so a login flood must queue, and past the queue be told to come back.
 */
export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly maxQueue = 64,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        throw new LatchkeyError('LOGIN_BUSY', 'too many sign-ins at once; try again in a moment', { retryAfter: 1 });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
