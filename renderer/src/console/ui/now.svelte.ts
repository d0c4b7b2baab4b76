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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "3 min ago", "2 h ago", "yesterday", "4 days ago"; older, the date. Future times: "in 5 min". */
export function relative(ms: number, to: number): string {
  const gap = to - ms;
  const ahead = gap < 0;
  const span = Math.abs(gap);
  const say = (text: string) => (ahead ? `in ${text}` : `${text} ago`);
  if (span < 45_000) return ahead ? 'in a moment' : 'just now';
  if (span < HOUR) return say(`${Math.max(1, Math.round(span / MINUTE))} min`);
  if (span < DAY) return say(`${Math.round(span / HOUR)} h`);
  if (!ahead && span < 2 * DAY) return 'yesterday';
  if (span < 7 * DAY) return say(`${Math.round(span / DAY)} days`);
  return new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** The exact time, for a tooltip: "3 Mar 2025, 14:05:09". */
export const exact = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
