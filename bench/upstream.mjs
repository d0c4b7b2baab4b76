// The benchmark's upstream, on 127.0.0.1. Prints `upstream listening on <port>` once bound.
//
//   any other path     200 with a fixed 1 KiB body and content-length
//   GET /bytes?n=N     200 streaming N bytes (at most 64 MiB) in 64 KiB writes, with backpressure
//   POST /upload       counts the request body as it streams in; answers its size in bytes
//   GET /sse?n=N       server-sent events: N events (`data: <i>`), each its own write on its own
//                      event-loop turn, then the end of the response
//   /ws (WebSocket)    echoes every message (the `ws` package)
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const body = Buffer.alloc(1024, 'x');
const block = Buffer.alloc(64 * 1024, 'y');

function streamBytes(res, n) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
  let left = n;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= block.length ? block : block.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

function events(res, n) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  let i = 0;
  let closed = false;
  // The response's close (not the request's, which closes once its body is read): the client left.
  res.on('close', () => (closed = true));
  const next = () => {
    if (closed) return;
    if (i >= n) return void res.end();
    const more = res.write(`data: ${i++}\n\n`);
    if (more) setImmediate(next);
    else res.once('drain', next);
  };
  next();
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const n = Number(new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('n') ?? 0);
  if (path === '/bytes' && Number.isInteger(n) && n >= 0 && n <= 64 * 1024 * 1024) {
    req.resume();
    return streamBytes(res, n);
  }
  if (path === '/upload' && req.method === 'POST') {
    let size = 0;
    req.on('data', (chunk) => (size += chunk.length));
    req.on('end', () => {
      const answer = `${size}\n`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
    return;
  }
  if (path === '/sse' && Number.isInteger(n) && n >= 0) {
    req.resume();
    return events(res, n);
  }
  // Drain any request body, then answer.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`upstream listening on ${server.address().port}\n`);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
