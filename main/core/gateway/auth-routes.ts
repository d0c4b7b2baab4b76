import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusOf } from '../../common/error-status.js';
import { LatchkeyError } from '../../common/errors.js';
import { asLatchkeyError } from '../db/errors.js';
import { whenWritable, writeTransaction } from '../db/write.js';
import { createUser } from '../users-service.js';
import { clientOf } from './client.js';
import { readFields } from './body.js';
import { clearCookie, consoleCookieName, cookie, readCookie, sessionCookieName, stateCookieName } from './cookies.js';
import { consoleLinkPage, loginPage, logoutPage, nothingToSignOutPage, refusalPage } from './pages.js';
import { redeemConsoleLink } from '../auth/console-sessions.js';
import { isNavigation, sendError, sendHtml, sendJson, sendMethodNotAllowed, sendTypedError } from './respond.js';
import { sendBuiltPage, type StaticPages } from './static-pages.js';
import { appTarget, safeLocalPath } from './return-address.js';
import type { AuthDeps } from '../auth/index.js';
import { bindablePeer, sessionOf } from './session-binding.js';
import { isOwnerPeer, peerOf } from './peer-user.js';
import { bindingOf, type Peer } from '../auth/peer-binding.js';

export interface HostContext {
  port: number;
  /** The origin of the host the request came to. */
  origin: string;
  consoleOrigin: string;
  baseNames: ReadonlySet<string>;
  tokenizerOn: boolean;
  /** Impersonation mode: nobody signs in (the sign-out page says so). */
  impersonation: boolean;
  pages: StaticPages;
  /** False in the desktop app: the control plane has no HTTP route there (SPEC §8). */
  controlPlane: boolean;
}

function redirect(res: ServerResponse, location: string, cookies: string[] = [], extra: Record<string, string> = {}) {
  if (cookies.length === 0) {
    res.writeHead(303, { location, 'cache-control': 'no-store', ...extra });
    return void res.end();
  }
  res.writeHead(303, { location, 'cache-control': 'no-store', 'set-cookie': cookies, ...extra });
  res.end();
}

function query(req: IncomingMessage): URLSearchParams {
  const url = req.url as string;
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** A typed error answered with its status; anything else is the router's unexpected failure. */
function fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const typed = asLatchkeyError(error);
  if (!typed) throw error;
  sendTypedError(req, res, typed);
}

/** A sign-in or sign-up form that failed: the form again, with why, under the error's status. */
function formFailed(res: ServerResponse, error: unknown, returnTo: string, username: string): void {
  const typed = asLatchkeyError(error);
  if (!typed) throw error;
  if (typed.retryAfter !== undefined) res.setHeader('retry-after', String(typed.retryAfter));
  sendHtml(res, statusOf(typed.code), loginPage(returnTo, typed.message, username));
}

/** Sets a session cookie for one host, bound to the OS user of this connection, and answers a sign-in. */
async function sessionCookie(auth: AuthDeps, ctx: HostContext, session: { id: string; expiresAt: number }, peer: Peer) {
  const full = auth.store.sessions.find(session.id);
  if (!full) throw new LatchkeyError('SESSION_REQUIRED', 'the session ended before it could be handed over');
  const token = await auth.sessions.token(full, ctx.origin, bindingOf(peer));
  return cookie(sessionCookieName(ctx.port), token, {
    maxAgeSeconds: (full.expiresAt - auth.store.clock.now()) / 1000,
  });
}

/**
 * `/.latchkey/…` on the console host: the login page and form, logout, the hand-over of
 * a session to an app host, and the account's password.
 */
export async function consoleAuthRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<void> {
  const method = req.method as string;
  try {
    if (path.startsWith('/.latchkey/assets/') && (method === 'GET' || method === 'HEAD')) {
      if (!ctx.pages.serveAsset(path.slice('/.latchkey/assets/'.length), res)) {
        sendError(req, res, 'NOT_FOUND', `nothing at ${path}`);
      }
      return;
    }
    if (path === '/.latchkey/console' && ctx.controlPlane) return await consoleLink(req, res, auth, ctx);
    if (!ctx.tokenizerOn && path !== '/.latchkey/logout') {
      throw new LatchkeyError(
        'LOGIN_OFF',
        ctx.impersonation
          ? 'sign-in is off: impersonation mode lets every request in'
          : 'sign-in is off: this gateway takes service-account tokens only',
      );
    }
    if (path === '/.latchkey/login' && method === 'GET') {
      const returnTo = safeLocalPath(query(req).get('rd'));
      if (await sessionOf(req, auth, ctx.origin, ctx.port)) return redirect(res, returnTo);
      const built = ctx.pages.page('login.html');
      if (!built) return sendHtml(res, 200, loginPage(returnTo));
      return sendBuiltPage(res, built);
    }
    if (path === '/.latchkey/login' && method === 'POST') return await postLogin(req, res, auth, ctx);
    if (path === '/.latchkey/signup' && method === 'POST') return await postSignup(req, res, auth, ctx);
    if (path === '/.latchkey/logout') return await logout(req, res, auth, ctx, '/.latchkey/login');
    if (path === '/.latchkey/handoff' && method === 'GET') return await handoff(req, res, auth, ctx);
    sendError(req, res, 'NOT_FOUND', `nothing at ${path}`);
  } catch (error) {
    fail(req, res, error);
  }
}

