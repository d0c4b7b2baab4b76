import { decide } from './app-access.js';
import type { PassDeps } from './deps.js';
import type { Exchange } from './exchange.js';
import { standing, type CloseReason } from './live-streams.js';

/**
 * The decision for an open stream, taken again from its request as on arrival: the same
 * passes (host, state, mode, peer, browser rules), the same app, the same access
 * decision. True only while it lets the stream in with the identity and mode it had.
 */
async function stillAllowed(opened: Exchange, admittedAs: string, deps: PassDeps): Promise<boolean> {
  const again = await deps.readmit(opened);
  if (!again || again.target.kind !== 'app' || again.app?.slug !== opened.routed.slug) return false;
  const ctx = deps.hostContext(again.target, again.snapshot);
  const { req, forwarded } = opened;
  const decision = await decide(req, again.app, forwarded.path, again.snapshot, deps.auth, ctx, { peek: true });
  return decision.kind === 'allow' && standing(again.snapshot, decision) === admittedAs;
}

/**
 * Watches a proxied stream (a response or a WebSocket) while it lasts: `close` ends it
 * once its request would no longer be let in as it was. Returns what stops the watch.
 */
export function watchStream(ex: Exchange, deps: PassDeps, close: (why: CloseReason) => void): () => void {
  const admittedAs = standing(ex.snapshot, ex.access);
  return deps.streams.add({ stillAllowed: () => stillAllowed(ex, admittedAs, deps), close });
}

/**
 * Whether a request decided on arrival is still let in as it was, now: asked after it
 * waited for an app to start, before anything of it reaches the app.
 */
export function stillAdmitted(ex: Exchange, deps: PassDeps): Promise<boolean> {
  return stillAllowed(ex, standing(ex.snapshot, ex.access), deps);
}
