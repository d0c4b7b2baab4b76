import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { forwardableResponseHeaders } from './headers.js';
import { rawError } from './respond.js';
import type { UpstreamTarget } from './upstreams.js';
import { FrameBoundary } from './ws-frames.js';

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

/** Ends a relayed WebSocket: how the gateway closes it when its access is gone. */
export type EndRelay = (code: number, reason: string) => void;

/** WebSocket close code 1008: "policy violation" (RFC 6455 §7.4.1). */
export const POLICY_VIOLATION = 1008;
/** WebSocket close code 1001: "going away", as a server that stops. */
export const GOING_AWAY = 1001;
/** How long a client may take to answer a close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/** A server's close frame (unmasked, RFC 6455 §5.5.1); the reason fits a control frame. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/**
 * Moves one direction of a switched connection: each chunk is written as it is read, and
 * reading pauses while the other side's buffer is full. A 'data' listener and `write`, not
 * `pipe()`: pipe's per-chunk stream bookkeeping was most of the relay's CPU per frame.
 * `seen` looks at each chunk before it goes. Returns the function that stops relaying.
 */
function relay(from: Duplex, to: Duplex, seen?: (chunk: Buffer) => void): () => void {
  const onData = (chunk: Buffer) => {
    seen?.(chunk);
    if (!to.write(chunk)) from.pause();
  };
  const onDrain = () => from.resume();
  // A half-close travels on, as it does through pipe().
  const onEnd = () => to.end();
  from.on('data', onData);
  from.on('end', onEnd);
  to.on('drain', onDrain);
  // As pipe() does: a socket paused before (during the handshake) must flow now.
  from.resume();
  return () => {
    from.off('data', onData);
    from.off('end', onEnd);
    to.off('drain', onDrain);
  };
}

/**
 * Relays a WebSocket handshake to the upstream and, once it switches protocols, the raw
 * bytes both ways. The guards have already run: this only moves bytes. Returns the way
 * to end the relay at any point: during the handshake, while an upstream that declined
 * to switch streams its answer, or once switched (then with a close frame).
 */
export function proxyWebSocket(
  socket: Duplex,
  head: Buffer,
  target: UpstreamTarget,
  path: string,
  headers: string[],
  cookiePrefix: string,
): EndRelay {
  const send = target.secure ? httpsRequest : httpRequest;
  const upstreamReq = send(target.socketPath ? `http://localhost${path}` : target.origin + target.basePath + path, {
    ...(target.socketPath ? { socketPath: target.socketPath } : {}),
    method: 'GET',
    headers: [...headers, 'connection', 'Upgrade', 'upgrade', 'websocket'] as unknown as Record<string, string>,
    agent: false,
  });

  const fail = (message: string) => {
    if (socket.writable) socket.end(rawError('UPSTREAM_DOWN', message));
    else socket.destroy();
  };

  // Until the upstream switches, ending drops both sides: nothing was promised to the client.
  let end: EndRelay = () => {
    socket.destroy();
    upstreamReq.destroy();
  };

  socket.on('error', () => upstreamReq.destroy());
  // Its code, not its message: the message names the upstream's address, an Admin's to know.
  upstreamReq.on('error', (error) =>
    fail(`the app's upstream failed (${(error as NodeJS.ErrnoException).code ?? 'no answer'})`),
  );

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
    // Where the upstream's frames end, so a close frame of ours never lands inside one.
    const toClient = new FrameBoundary();
    if (upstreamHead.length > 0) {
      socket.write(upstreamHead);
      toClient.see(upstreamHead);
    }
    if (head.length > 0) upstreamSocket.write(head);
    const dropClient = () => socket.destroy();
    upstreamSocket.on('error', dropClient);
    socket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('close', dropClient);
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.setNoDelay(true);
    const stopToClient = relay(upstreamSocket, socket, (chunk) => toClient.see(chunk));
    const stopToUpstream = relay(socket, upstreamSocket);
    end = (code, reason) => {
      // Nothing more is relayed either way; the client hears why, then both sockets go.
      stopToClient();
      stopToUpstream();
      // The client's socket outlives the upstream's by the close frame.
      upstreamSocket.off('close', dropClient);
      upstreamSocket.off('error', dropClient);
      upstreamSocket.on('error', () => undefined);
      upstreamSocket.destroy();
      socket.resume();
      const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      grace.unref();
      socket.once('close', () => clearTimeout(grace));
      // Cut inside a frame, the client can only be told by the connection ending.
      if (!socket.writable) socket.destroy();
      else if (toClient.atBoundary) socket.end(closeFrame(code, reason));
      else socket.end();
    };
  });

  upstreamReq.end();
  return (code, reason) => end(code, reason);
}
