import type { IncomingMessage, ServerResponse } from 'node:http';
import { LatchkeyError } from '../../common/errors.js';
import type { ChangeFeed } from '../feed.js';
import type { Caller } from '../api/service.js';
import type { AuthDeps } from '../auth/index.js';
import { consoleCaller } from './api-http.js';
import type { HostContext } from './auth-routes.js';
import type { LiveStreams } from './live-streams.js';
import { sendTypedError } from './respond.js';

export const EVENTS_PATH = '/api/v1/events';

export interface EventsDeps {
  auth: AuthDeps;
  feed: ChangeFeed;
  streams: LiveStreams;
  ctx: HostContext;
  /** The mode (which authenticators are on) the stream was opened in. */
  mode: string;
  /** The request admitted again as it would be now: its host context and mode, or nothing. */
  readmit(): Promise<{ ctx: HostContext; mode: string } | undefined>;
}

/** Who a stream belongs to: the console session, or one user's session. */
const holderOf = (caller: Caller) => (caller.kind === 'user' ? `session:${caller.session.id}` : 'console');

/**
 * The change feed as server-sent events on the console host (SPEC §8), for the console
 * a browser shows under `latchkey serve`. Same callers as the API (a console session, or
 * an Admin signed in); the stream is decided again like every open stream and ends when
 * its session ends or the mode changes (the browser then reconnects, and is asked again).
 */
export async function serveEvents(req: IncomingMessage, res: ServerResponse, deps: EventsDeps): Promise<void> {
  let caller: Caller;
  try {
    caller = await consoleCaller(req, false, deps.auth, deps.ctx, false);
  } catch (error) {
    if (!(error instanceof LatchkeyError)) throw error;
    return sendTypedError(req, res, error);
  }
  const holder = holderOf(caller);
  if (res.destroyed) return;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  // A stream ended by a mode change is reopened soon: the console then asks what changed.
  res.write('retry: 1000\n\n');
  const unsubscribe = deps.feed.subscribe((kinds) => {
    res.write(`event: change\ndata: ${JSON.stringify(kinds)}\n\n`);
  });
  const release = deps.streams.add({
    stillAllowed: async () => {
      const now = await deps.readmit();
      if (!now || now.mode !== deps.mode) return false;
      const still = await consoleCaller(req, false, deps.auth, now.ctx, false).catch(() => undefined);
      return still !== undefined && holderOf(still) === holder;
    },
    // end, not destroy: a change written just before is still delivered.
    close: () => res.end(),
  });
  res.once('close', () => {
    unsubscribe();
    release();
  });
}
