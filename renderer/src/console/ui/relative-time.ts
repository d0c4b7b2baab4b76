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
