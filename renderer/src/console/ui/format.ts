import { ApiError, type ApiErrorCode } from '../../api.js';

/** A time as local readable text, e.g. "3 Mar 2025, 14:05". */
export function formatDate(ms: number | null | undefined, never = 'never'): string {
  if (ms === null || ms === undefined) return never;
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const sentence = (text: string) => {
  const trimmed = text.trim().replace(/\.$/, '');
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
};

/** What to do next, for the error codes a person can act on. */
const ADVICE: Partial<Record<ApiErrorCode, string>> = {
  LAST_ADMIN:
    'Latchkey always keeps one enabled Admin so nobody is locked out. Make another user an Admin first, then try again.',
  SESSION_REQUIRED: 'Your console session has ended. Reload the page to open the console again.',
  FORBIDDEN: 'Only an Admin can do this.',
  IDENTN_PINNED: 'Change it where it is pinned (environment or config file), then restart Latchkey.',
  APP_PINNED: 'This app comes from the config file: change it there.',
  NETWORK: '',
};

/** "Loading users failed: … . <what to do>" */
export function explain(what: string, error: unknown): string {
  if (!(error instanceof ApiError)) return `${what} failed: ${String(error)}. Reload the page and try again.`;
  const advice =
    ADVICE[error.code] ?? (error.status >= 500 ? 'Try again; if it keeps failing, check the Latchkey log.' : '');
  return [`${what} failed: ${sentence(error.message)}`, advice].filter(Boolean).join(' ');
}
