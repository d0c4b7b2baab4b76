// Streams: 1 MiB downloads and uploads (wrk), WebSocket echo (bench/ws-client.mjs) and
// server-sent events (bench/sse-client.mjs), each alternating targets round by round.
import { join } from 'node:path';
import { ROOT, clientPrefix, cpuMs, fail, request, run } from './proc.mjs';
import { alternate, fmt, fmtUs, median, medianOf, roundRatio, sumOf, table } from './stats.mjs';
import { uploadScript, wrk } from './wrk.mjs';

const MIB = 1024 * 1024;
export const TRANSFER_CONFIG = { threads: 2, connections: 8 };

function proxies(ctx) {
  const { upstream, nginx, lk } = ctx;
  return [
    { name: 'direct', port: upstream.port },
    { name: 'nginx', port: nginx.port, pid: nginx.child.pid },
    { name: 'latchkey', port: lk.port, hostHeader: `bench.localhost:${lk.port}`, pid: lk.child.pid },
  ];
}

/** 1 MiB down (GET /bytes?n=1048576) and up (POST /upload), in MiB/s. */
export async function transfer(ctx) {
  const { settings, tmp } = ctx;
  const targets = proxies(ctx);
  const script = uploadScript(tmp, MIB);
  for (const t of targets) {
    const host = t.hostHeader ?? `127.0.0.1:${t.port}`;
    const down = await request({ port: t.port, host, path: `/bytes?n=${MIB}` });
    const up = await request({ port: t.port, host, method: 'POST', path: '/upload', body: Buffer.alloc(MIB, 'x') });
    if (
      down.status !== 200 ||
      Buffer.byteLength(down.body) !== MIB ||
      up.status !== 200 ||
      up.body.trim() !== String(MIB)
    ) {
      fail(
        `${t.name}: 1 MiB download ${down.status} (${Buffer.byteLength(down.body)} bytes), upload ${up.status} (${up.body.trim()})`,
      );
    }
  }
  const cases = [
    { direction: 'download', options: { path: `/bytes?n=${MIB}` } },
    { direction: 'upload', options: { path: '/upload', script } },
  ];
  const runs = [];
  const summary = [];
  for (const c of cases) {
    const mine = await alternate(
      targets,
      settings.rounds,
      async (t) => {
        const r = await wrk(t, TRANSFER_CONFIG, settings.duration, c.options);
        return { ...r, mibps: r.rps }; // one MiB per request
      },
      (t, round, r) =>
        process.stdout.write(
          `  ${c.direction.padEnd(8)} round ${round} ${t.name.padEnd(8)} ${fmt(r.mibps, 1).padStart(7)} MiB/s  p50 ${fmtUs(r.p50us).padStart(9)}` +
            `${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}${r.socketErrors ? `  ${r.socketErrorsText}` : ''}\n`,
        ),
    );
    runs.push(...mine.map((r) => ({ ...r, direction: c.direction })));
    for (const t of targets) {
      summary.push({
        direction: c.direction,
        target: t.name,
        mibps: medianOf(mine, t.name, 'mibps'),
        p50us: medianOf(mine, t.name, 'p50us'),
        toDirect: roundRatio(mine, t.name, 'direct', 'mibps'),
        toNginx: roundRatio(mine, t.name, 'nginx', 'mibps'),
        non2xx: sumOf(mine, t.name, 'non2xx'),
        socketErrors: sumOf(mine, t.name, 'socketErrors'),
      });
    }
  }
  const rows = summary.map((s) => ({
    case: s.direction,
    target: s.target,
    'MiB/s': fmt(s.mibps, 1),
    p50: fmtUs(s.p50us),
    '÷ direct': fmt(s.toDirect, 2),
    '÷ nginx': fmt(s.toNginx, 2),
    'non-2xx': s.non2xx,
    'socket errors': s.socketErrors,
  }));
  return { config: TRANSFER_CONFIG, summary, runs, text: table(rows) };
}

