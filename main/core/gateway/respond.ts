import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../../common/errors.js';
import { PAGE_CSP, refusalPage } from './pages.js';

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // not no-referrer: under it Chromium sends `Origin: null` on form posts, which §7 refuses.
  'referrer-policy': 'same-origin',
};

export function wantsHtml(req: IncomingMessage): boolean {
  return req.headers['sec-fetch-mode'] === 'navigate' || (req.headers.accept ?? '').includes('text/html');
}

/** A page load the browser shows, as opposed to a fetch, an image or an API client. */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
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

/** A refusal as a page for people and as `{error:{code,message}}` for programs. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  html?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 400 || status === 413) res.setHeader('connection', 'close');
  if (wantsHtml(req)) sendHtml(res, status, html ?? refusalPage(status, message));
  else sendJson(res, status, { error: { code, message } });
}

/** For refusals on an upgrade socket, where there is no ServerResponse. */
export function rawError(status: number, reason: string, code: ErrorCode, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
