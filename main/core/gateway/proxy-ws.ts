import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { forwardableResponseHeaders } from './headers.js';
import { rawError } from './respond.js';
import type { UpstreamTarget } from './upstreams.js';

/**
 * A response head from the upstream's headers, filtered by the same rules as a plain HTTP
 * answer (no CORS, no hop-by-hop, no Latchkey Set-Cookie), then the gateway's own lines.
 */
function headBlock(
  statusLine: string,
  upstreamHeaders: IncomingMessage['headers'],
  cookiePrefix: string,
  own: readonly [string, string][],
): string {
  let head = `${statusLine}\r\n`;
  for (const [name, value] of Object.entries(forwardableResponseHeaders(upstreamHeaders, cookiePrefix))) {
    for (const line of Array.isArray(value) ? value : [value]) head += `${name}: ${line}\r\n`;
  }
  for (const [name, value] of own) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/**
 * Relays a WebSocket handshake to the upstream and, once it switches protocols, the raw
 * bytes both ways. The guards have already run: this only moves bytes.
 */
export function proxyWebSocket(
  socket: Duplex,
  head: Buffer,
  target: UpstreamTarget,
  path: string,
  headers: string[],
  cookiePrefix: string,
): void {
  const send = target.secure ? httpsRequest : httpRequest;
  const upstreamReq = send(target.origin + target.basePath + path, {
    method: 'GET',
    headers: [...headers, 'connection', 'Upgrade', 'upgrade', 'websocket'] as unknown as Record<string, string>,
    agent: false,
  });

  const fail = (status: number, reason: string, message: string) => {
    if (socket.writable) socket.end(rawError(status, reason, 'UPSTREAM_DOWN', message));
    else socket.destroy();
  };

  socket.on('error', () => upstreamReq.destroy());
  upstreamReq.on('error', (error) => fail(502, 'Bad Gateway', `the app's upstream failed: ${error.message}`));

  upstreamReq.on('response', (upstreamRes) => {
    // The upstream declined to switch: pass its answer on (the body decoded, so without
    // its framing headers), delimited by closing.
    const status = `HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}`;
    socket.write(headBlock(status, upstreamRes.headers, cookiePrefix, [['connection', 'close']]));
    upstreamRes.pipe(socket);
  });

  upstreamReq.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    // Connection and Upgrade are hop-by-hop and filtered out; a 101 needs them back.
    const own: [string, string][] = [
      ['connection', 'Upgrade'],
      ['upgrade', 'websocket'],
    ];
    socket.write(headBlock('HTTP/1.1 101 Switching Protocols', upstreamRes.headers, cookiePrefix, own));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.setNoDelay(true);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });

  upstreamReq.end();
}
