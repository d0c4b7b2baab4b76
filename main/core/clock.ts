/** Time as the core sees it; tests pass their own to freeze or move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
