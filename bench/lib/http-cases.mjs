// Request/response cases with wrk: the main table (direct, nginx, Caddy, Latchkey in
// impersonation mode) and Latchkey's other identities (session, token, policy refusal).
import { fail, probe, request, rss } from './proc.mjs';
import { alternate, fmt, fmtUs, medianOf, roundRatio, sumOf, table } from './stats.mjs';
import { wrk } from './wrk.mjs';
import { appSessionCookie, ADMIN_PASSWORD } from './auth-gateway.mjs';

export const CONFIGS = [
  { threads: 1, connections: 1 },
  { threads: 2, connections: 32 },
];

const logRun = (label) => (t, round, r) =>
  process.stdout.write(
    `  ${label} round ${round} ${t.name.padEnd(13)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmtUs(r.p50us).padStart(9)}  p99 ${fmtUs(r.p99us).padStart(9)}` +
      `${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}${r.socketErrors ? `  ${r.socketErrorsText}` : ''}\n`,
  );

/** The main table: each target at 1 and 32 connections; ratios to direct, nginx and Caddy. */
export async function throughput(ctx) {
  const { upstream, nginx, caddy, lk, settings } = ctx;
  const targets = [
    { name: 'direct', port: upstream.port },
    { name: 'nginx', port: nginx.port },
    ...(caddy ? [{ name: 'caddy', port: caddy.port }] : []),
    { name: 'latchkey', port: lk.port, hostHeader: `bench.localhost:${lk.port}` },
  ];
  for (const t of targets) {
    const r = await probe(t.port, t.hostHeader ?? `127.0.0.1:${t.port}`);
    if (r.status !== 200 || r.bodyLength !== 1024)
      fail(`${t.name} answered ${r.status} with ${r.bodyLength} bytes:\n${r.head}`);
  }
  process.stdout.write(`bench: warming up each target for ${settings.warmup}s\n`);
  if (settings.warmup > 0) for (const t of targets) await wrk(t, CONFIGS[1], settings.warmup);

  const runs = [];
  let afterLoad;
  for (const cfg of CONFIGS) {
    const mine = await alternate(
      targets,
      settings.rounds,
      async (t) => {
        const r = await wrk(t, cfg, settings.duration);
        if (t.name === 'latchkey' && cfg.connections === 32) afterLoad = rss(lk.child.pid);
        return r;
      },
      logRun(`c${String(cfg.connections).padEnd(2)}`),
    );
    runs.push(...mine.map((r) => ({ ...r, connections: cfg.connections, threads: cfg.threads })));
  }

  const summary = [];
  for (const cfg of CONFIGS) {
    const c = cfg.connections;
    const mine = runs.filter((r) => r.connections === c);
    const directP50 = medianOf(mine, 'direct', 'p50us');
    for (const t of targets) {
      const p50 = medianOf(mine, t.name, 'p50us');
      summary.push({
        target: t.name,
        connections: c,
        rps: medianOf(mine, t.name, 'rps'),
        p50us: p50,
        p99us: medianOf(mine, t.name, 'p99us'),
        rpsToDirect: roundRatio(mine, t.name, 'direct', 'rps'),
        rpsToNginx: roundRatio(mine, t.name, 'nginx', 'rps'),
        rpsToCaddy: caddy ? roundRatio(mine, t.name, 'caddy', 'rps') : null,
        addedP50OverDirectUs: c === 1 ? p50 - directP50 : null,
        non2xx: sumOf(mine, t.name, 'non2xx'),
        socketErrors: sumOf(mine, t.name, 'socketErrors'),
      });
    }
  }
  const rows = summary.map((s) => ({
    target: s.target,
    conns: s.connections,
    'req/s': fmt(s.rps),
    p50: fmtUs(s.p50us),
    p99: fmtUs(s.p99us),
    '÷ direct': fmt(s.rpsToDirect, 2),
    '÷ nginx': fmt(s.rpsToNginx, 2),
    ...(caddy ? { '÷ caddy': fmt(s.rpsToCaddy, 2) } : {}),
    'added p50':
      s.addedP50OverDirectUs === null ? '' : s.target === 'direct' ? '—' : `${fmt(s.addedP50OverDirectUs)} µs`,
    'non-2xx': s.non2xx,
  }));
  return { summary, runs, afterLoad, text: table(rows) };
}

