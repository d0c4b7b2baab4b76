// Server-sent events: time to the first event on a new connection, and events per second
// on one stream. Prints one JSON line: { ttfeMs: [...], events, seconds, eventsPerSecond }.
//
//   node bench/sse-client.mjs '{"port":8080,"host":"bench.localhost:8080","samples":20,"events":20000,
//                               "headers":{"authorization":"Bearer Latchkey-…"}}'
//
// Time to first event: from opening the connection to the end of the first event
// (`\n\n`) of GET /sse?n=1. Events per second: GET /sse?n=<events>, counted from the
// first event to the last.
import { request } from 'node:http';

const o = { samples: 20, events: 20000, headers: {}, ...JSON.parse(process.argv[2]) };
setTimeout(() => {
  process.stderr.write('sse-client: hard time limit reached\n');
  process.exit(2);
}, 60_000).unref();

/** GET /sse?n=n; calls onEvents(count, now) for every data chunk; resolves at the end. */
function stream(n, onEvents) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: `/sse?n=${n}`,
        agent: false,
        headers: {
          ...(o.host ? { host: o.host } : {}),
          ...o.headers,
          accept: 'text/event-stream',
          connection: 'close',
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`GET /sse answered ${res.statusCode}`));
        }
        let last = '';
        res.setEncoding('latin1');
        res.on('data', (text) => {
          const now = process.hrtime.bigint();
          // Count "\n\n" event ends, including one split across two chunks.
          const joined = last + text;
          let count = 0;
          for (let i = joined.indexOf('\n\n'); i >= 0; i = joined.indexOf('\n\n', i + 2)) count += 1;
          last = text.slice(-1);
          if (count) onEvents(count, now);
        });
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('GET /sse timed out')));
    req.on('error', reject);
    req.end();
  });
}

const ttfeMs = [];
for (let i = 0; i < o.samples; i++) {
  const t0 = process.hrtime.bigint();
  let first;
  await stream(1, (_count, now) => (first ??= now));
  ttfeMs.push(Number(first - t0) / 1e6);
}

let events = 0;
let firstAt;
let lastAt;
await stream(o.events, (count, now) => {
  firstAt ??= now;
  lastAt = now;
  events += count;
});
const seconds = Number(lastAt - firstAt) / 1e9;
process.stdout.write(`${JSON.stringify({ ttfeMs, events, seconds, eventsPerSecond: (events - 1) / seconds })}\n`);
process.exit(0);
