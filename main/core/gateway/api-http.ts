import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { API, type ApiMethod } from '../../common/api.js';
import { API_ROUTES } from '../../common/api-routes.js';
import type { IdentnState } from '../../common/identn.js';
import { describeIssues } from '../../common/apps.js';
import { statusOf } from '../../common/error-status.js';
import { LatchkeyError } from '../../common/errors.js';
import { asLatchkeyError } from '../db/errors.js';
import { whenWritable } from '../db/write.js';
import type { Caller, ConsoleApi } from '../api/service.js';
import type { AuthDeps } from '../auth/index.js';
import type { HostContext } from './auth-routes.js';
import { readJsonObject } from './body.js';
import { clientOf } from './client.js';
import { consoleCookieName, readCookie } from './cookies.js';
import { isOwnerPeer, peerOf } from './peer-user.js';
import { sendJson } from './respond.js';
import { sessionOf } from './session-binding.js';

/** Routes by [HTTP method, path] to API methods, built once from the contract. */
const ROUTES = new Map(
  (Object.keys(API) as ApiMethod[]).map((method) => [`${API_ROUTES[method][0]} ${API_ROUTES[method][1]}`, method]),
);

export function apiMethodFor(httpMethod: string, path: string): ApiMethod | undefined {
  return ROUTES.get(`${httpMethod === 'HEAD' ? 'GET' : httpMethod} ${path}`);
}

/** The HTTP methods an API path takes (none for a path that is not the API's): for a 405's Allow. */
export function apiMethodsAt(path: string): string[] {
  const methods = Object.values(API_ROUTES).flatMap(([verb, at]) => (at === path ? [verb] : []));
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

/**
 * The caller of the control plane over HTTP (SPEC §8): a console session from a console
 * link, or a signed-in user (Admins for everything, others for their own account).
 * Never impersonation mode, never a service-account token.
 */
async function callerOf(req: IncomingMessage, method: ApiMethod, auth: AuthDeps, ctx: HostContext): Promise<Caller> {
  return consoleCaller(req, 'anyUser' in API[method], auth, ctx);
}

/**
 * The caller of the control plane, or SESSION_REQUIRED / FORBIDDEN. `touch: false` only
 * looks: an open event stream is not a person using the console, so it keeps neither a
 * console session nor a sign-in from idling out.
 */
export async function consoleCaller(
  req: IncomingMessage,
  anyUser: boolean,
  auth: AuthDeps,
  ctx: HostContext,
  touch = true,
): Promise<Caller> {
  const consoleSession = readCookie(req.headers.cookie, consoleCookieName(ctx.port));
  const peer = await peerOf(req.socket);
  if (
    consoleSession &&
    (touch ? auth.consoleSessions.touch(consoleSession, peer) : auth.consoleSessions.alive(consoleSession, peer))
  ) {
    return { kind: 'console-link' };
  }
  const signedIn = ctx.tokenizerOn ? await sessionOf(req, auth, ctx.origin, ctx.port, { peek: !touch }) : undefined;
  if (!signedIn) {
    throw new LatchkeyError(
      'SESSION_REQUIRED',
      'open the console link printed by latchkey serve (or run latchkey console-link), or sign in as an Admin',
    );
  }
  if (signedIn.user.role !== 'Admin' && !anyUser) {
    throw new LatchkeyError('FORBIDDEN', 'only an Admin may do this');
  }
  return { kind: 'user', user: signedIn.user, session: signedIn.session, client: await clientOf(req.socket) };
}

/**
 * The one who flips a switch keeps the console (SPEC §2, no way to lock yourself out): an
 * Admin signed in who turns sign-in off (impersonation on) would be left with a session
 * that no longer counts. Their browser gets a console session instead, as a console link
 * would give it: only for the OS user who runs Latchkey, bound to that user.
 */
async function keepConsole(
  req: IncomingMessage,
  caller: Caller,
  identn: IdentnState,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<Record<string, string>> {
  if (caller.kind !== 'user' || caller.user.role !== 'Admin' || identn.tokenizer.enabled) return {};
  const peer = await peerOf(req.socket);
  if (!isOwnerPeer(peer)) return {};
  const id = auth.consoleSessions.start(peer);
  return { 'set-cookie': `${consoleCookieName(ctx.port)}=${id}; Path=/; HttpOnly; SameSite=Strict` };
}

async function inputOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const q = (req.url as string).indexOf('?');
    return q < 0 ? {} : Object.fromEntries(new URLSearchParams((req.url as string).slice(q + 1)));
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Same-origin JSON only: no HTML form can send this content type (no simple requests).
  if (type !== 'application/json') throw new LatchkeyError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  return readJsonObject(req);
}

/** Serves `/api/v1/…` on the console host from the console API. */
export async function serveApi(
  req: IncomingMessage,
  res: ServerResponse,
  method: ApiMethod,
  api: ConsoleApi,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<void> {
  try {
    const caller = await callerOf(req, method, auth, ctx);
    const parsed = (API[method].input as z.ZodType).safeParse(await inputOf(req));
    if (!parsed.success) throw new LatchkeyError('BAD_ARGUMENT', describeIssues(parsed.error));
    const handler = api[method] as (input: unknown, caller: Caller) => unknown;
    // A write another process holds up waits its turn here, without blocking other requests.
    const data = await whenWritable(() => handler(parsed.data, caller));
    const keep = method === 'identn.set' ? await keepConsole(req, caller, data as IdentnState, auth, ctx) : {};
    sendJson(res, 200, { data }, keep);
  } catch (error) {
    // Anything untyped is the router's unexpected failure: INTERNAL_ERROR, its stack logged only.
    const typed = asLatchkeyError(error);
    if (!typed) throw error;
    const extra: Record<string, string> =
      typed.retryAfter === undefined ? {} : { 'retry-after': String(typed.retryAfter) };
    sendJson(res, statusOf(typed.code), typed.toJSON(), extra);
  }
}
