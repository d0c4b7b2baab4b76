import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { setsGatewayCookie } from './headers.js';
import { rawError } from './respond.js';
import type { UpstreamTarget } from './upstreams.js';

function headBlock(statusLine: string, rawHeaders: readonly string[]): string {
  let head = `${statusLine}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}

function dropCookies(rawHeaders: readonly string[], cookiePrefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    if (name.toLowerCase() === 'set-cookie' && setsGatewayCookie(value, cookiePrefix)) continue;
    out.push(name, value);
  }
  return out;
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
  const upstreamReq = send(target.socketPath ? `http://localhost${path}` : target.origin + target.basePath + path, {
    ...(target.socketPath ? { socketPath: target.socketPath } : {}),
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
    // The upstream declined to switch: pass its answer on, delimited by closing.
    const rawHeaders = dropHeaders(dropCookies(upstreamRes.rawHeaders, cookiePrefix), [
      'connection',
      'transfer-encoding',
    ]);
    rawHeaders.push('connection', 'close');
    socket.write(headBlock(`HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}`, rawHeaders));
    upstreamRes.pipe(socket);
  });

  upstreamReq.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    socket.write(headBlock('HTTP/1.1 101 Switching Protocols', dropCookies(upstreamRes.rawHeaders, cookiePrefix)));
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

function dropHeaders(rawHeaders: readonly string[], lowerNames: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!lowerNames.includes((rawHeaders[i] as string).toLowerCase()))
      out.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return out;
}