/**
 * Latchkey's identities, each against impersonation mode in the same rounds: a session
 * cookie handed over to the app host, a service-account token, and a token whose user
 * the app's policy refuses (403s expected: their rate is the refusal rate).
 */
export async function authModes(ctx) {
  const { lk, auth, settings } = ctx;
  const cookie = await appSessionCookie(auth, 'admin', ADMIN_PASSWORD, 'bench');
  const targets = [
    { name: 'impersonation', port: lk.port, hostHeader: `bench.localhost:${lk.port}`, expect: 200 },
    { name: 'session', port: auth.port, hostHeader: auth.host('bench'), headers: [`Cookie: ${cookie}`], expect: 200 },
    {
      name: 'token',
      port: auth.port,
      hostHeader: auth.host('bench'),
      headers: [`Authorization: Bearer Latchkey-${auth.robotToken}`],
      expect: 200,
    },
    {
      name: 'denied',
      port: auth.port,
      hostHeader: auth.host('admins'),
      headers: [`Authorization: Bearer Latchkey-${auth.readerToken}`],
      expect: 403,
    },
  ];
  for (const t of targets) {
    const headers = Object.fromEntries(t.headers?.map((h) => h.split(/:\s*/, 2)) ?? []);
    const r = await request({ port: t.port, host: t.hostHeader, headers });
    if (r.status !== t.expect) fail(`${t.name}: expected ${t.expect}, got ${r.status}: ${r.body.slice(0, 300)}`);
  }
  if (settings.warmup > 0) for (const t of targets) await wrk(t, CONFIGS[1], settings.warmup);

  const runs = [];
  for (const cfg of CONFIGS) {
    const mine = await alternate(
      targets,
      settings.rounds,
      (t) => wrk(t, cfg, settings.duration),
      logRun(`c${String(cfg.connections).padEnd(2)}`),
    );
    runs.push(...mine.map((r) => ({ ...r, connections: cfg.connections, threads: cfg.threads })));
  }
  const summary = [];
  for (const cfg of CONFIGS) {
    const c = cfg.connections;
    const mine = runs.filter((r) => r.connections === c);
    const impP50 = medianOf(mine, 'impersonation', 'p50us');
    for (const t of targets) {
      const own = mine.filter((r) => r.target === t.name);
      summary.push({
        target: t.name,
        connections: c,
        rps: medianOf(mine, t.name, 'rps'),
        p50us: medianOf(mine, t.name, 'p50us'),
        p99us: medianOf(mine, t.name, 'p99us'),
        rpsToImpersonation: roundRatio(mine, t.name, 'impersonation', 'rps'),
        addedP50OverImpersonationUs: medianOf(mine, t.name, 'p50us') - impP50,
        requests: sumOf(mine, t.name, 'requests'),
        non2xx: sumOf(mine, t.name, 'non2xx'),
        non2xxExpected: t.expect !== 200,
        // Every refusal must be a refusal: wrk counts non-2xx, so all of them should be.
        allRefused: t.expect === 200 ? null : own.every((r) => r.non2xx === r.requests),
        socketErrors: sumOf(mine, t.name, 'socketErrors'),
      });
    }
  }
  const rows = summary.map((s) => ({
    case: s.target,
    conns: s.connections,
    'req/s': fmt(s.rps),
    p50: fmtUs(s.p50us),
    p99: fmtUs(s.p99us),
    '÷ impersonation': fmt(s.rpsToImpersonation, 2),
    'p50 − imp.': s.target === 'impersonation' ? '—' : `${fmt(s.addedP50OverImpersonationUs)} µs`,
    'non-2xx': s.non2xxExpected ? `${s.non2xx} (403, expected${s.allRefused ? '' : '; NOT ALL'})` : s.non2xx,
    'socket errors': s.socketErrors,
  }));
  return { summary, runs, text: table(rows) };
}
