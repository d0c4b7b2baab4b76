// The benchmark's upstream: node:http answering every request 200 with a fixed 1 KiB body.
// Prints `upstream listening on <port>` once bound to 127.0.0.1.
import { createServer } from 'node:http';

const body = Buffer.alloc(1024, 'x');
const server = createServer((req, res) => {
  // Drain any request body, then answer.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`upstream listening on ${server.address().port}\n`);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
