// Latchkey's throughput and latency benchmark: the same Node upstream reached directly,
// through nginx (and Caddy, when installed), and through Latchkey, measured with wrk and
// small Node clients in alternating rounds so that the ratios absorb a noisy machine.
//
//   node bench/run.mjs             the benchmark (env: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP,
//                                  BENCH_CASES=main,auth,transfer,ws,sse,login,flip)
//   node bench/run.mjs --profile   a CPU profile of Latchkey under 32 connections
//
// Builds nothing: run `npm run build` first. Sends traffic only to 127.0.0.1.
// The pieces live in bench/lib/: proc (processes, cleanup), servers, wrk, stats, and the
// cases (http-cases, stream-cases, login-flip, auth-gateway); profile for --profile.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BenchError,
  RESULTS,
  ROOT,
  PIN,
  cleanup,
  fail,
  removeTempDirs,
  rss,
  state,
  stop,
  tempDir,
  waitFor200,
  which,
} from './lib/proc.mjs';
import { addApp, nginxErrorCount, startCaddy, startLatchkey, startNginx, startUpstream } from './lib/servers.mjs';
import { fmt, machine, median } from './lib/stats.mjs';
import { authModes, throughput } from './lib/http-cases.mjs';
import { sse, transfer, websocket } from './lib/stream-cases.mjs';
import { login, modeFlip } from './lib/login-flip.mjs';
import { startAuthGateway } from './lib/auth-gateway.mjs';
import { profile } from './lib/profile.mjs';

function seconds(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(String(value).trim());
  if (!m) fail(`cannot read a duration from "${value}" (give seconds, e.g. 5 or 5s)`);
  return Number(m[1]);
}
const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  duration: seconds(process.env.BENCH_DURATION, 5),
  warmup: seconds(process.env.BENCH_WARMUP, 2),
};
const STARTS = 5;
const ALL_CASES = ['main', 'auth', 'transfer', 'ws', 'sse', 'login', 'flip'];
const CASES = new Set((process.env.BENCH_CASES || ALL_CASES.join(',')).split(',').map((c) => c.trim()));

async function measureStarts(tmp) {
  const fresh = [];
  const freshCpu = [];
  for (let i = 0; i < STARTS; i++) {
    const lk = await startLatchkey(join(tmp, `start-${i}`));
    fresh.push(lk.startMs);
    freshCpu.push(lk.startCpuMs);
    await stop(lk.child);
  }
  // The same data directory again: no root admin to create.
  const reused = [];
  const reusedCpu = [];
  const reusedRss = [];
  for (let i = 0; i < STARTS; i++) {
    const lk = await startLatchkey(join(tmp, 'start-0'));
    reused.push(lk.startMs);
    reusedCpu.push(lk.startCpuMs);
    reusedRss.push(lk.startRss.vmRssKiB / 1024);
    await stop(lk.child);
  }
  return {
    freshMs: fresh,
    reusedMs: reused,
    freshMedianMs: median(fresh),
    reusedMedianMs: median(reused),
    freshCpuMs: freshCpu,
    reusedCpuMs: reusedCpu,
    freshCpuMedianMs: median(freshCpu),
    reusedCpuMedianMs: median(reusedCpu),
    reusedRssAtListeningMiB: median(reusedRss),
  };
}

/** Raw wrk output is kept in the JSON under wrkOutput. */
const withRaw = (runs) => runs.map(({ raw, ...r }) => (raw === undefined ? r : { ...r, wrkOutput: raw }));
const stderrLines = (child) => child.stderrText.split('\n').filter(Boolean);