async function client(script, options, seconds) {
  const argv = [...clientPrefix, process.execPath, join(ROOT, 'bench', script), JSON.stringify(options)];
  const r = await run(argv, (seconds + 30) * 1000);
  const line = r.stdout.trim().split('\n').at(-1);
  if (r.code !== 0 || !line?.startsWith('{'))
    fail(`${script} failed (exit ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return JSON.parse(line);
}

export const WS_CONNECTIONS = 8;
export const WS_MESSAGE_BYTES = 64;

/** WebSocket echo: messages per second over 8 connections, back to back. */
export async function websocket(ctx) {
  const { settings } = ctx;
  const targets = proxies(ctx);
  const options = (t, seconds) => ({
    port: t.port,
    host: t.hostHeader,
    path: '/ws',
    connections: WS_CONNECTIONS,
    seconds,
    warmupSeconds: 0.5,
    size: WS_MESSAGE_BYTES,
  });
  for (const t of targets) await client('ws-client.mjs', options(t, Math.min(1, settings.duration)), 1);
  const runs = await alternate(
    targets,
    settings.rounds,
    async (t) => {
      const before = t.pid ? cpuMs(t.pid) : undefined;
      const r = await client('ws-client.mjs', options(t, settings.duration), settings.duration);
      if (!before) return r;
      // The proxy's CPU time per relayed message (each echo is two frames through it).
      const after = cpuMs(t.pid);
      const per = (key) => ((after[key] - before[key]) * 1000) / r.total;
      return { ...r, proxyUserUsPerMessage: per('user'), proxySystemUsPerMessage: per('system') };
    },
    (t, round, r) =>
      process.stdout.write(
        `  ws round ${round} ${t.name.padEnd(8)} ${fmt(r.messagesPerSecond).padStart(7)} messages/s` +
          `${r.proxyUserUsPerMessage === undefined ? '' : `  proxy CPU ${fmt(r.proxyUserUsPerMessage, 1)} µs user + ${fmt(r.proxySystemUsPerMessage, 1)} µs system per echo`}` +
          `${r.errors ? `  errors ${r.errors}` : ''}\n`,
      ),
  );
  const summary = targets.map((t) => ({
    target: t.name,
    messagesPerSecond: medianOf(runs, t.name, 'messagesPerSecond'),
    toDirect: roundRatio(runs, t.name, 'direct', 'messagesPerSecond'),
    toNginx: roundRatio(runs, t.name, 'nginx', 'messagesPerSecond'),
    proxyUserUsPerMessage: t.pid ? medianOf(runs, t.name, 'proxyUserUsPerMessage') : null,
    proxySystemUsPerMessage: t.pid ? medianOf(runs, t.name, 'proxySystemUsPerMessage') : null,
    errors: sumOf(runs, t.name, 'errors'),
  }));
  const rows = summary.map((s) => ({
    target: s.target,
    'messages/s': fmt(s.messagesPerSecond),
    '÷ direct': fmt(s.toDirect, 2),
    '÷ nginx': fmt(s.toNginx, 2),
    'proxy CPU per echo (user + system)':
      s.proxyUserUsPerMessage === null
        ? '—'
        : `${fmt(s.proxyUserUsPerMessage, 1)} + ${fmt(s.proxySystemUsPerMessage, 1)} µs`,
    errors: s.errors,
  }));
  return { connections: WS_CONNECTIONS, messageBytes: WS_MESSAGE_BYTES, summary, runs, text: table(rows) };
}

export const SSE_SAMPLES = 20;
export const SSE_EVENTS = 20000;

/** Server-sent events through Latchkey and directly: time to first event, events/s. */
export async function sse(ctx) {
  const { upstream, lk, auth, settings } = ctx;
  const targets = [
    { name: 'direct', port: upstream.port },
    { name: 'latchkey', port: lk.port, hostHeader: `bench.localhost:${lk.port}` },
    // The same through the gateway with a token: no peer-owner check on a new connection.
    ...(auth
      ? [
          {
            name: 'latchkey (token)',
            port: auth.port,
            hostHeader: auth.host('bench'),
            headers: { authorization: `Bearer Latchkey-${auth.robotToken}` },
          },
        ]
      : []),
  ];
  const runs = await alternate(
    targets,
    settings.rounds,
    async (t) => {
      const r = await client(
        'sse-client.mjs',
        { port: t.port, host: t.hostHeader, headers: t.headers, samples: SSE_SAMPLES, events: SSE_EVENTS },
        20,
      );
      if (r.events !== SSE_EVENTS) fail(`${t.name}: ${r.events} server-sent events arrived, not ${SSE_EVENTS}`);
      return { ...r, ttfeMedianMs: median(r.ttfeMs) };
    },
    (t, round, r) =>
      process.stdout.write(
        `  sse round ${round} ${t.name.padEnd(16)} first event ${fmt(r.ttfeMedianMs, 2)} ms  ${fmt(r.eventsPerSecond).padStart(7)} events/s\n`,
      ),
  );
  const summary = targets.map((t) => ({
    target: t.name,
    ttfeMs: medianOf(runs, t.name, 'ttfeMedianMs'),
    eventsPerSecond: medianOf(runs, t.name, 'eventsPerSecond'),
    toDirect: roundRatio(runs, t.name, 'direct', 'eventsPerSecond'),
  }));
  const rows = summary.map((s) => ({
    target: s.target,
    'first event': `${fmt(s.ttfeMs, 2)} ms`,
    'events/s': fmt(s.eventsPerSecond),
    '÷ direct': fmt(s.toDirect, 2),
  }));
  return { samples: SSE_SAMPLES, events: SSE_EVENTS, summary, runs, text: table(rows) };
}
