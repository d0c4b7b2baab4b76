import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { statusOf } from '../../common/error-status.js';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ErrorCode, LatchkeyError } from '../../common/errors.js';
import { asLatchkeyError } from '../db/errors.js';
import { PAGE_CSP, refusalPage } from './pages.js';

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // not no-referrer: under it Chromium sends `Origin: null` on form posts, which §7 refuses.
  'referrer-policy': 'same-origin',
};

/*
 * Two questions asked of a request from the same two signals, Sec-Fetch-Mode (what the
 * browser says the request is) and Accept (what the client can read). They differ on
 * purpose, so they stay two:
 * - wantsHtml decides only the FORM of an answer, a page or JSON, for any method: a form
 *   POST that fails shows a page. Either signal suffices; a wrong guess costs a format.
 * - isNavigation decides whether a request may be REDIRECTED elsewhere (to sign in, to an
 *   app that is starting): only a GET or HEAD page load. Where the browser names the
 *   mode, that alone decides: a fetch() that accepts HTML must get its own answer, never
 *   a sign-in page in its place. Accept decides only for clients that send no mode.
 */

const navigates = (req: IncomingMessage) => req.headers['sec-fetch-mode'] === 'navigate';
const acceptsHtml = (req: IncomingMessage) => (req.headers.accept ?? '').includes('text/html');

/** Whether an answer to this request should be a page rather than JSON (see above). */
export function wantsHtml(req: IncomingMessage): boolean {
  return navigates(req) || acceptsHtml(req);
}

/** A page load the browser shows, which may be redirected; not a fetch, an image or an API client (see above). */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.headers['sec-fetch-mode'] !== undefined ? navigates(req) : acceptsHtml(req);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

/**
 * A refusal as a page for people and as `{error:{code,message}}` for programs, with the
 * status the error table gives its code.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  html?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = statusOf(code);
  if (status === 400 || status === 413) res.setHeader('connection', 'close');
  if (wantsHtml(req)) sendHtml(res, status, html ?? refusalPage(status, message));
  else sendJson(res, status, { error: { code, message } });
}

/** 405 with the methods the path does take (RFC 9110 asks for `Allow`). */
export function sendMethodNotAllowed(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): void {
  if (!res.headersSent) res.setHeader('allow', allowed.join(', '));
  sendError(
    req,
    res,
    'METHOD_NOT_ALLOWED',
    `${req.method ?? 'this method'} is not served here; use ${allowed.join(' or ')}`,
  );
}

/** What the client is told of a failure Latchkey did not expect: that it failed, not how. */
export const UNEXPECTED = 'Latchkey failed to answer this request; see its log';

/**
 * A failure while an upgrade was being decided, answered like any request's: a typed
 * error with its status, anything else INTERNAL_ERROR (its stack to the log only). Only
 * before a byte was relayed: an answer in the middle of a stream would corrupt it.
 */
export function failUpgrade(socket: Duplex, error: unknown, log: (line: string) => void): void {
  // The store failing is 503 here too, as on HTTP.
  const typed = asLatchkeyError(error);
  if (!typed) log(`upgrade failed: ${(error as Error).stack ?? String(error)}`);
  if (socket.writable && (socket as Partial<Socket>).bytesWritten === 0) {
    socket.end(rawError(typed?.code ?? 'INTERNAL_ERROR', typed?.message ?? UNEXPECTED));
  } else socket.destroy();
}

/** A typed error as its answer: the status of its code, and its Retry-After where it has one. */
export function sendTypedError(req: IncomingMessage, res: ServerResponse, error: LatchkeyError, html?: string): void {
  if (error.retryAfter !== undefined && !res.headersSent) res.setHeader('retry-after', String(error.retryAfter));
  sendError(req, res, error.code, error.message, html);
}

/** For refusals on an upgrade socket, where there is no ServerResponse: status and reason from the code. */
export function rawError(code: ErrorCode, message: string): string {
  const status = statusOf(code);
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
