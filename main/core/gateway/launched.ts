import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from '../../common/apps.js';
import { statusOf } from '../../common/error-status.js';
import type { Launcher } from '../launcher/launcher.js';
import type { Listen } from '../launcher/presets.js';
import { notRunningPage, startingPage, STARTING_REFRESH_S } from './launch-pages.js';
import { isNavigation, rawError, sendError, sendHtml } from './respond.js';
import { socketTarget, type UpstreamTarget } from './upstreams.js';

/** Retry-After for a request that came while its app starts. */
const RETRY_AFTER_S = '2';

export function targetOfListen(listen: Listen): UpstreamTarget {
  if (listen.kind === 'socket') return socketTarget(listen.path);
  const host = `127.0.0.1:${listen.port}`;
  return { origin: `http://${host}`, host, basePath: '', secure: false };
}

/**
 * Where to send a request for an app Latchkey runs, starting it if its policy says so.
 * A navigation while it starts gets the starting page at once; other requests wait up to
 * `waitMs`, then 503 with Retry-After. Undefined when the response was already sent.
 */
export async function launchedUpstream(
  req: IncomingMessage,
  res: ServerResponse,
  app: App,
  launcher: Launcher,
  waitMs: number,
  /**
   * Whether the requester may read the app's log (an Admin as itself): its last lines
   * carry what tools print (tokens, connection strings), the console's Logs are Admin-only,
   * and anyone its policy lets in, or anyone at all on a public path, gets this answer.
   */
  mayReadLog: boolean,
): Promise<UpstreamTarget | undefined> {
  const admission = await launcher.admit(app, isNavigation(req) ? undefined : waitMs);
  if (admission.kind === 'ready') {
    res.once('close', admission.release);
    return targetOfListen(admission.listen);
  }
  const status = mayReadLog ? admission.status : { ...admission.status, lastLines: [] };
  if (admission.kind === 'starting') {
    res.setHeader('refresh', String(STARTING_REFRESH_S));
    res.setHeader('retry-after', String(STARTING_REFRESH_S));
    sendHtml(res, statusOf('APP_STARTING'), startingPage(app, status));
    return undefined;
  }
  if (admission.code === 'APP_STARTING') res.setHeader('retry-after', RETRY_AFTER_S);
  const lines = status.lastLines;
  const message = lines.length > 0 ? `${admission.message}; last log lines:\n${lines.join('\n')}` : admission.message;
  sendError(req, res, admission.code, message, notRunningPage(app, admission.message, status));
  return undefined;
}

/** The same for a WebSocket upgrade, which always waits (there is no page to show). */
export async function launchedUpgradeTarget(
  socket: Duplex,
  app: App,
  launcher: Launcher,
  waitMs: number,
): Promise<UpstreamTarget | undefined> {
  const admission = await launcher.admit(app, waitMs);
  if (admission.kind === 'ready') {
    socket.once('close', admission.release);
    return targetOfListen(admission.listen);
  }
  const code = admission.kind === 'starting' ? 'APP_STARTING' : admission.code;
  const message = admission.kind === 'starting' ? `${app.name} is starting` : admission.message;
  socket.end(rawError(code, message));
  return undefined;
}