async function postLogin(req: IncomingMessage, res: ServerResponse, auth: AuthDeps, ctx: HostContext) {
  const { fields, form } = await readFields(req);
  // A form without an action posts to the page's own address, rd and all.
  const returnTo = safeLocalPath(fields.rd ?? query(req).get('rd'));
  try {
    const peer = await bindablePeer(req);
    const client = await clientOf(req.socket);
    const { user, session } = await auth.login.signIn(fields.username ?? '', fields.password ?? '', client);
    const set = await sessionCookie(auth, ctx, session, peer);
    if (form) return redirect(res, returnTo, [set]);
    sendJson(res, 200, { data: { username: user.username, role: user.role } }, { 'set-cookie': set });
  } catch (error) {
    if (!form) throw error;
    formFailed(res, error, returnTo, fields.username ?? '');
  }
}

/** Pyroscope's self sign-up: off unless auth.internal.signup-enabled; signs the new user in. */
async function postSignup(req: IncomingMessage, res: ServerResponse, auth: AuthDeps, ctx: HostContext) {
  if (auth.signupRole === undefined) {
    throw new LatchkeyError('SIGNUP_OFF', 'sign-up is off; ask an Admin for an account');
  }
  const { fields, form } = await readFields(req);
  const username = (fields.username ?? '').trim().toLowerCase();
  const peer = await bindablePeer(req);
  const client = await clientOf(req.socket);
  let signedUp;
  try {
    // Regulated and capped like a sign-in: a flood creates a few accounts, then waits.
    await auth.login.admitSignUp(client);
    await createUser(
      auth.store,
      { username, password: fields.password ?? '', email: fields.email || undefined, role: auth.signupRole },
      username,
      (password) => auth.login.hash(password, client),
    );
    // The password was just hashed: no second hash to sign the new user in.
    const created = auth.store.users.findByUsername(username);
    if (!created) throw new LatchkeyError('USER_NOT_FOUND', `user "${username}" was deleted as it signed up`);
    signedUp = await auth.login.signedUp(created);
  } catch (error) {
    if (!form) throw error;
    return formFailed(res, error, '/', fields.username ?? '');
  }
  const { user, session } = signedUp;
  const set = await sessionCookie(auth, ctx, session, peer);
  if (form) return redirect(res, safeLocalPath(fields.rd), [set]);
  sendJson(res, 201, { data: { username: user.username, role: user.role } }, { 'set-cookie': set });
}

/** GET shows the landing page; its POST redeems the link into a console session. */
async function consoleLink(req: IncomingMessage, res: ServerResponse, auth: AuthDeps, ctx: HostContext) {
  if (req.method === 'GET' || req.method === 'HEAD') {
    return sendHtml(res, 200, consoleLinkPage(query(req).get('code') ?? ''));
  }
  if (req.method !== 'POST') return sendMethodNotAllowed(req, res, ['GET', 'HEAD', 'POST']);
  const { fields } = await readFields(req);
  // The link is the owner's (its file is owner-only): in every mode, another OS user who
  // learnt it gets nothing, and the link is not burnt for the owner.
  const peer = await peerOf(req.socket);
  if (!isOwnerPeer(peer)) {
    return sendError(
      req,
      res,
      'PEER_NOT_OWNER',
      'a console link opens the console only for the OS user who runs Latchkey',
    );
  }
  if (!(await whenWritable(() => redeemConsoleLink(auth.store, fields.code ?? '')))) {
    return sendError(
      req,
      res,
      'HANDOFF_INVALID',
      'this console link was already used or has expired; run latchkey console-link for a new one',
    );
  }
  const id = auth.consoleSessions.start(peer);
  // A session cookie: gone with the browser; the gateway ends it after 30 idle minutes.
  const set = `${consoleCookieName(ctx.port)}=${id}; Path=/; HttpOnly; SameSite=Strict`;
  redirect(res, '/', [set]);
}

