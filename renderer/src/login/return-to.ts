/**
 * Where to go after signing in: the `rd` parameter when it is a path on this origin.
 * The gateway checks it again on the form path; this keeps the script from navigating
 * anywhere else either.
 */
export function returnTo(search: string, origin: string): string {
  const rd = new URLSearchParams(search).get('rd') ?? '/';
  if (!rd.startsWith('/') || rd.startsWith('//') || /[\s\\]/.test(rd)) return '/';
  const url = new URL(rd, origin);
  return url.origin === origin ? url.pathname + url.search : '/';
}

/** The app host a sign-in continues to, when the return address is a hand-over to one. */
export function destination(next: string): string | undefined {
  if (!next.startsWith('/.latchkey/handoff?')) return undefined;
  try {
    return new URL(new URLSearchParams(next.slice(next.indexOf('?') + 1)).get('target') ?? '').host;
  } catch {
    return undefined;
  }
}