async function benchmark() {
  const tmp = tempDir('latchkey-bench-');
  try {
    process.stdout.write(
      `bench: ${settings.rounds} rounds × ${settings.duration}s per case (warm-up ${settings.warmup}s); ` +
        `${PIN ? 'servers pinned to CPU 0, wrk and clients to CPU 1' : 'not pinned'}; cases: ${[...CASES].join(', ')}\n`,
    );
    let starts;
    if (CASES.has('main')) {
      process.stdout.write(
        `bench: timing ${STARTS} starts of latchkey serve (fresh data dir) and ${STARTS} reusing one\n`,
      );
      starts = await measureStarts(tmp);
    }

    const upstream = await startUpstream();
    const nginx = await startNginx(tmp, upstream.port);
    const caddy = await startCaddy(tmp, upstream.port);
    if (!caddy)
      process.stdout.write(
        'bench: caddy is not installed (bash bench/setup.sh tries to install it): no Caddy reference\n',
      );
    const lk = await startLatchkey(join(tmp, 'latchkey'));
    await addApp(lk.dataDir, upstream.port);
    await waitFor200(lk.port, `bench.localhost:${lk.port}`, 10_000, 'latchkey');
    const idle = rss(lk.child.pid);
    const ctx = { tmp, settings, upstream, nginx, caddy, lk };

    const sections = {};
    const section = async (name, title, fn) => {
      if (!CASES.has(name)) return;
      process.stdout.write(`bench: ${title}\n`);
      sections[name] = { title, ...(await fn(ctx)) };
    };
    await section('main', 'direct, nginx, caddy and latchkey (impersonation) at 1 and 32 connections', throughput);
    if (['auth', 'sse', 'login'].some((c) => CASES.has(c))) ctx.auth = await startAuthGateway(tmp, upstream.port);
    await section('auth', 'session cookie, service-account token and policy refusal vs impersonation mode', authModes);
    await section('transfer', `1 MiB download and upload, wrk -t2 -c8`, transfer);
    await section('ws', 'WebSocket echo, 8 connections, 64-byte messages', websocket);
    await section('sse', 'server-sent events: time to first event, events/s', sse);
    await section('login', 'sign-in latency and sign-ins/s with 8 clients', login);
    // Last: it changes the impersonation gateway's settings (and puts them back).
    await section('flip', 'impersonation off and on under wrk -c32', modeFlip);

    const lkStderr = stderrLines(lk.child);
    const authStderr = ctx.auth ? stderrLines(ctx.auth.child) : [];
    const caddyErrors = caddy ? stderrLines(caddy.child).filter((l) => /"level":"(error|fatal|panic)"/.test(l)) : [];
    await cleanup();
    const nginxErrors = nginxErrorCount(nginx);

    const versions = { nginx: nginx.version, caddy: caddy?.version ?? 'not installed' };
    const results = {
      date: new Date().toISOString(),
      settings: { ...settings, cases: [...CASES], body: '1 KiB, 200' },
      machine: machine(versions),
      summary: sections.main?.summary,
      sections: Object.fromEntries(
        Object.entries(sections).map(([name, { text: _text, runs, ...rest }]) => [
          name,
          { ...rest, ...(runs ? { runs: withRaw(runs) } : {}) },
        ]),
      ),
      latchkey: {
        startup: starts,
        rss: { idle, afterConnections32: sections.main?.afterLoad },
        stderrLines: lkStderr,
        authGatewayStderrLines: authStderr,
      },
      nginxErrorLogErrors: nginxErrors,
      caddyErrorLines: caddyErrors,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

    // ---- report
    const m = results.machine;
    const out = [''];
    out.push(
      `machine: ${m.nproc} CPUs, ${m.cpuModel}; Node ${m.node}; nginx ${m.nginx}; caddy ${m.caddy}; wrk ${m.wrk}; pinned: ${m.pinned}`,
    );
    out.push(`medians of ${settings.rounds} rounds of ${settings.duration}s (ratios: median of the per-round ratios)`);
    for (const s of Object.values(sections)) out.push('', `## ${s.title}`, s.text);
    out.push('');
    if (starts) {
      out.push(
        `latchkey serve → listening: ${fmt(starts.freshMedianMs)} ms median of ${STARTS} (fresh data dir, creates the root admin); ` +
          `${fmt(starts.reusedMedianMs)} ms reusing a data dir; CPU time (user + system) to listening: ` +
          `${fmt(starts.freshCpuMedianMs)} ms fresh, ${fmt(starts.reusedCpuMedianMs)} ms reusing; ` +
          `VmRSS at the listening line ${fmt(starts.reusedRssAtListeningMiB, 1)} MiB (reusing, before any request)`,
      );
    }
    const after = sections.main?.afterLoad;
    out.push(
      `latchkey VmRSS: ${fmt(idle.vmRssKiB / 1024, 1)} MiB idle` +
        (after
          ? `, ${fmt(after.vmRssKiB / 1024, 1)} MiB right after the 32-connection run (VmHWM ${fmt(after.vmHwmKiB / 1024, 1)} MiB)`
          : ''),
    );
    const warnings = [];
    for (const s of sections.main?.summary ?? []) {
      if (s.non2xx || s.socketErrors)
        warnings.push(`${s.target} c${s.connections}: ${s.non2xx} non-2xx/3xx, ${s.socketErrors} socket errors`);
    }
    for (const s of sections.auth?.summary ?? []) {
      if ((s.non2xx && !s.non2xxExpected) || s.socketErrors || s.allRefused === false)
        warnings.push(`${s.target} c${s.connections}: ${s.non2xx} non-2xx/3xx, ${s.socketErrors} socket errors`);
    }
    for (const s of sections.transfer?.summary ?? []) {
      if (s.non2xx || s.socketErrors)
        warnings.push(`${s.direction} ${s.target}: ${s.non2xx} non-2xx/3xx, ${s.socketErrors} socket errors`);
    }
    for (const s of sections.ws?.summary ?? []) if (s.errors) warnings.push(`ws ${s.target}: ${s.errors} errors`);
    const flip = sections.flip;
    if (flip && (flip.socketErrors || flip.fiveXx || !flip.flipsSeenAtOnce)) {
      warnings.push(
        `mode flip: ${flip.socketErrors} socket errors, ${flip.fiveXx} 5xx, next request after each flip as expected: ${flip.flipsSeenAtOnce}`,
      );
    }
    if (sections.login && sections.login.sequentialFailures)
      warnings.push(`login: ${sections.login.sequentialFailures} failed sign-ins`);
    for (const w of warnings) out.push(`WARNING: ${w}`);
    if (warnings.length === 0) out.push('no unexpected non-2xx responses, socket errors or 5xx in any run');
    for (const [name, lines] of [
      ['latchkey', lkStderr],
      ['latchkey (logins)', authStderr],
      ['caddy errors', caddyErrors],
    ]) {
      if (lines.length) out.push(`${name} stderr (${lines.length} lines), first: ${lines[0]}`);
    }
    if (nginxErrors) out.push(`nginx error.log: ${nginxErrors} error lines`);
    out.push(`results: ${join('bench', 'results', 'latest.json')}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cleanup();
    removeTempDirs();
  }
}

try {
  if (!existsSync(join(ROOT, 'dist', 'main', 'cli', 'main.js'))) {
    fail('dist/main/cli/main.js is missing: run npm run build first');
  }
  if (!which('wrk')) fail('wrk is not installed: run bash bench/setup.sh');
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1)
    fail(`BENCH_ROUNDS must be a positive integer, not "${process.env.BENCH_ROUNDS}"`);
  const unknown = [...CASES].filter((c) => !ALL_CASES.includes(c));
  if (unknown.length) fail(`BENCH_CASES: unknown case ${unknown.join(', ')} (known: ${ALL_CASES.join(', ')})`);
  if (process.argv.includes('--profile')) await profile(settings);
  else await benchmark();
} catch (error) {
  if (state.interrupted) {
    /* the signal handler reports and exits */
  } else if (!(error instanceof BenchError)) process.stderr.write(`bench: ${error.stack ?? error}\n`);
  else if (!process.exitCode) process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
  await cleanup();
}
