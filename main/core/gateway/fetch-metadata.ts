import type { ErrorCode } from '../../common/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TRUSTED_SITES = new Set(['same-origin', 'none']);

export interface BrowserSignals {
  origin: string | undefined;
  site: string | undefined;
  mode: string | undefined;
  dest: string | undefined;
}

export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * SPEC §7's rule for browser requests. Another localhost port or another app's host is
 * same-site to a browser, so only same-origin (or an origin the app allows) may change
 * state or open a WebSocket; foreign pages may only navigate the top-level window.
 * Requests without Origin or Sec-Fetch-* are non-browser clients and pass; the Host
 * check has already stopped DNS rebinding. User-Agent is never consulted.
 */
export function checkBrowserRequest(
  method: string,
  isUpgrade: boolean,
  signals: BrowserSignals,
  targetOrigin: string,
  allowedOrigins: readonly string[],
): Refusal | undefined {
  const { origin, site, mode, dest } = signals;
  const originAllowed = origin === targetOrigin || (origin !== undefined && allowedOrigins.includes(origin));

  if (isUpgrade || !SAFE_METHODS.has(method)) {
    if (origin !== undefined) {
      if (originAllowed) return undefined;
      return refuse('ORIGIN_REFUSED', `${isUpgrade ? 'a WebSocket' : `a ${method}`} from ${origin} is refused`);
    }
    if (site === undefined || TRUSTED_SITES.has(site)) return undefined;
    return refuse('ORIGIN_REFUSED', `a ${isUpgrade ? 'WebSocket' : method} from a ${site} page is refused`);
  }

  // Browsers send Origin on a safe request only for CORS and similar fetches.
  if (origin !== undefined && !originAllowed) {
    return refuse('ORIGIN_REFUSED', `a cross-origin ${method} from ${origin} is refused`);
  }
  if (site === undefined || TRUSTED_SITES.has(site) || originAllowed) return undefined;
  if (mode === 'navigate' && (dest === undefined || dest === 'document') && method !== 'OPTIONS') return undefined;
  return refuse(
    'CROSS_SITE_SUBRESOURCE',
    `a ${site} ${dest ?? 'subresource'} request is refused; open the address directly instead`,
  );
}

function refuse(code: ErrorCode, message: string): Refusal {
  return { status: 403, code, message };
}
