import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { App } from '../../common/apps.js';
import { isLatchkeyError, type LatchkeyError } from '../../common/errors.js';
import { bodyTooLarge, limitBody } from './body-limit.js';
import { forwardableResponseHeaders } from './headers.js';
import { upstreamDownPage } from './pages.js';
import { sendError, sendTypedError } from './respond.js';
import type { UpstreamPools, UpstreamTarget } from './upstreams.js';

export interface ProxyContext {
  app: App;
  /** The normalized path and query to ask the upstream for. */
  target: string;
  upstream: UpstreamTarget;
  /** The request headers to send, flat [name, value, …], identity already added. */
  headers: string[];
  pools: UpstreamPools;
  maxBodyBytes: number;
  cookiePrefix: string;
  /** Whether a failure may name the upstream's address: to an Admin, who set it, only. */
  showUpstream: boolean;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Why an upstream failed, in words a person can act on. */
function describeFailure(error: unknown): { code: 'UPSTREAM_DOWN' | 'UPSTREAM_TIMEOUT'; detail: string } {
  const code = (error as { code?: string }).code ?? '';
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { code: 'UPSTREAM_TIMEOUT', detail: 'it did not answer in time' };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { code: 'UPSTREAM_TIMEOUT', detail: 'it did not accept a connection in time' };
  }
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED') {
    return { code: 'UPSTREAM_DOWN', detail: 'the connection was refused' };
  }
  if (code === 'ENOTFOUND' || cause === 'ENOTFOUND') {
    return { code: 'UPSTREAM_DOWN', detail: 'its host name does not resolve' };
  }
  return { code: 'UPSTREAM_DOWN', detail: 'the connection failed' };
}

/**
 * Streams one request to the app's upstream and its response back, in both directions
 * without holding a whole body in memory.
 */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, ctx: ProxyContext): void {
  const { app, target, upstream, headers, pools, maxBodyBytes, cookiePrefix, showUpstream } = ctx;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    sendTypedError(req, res, bodyTooLarge(maxBodyBytes));
    return;
  }
  let body: NodeJS.ReadableStream | undefined;
  if (hasBody(req)) {
    body = pipeline(req, limitBody(maxBodyBytes), () => undefined);
  }

  pools.get(upstream.origin).stream(
    {
      path: upstream.basePath + target,
      method: req.method as string,
      headers,
      body: body as never,
    },
    ({ statusCode, headers: upstreamHeaders }) => {
      res.writeHead(statusCode, forwardableResponseHeaders(upstreamHeaders, cookiePrefix));
      return res;
    },
    (error) => {
      if (!error) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const cause = (error as { cause?: unknown }).cause;
      if (isLatchkeyError(error, 'BODY_TOO_LARGE') || isLatchkeyError(cause, 'BODY_TOO_LARGE')) {
        sendTypedError(req, res, isLatchkeyError(error) ? error : (cause as LatchkeyError));
        return;
      }
      if (req.destroyed) return;
      const { code, detail } = describeFailure(error);
      const where = showUpstream ? ` (${app.upstream})` : '';
      const message = `${app.name}${where} is not answering: ${detail}`;
      sendError(req, res, code, message, upstreamDownPage(app, detail, showUpstream));
    },
  );
}
