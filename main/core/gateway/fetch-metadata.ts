import type { ErrorCode } from '../../common/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TRUSTED_SITES = new Set(['same-origin', 'none']);

export interface BrowserSignals {
  origin: string | undefined;
  site: string | undefined;
  mode: string | undefined;
  dest: string | undefined;
}

/** A request turned away before routing; its status is its code's (main/common/error-status.ts). */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** A page for people that says more than the status page would. */
  html?: string;
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

/**
 * The headers by which browsers mark a load nobody has asked to see yet: speculation-rules
 * prefetch and prerender (`Sec-Purpose: prefetch`, `prefetch;prerender`), `<link
 * rel=prefetch>` and older browsers' `Purpose: prefetch`, `X-Purpose: preview`,
 * `X-Moz: prefetch`.
 */
export const SPECULATION_HEADERS = ['sec-purpose', 'purpose', 'x-purpose', 'x-moz'] as const;
const SPECULATIVE_TOKENS = new Set(['prefetch', 'prerender', 'preview']);

/**
 * SPEC §7: in impersonation mode a speculative load is never served as the user. A page
 * may ask the browser to prefetch or prerender any address, and such a request arrives
 * with `Sec-Fetch-Site: none` and `Sec-Fetch-Mode: navigate`, as if the user had typed
 * it. The real navigation that follows carries no such mark and is served. A 503 makes
 * browsers drop the prefetch (the conventional answer to refuse one) and no-store keeps
 * it out of every cache.
 */
export function checkSpeculativeLoad(
  values: readonly (string | undefined)[],
  impersonating: boolean,
): Refusal | undefined {
  if (!impersonating) return undefined;
  const speculative = values.some(
    (value) =>
      value !== undefined &&
      value
        .toLowerCase()
        .split(/[\s,;=]+/)
        .some((t) => SPECULATIVE_TOKENS.has(t)),
  );
  if (!speculative) return undefined;
  return {
    code: 'SPECULATIVE_LOAD',
    message: 'a prefetch or prerender is not served as you in impersonation mode; opening the address is',
  };
}

function refuse(code: ErrorCode, message: string): Refusal {
  return { code, message };
}
