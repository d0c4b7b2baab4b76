// WebSocket echo load: opens N connections to ws://127.0.0.1:<port><path> (optionally with
// another Host header), and on each sends a message as soon as the echo of the previous
// one arrives, back to back, for a fixed time. Prints one JSON line:
// { connections, seconds, messages, messagesPerSecond, total, errors } (total includes the warm-up).
//
//   node bench/ws-client.mjs '{"port":8080,"host":"bench.localhost:8080","path":"/ws",
//                              "connections":8,"seconds":5,"warmupSeconds":0.5,"size":64}'
import WebSocket from 'ws';

const o = { path: '/ws', connections: 8, seconds: 5, warmupSeconds: 0.5, size: 64, ...JSON.parse(process.argv[2]) };
const payload = Buffer.alloc(o.size, 'x');
// Never outlive the run by much, whatever happens.
setTimeout(
  () => {
    process.stderr.write('ws-client: hard time limit reached\n');
    process.exit(2);
  },
  (o.seconds + o.warmupSeconds + 15) * 1000,
).unref();

let errors = 0;
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${o.port}${o.path}`, {
      headers: o.host ? { host: o.host } : {},
      perMessageDeflate: false,
      handshakeTimeout: 5000,
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the handshake answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const sockets = await Promise.all(Array.from({ length: o.connections }, open));
let counting = false;
let running = true;
let messages = 0;
let total = 0;
for (const ws of sockets) {
  ws.on('error', () => (errors += 1));
  ws.on('message', () => {
    total += 1;
    if (counting) messages += 1;
    if (running) ws.send(payload);
  });
  ws.send(payload);
}
await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
counting = true;
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, o.seconds * 1000));
counting = false;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
running = false;
for (const ws of sockets) ws.terminate();
process.stdout.write(
  `${JSON.stringify({ connections: o.connections, seconds, messages, messagesPerSecond: messages / seconds, total, errors })}\n`,
);
process.exit(0);
