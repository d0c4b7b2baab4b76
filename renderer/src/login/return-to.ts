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