async function logout(
  req: IncomingMessage,
  res: ServerResponse,
  auth: AuthDeps,
  ctx: HostContext,
  after: string,
): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    // Nobody signs in: no "Sign out?" whose answer would be the login page's "Not found".
    if (!ctx.tokenizerOn) return sendHtml(res, 200, nothingToSignOutPage(ctx.impersonation, '/'));
    return sendHtml(res, 200, logoutPage('/.latchkey/logout'));
  }
  if (req.method !== 'POST') return sendMethodNotAllowed(req, res, ['GET', 'HEAD', 'POST']);
  const signedIn = await sessionOf(req, auth, ctx.origin, ctx.port);
  if (signedIn) {
    const { session, user } = signedIn;
    // One row for every host: deleting it signs the browser out everywhere. A logout that
    // cannot be written is answered 503: the cookie must not go while the session stays.
    await whenWritable(() =>
      writeTransaction(auth.store.db, () => {
        auth.sessions.end(session.id);
        auth.store.audit.record('logout', user.username, user.username);
      }),
    );
  }
  auth.consoleSessions.end(readCookie(req.headers.cookie, consoleCookieName(ctx.port)), await peerOf(req.socket));
  const cleared = [clearCookie(sessionCookieName(ctx.port)), clearCookie(consoleCookieName(ctx.port))];
  if (isNavigation(req) || (req.headers['content-type'] ?? '').includes('form')) {
    // Without sign-in there is no login page to land on: the page that says why instead.
    return redirect(res, ctx.tokenizerOn ? after : '/.latchkey/logout', cleared);
  }
  res.setHeader('set-cookie', cleared);
  sendJson(res, 200, { data: { signedOut: true } });
}

async function handoff(req: IncomingMessage, res: ServerResponse, auth: AuthDeps, ctx: HostContext) {
  const params = query(req);
  const target = appTarget(params.get('target'), ctx.port, ctx.baseNames);
  const state = params.get('state') ?? '';
  if (!target || !/^[A-Za-z0-9_-]{16,64}$/.test(state)) {
    throw new LatchkeyError('HANDOFF_INVALID', 'this sign-in link is not valid; open the app again');
  }
  const signedIn = await sessionOf(req, auth, ctx.origin, ctx.port);
  if (!signedIn) return redirect(res, `/.latchkey/login?rd=${encodeURIComponent(req.url as string)}`);
  const code = auth.codes.mint(signedIn.session.id, target.origin, state, await peerOf(req.socket));
  redirect(res, `${target.origin}/.latchkey/callback?code=${code}&rd=${encodeURIComponent(target.path)}`);
}

/** `/.latchkey/…` on an app host: redeeming a hand-over code, and logout. */
export async function appAuthRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  auth: AuthDeps,
  ctx: HostContext,
): Promise<void> {
  try {
    if (path === '/.latchkey/logout') return await logout(req, res, auth, ctx, `${ctx.consoleOrigin}/.latchkey/login`);
    if (path === '/.latchkey/callback' && req.method === 'GET' && ctx.tokenizerOn) {
      const params = query(req);
      const state = readCookie(req.headers.cookie, stateCookieName(ctx.port));
      // A code redeemed over another OS user's connection than the one that minted it is
      // void: else a planted state cookie signs the browser in as whoever minted it.
      const peer = await peerOf(req.socket);
      const sid = auth.codes.redeem(params.get('code') ?? '', ctx.origin, state, peer);
      const signedIn = sid === undefined ? undefined : auth.sessions.resolve(sid);
      if (!signedIn) {
        return sendError(
          req,
          res,
          'HANDOFF_INVALID',
          'this sign-in link has expired or was used; open the app again',
          refusalPage(
            statusOf('HANDOFF_INVALID'),
            'This sign-in link has expired or was already used. Open the app again',
          ),
        );
      }
      const set = await sessionCookie(auth, ctx, signedIn.session, peer);
      return redirect(
        res,
        safeLocalPath(params.get('rd')),
        [set, clearCookie(stateCookieName(ctx.port), '/.latchkey/')],
        {
          'referrer-policy': 'no-referrer',
        },
      );
    }
    sendError(req, res, 'RESERVED_PATH', `${path} is reserved for Latchkey`);
  } catch (error) {
    fail(req, res, error);
  }
}

/** Sends a browser without a session on an app host to sign in, keeping where it was going. */
export function startHandoff(req: IncomingMessage, res: ServerResponse, ctx: HostContext): void {
  const state = randomBytes(18).toString('base64url');
  const target = encodeURIComponent(ctx.origin + (req.url as string));
  redirect(res, `${ctx.consoleOrigin}/.latchkey/handoff?target=${target}&state=${state}`, [
    cookie(stateCookieName(ctx.port), state, { maxAgeSeconds: 600, path: '/.latchkey/' }),
  ]);
}
