import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

export interface Upstream {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Bytes of request bodies received so far, counted as they arrive. */
  bytesReceived(): number;
  /** Emits `events-closed` (url) when a client of /events is gone. */
  streams: EventEmitter;
  close(): Promise<void>;
}

/**
 * A real upstream on an ephemeral loopback port. It records what reached it and serves:
 *   /echo        JSON of the request it saw (headers as raw lines)
 *   /bytes?n=N   N bytes streamed in 64 KiB chunks
 *   /upload      counts a streamed body and answers its size
 *   /sse         three server-sent events, one every 50 ms
 *   /events      server-sent events, one every 50 ms, until the client is gone
 *   /cookies     two Set-Cookie headers, one of them a Latchkey name
 *   /cors        a wide-open CORS answer the gateway must not pass on
 *   /hang        never answers
 *   WebSocket    echoes every message
 */
export async function startUpstream(): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  let received = 0;
  const streams = new EventEmitter();
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      received += chunk.length;
    });
    req.on('end', () => {
      const record = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        bodyBytes,
      };
      seen.push(record);
      const url = new URL(req.url ?? '/', 'http://upstream');
      switch (url.pathname) {
        case '/bytes': {
          const total = Number(url.searchParams.get('n') ?? 0);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
          let sent = 0;
          const chunk = Buffer.alloc(64 * 1024, 7);
          const pump = () => {
            while (sent < total) {
              const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
              sent += piece.length;
              if (!res.write(piece)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
          return;
        }
        case '/sse': {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          let n = 0;
          const timer = setInterval(() => {
            n += 1;
            res.write(`data: tick ${n}\n\n`);
            if (n === 3) {
              clearInterval(timer);
              res.end();
            }
          }, 50);
          return;
        }
        case '/events': {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          let n = 0;
          const timer = setInterval(() => res.write(`data: tick ${(n += 1)}\n\n`), 50);
          res.on('close', () => {
            clearInterval(timer);
            streams.emit('events-closed', record.url);
          });
          return;
        }
        case '/hang':
          return; // never answers: the gateway's upstream timeout must
        case '/cookies':
          res.setHeader('set-cookie', ['theme=dark; Path=/', 'latchkey_7780=stolen; Path=/']);
          res.end('ok');
          return;
        case '/cors':
          res.writeHead(200, {
            'access-control-allow-origin': '*',
            'access-control-allow-credentials': 'true',
            'access-control-allow-private-network': 'true',
          });
          res.end('open');
          return;
        default:
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(record));
      }
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    seen.push({ method: 'WS', url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, bodyBytes: 0 });
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    bytesReceived: () => received,
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
