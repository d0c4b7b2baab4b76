/** How often relative times ("3 min ago") are brought up to date while one is shown. */
export const TICK_MS = 15_000;

let current = $state(Date.now());
let shown = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The time now, as reactive state: whatever reads it is redrawn on every tick. */
export const now = {
  get ms(): number {
    return current;
  },
};

/**
 * Keeps `now` ticking while something shows a relative time; one timer for the whole
 * console, stopped when the last one goes. Returns the function that lets go.
 */
export function ticking(): () => void {
  current = Date.now();
  shown += 1;
  timer ??= setInterval(() => (current = Date.now()), TICK_MS);
  return () => {
    shown -= 1;
    if (shown === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
