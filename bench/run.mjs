// Latchkey's throughput and latency benchmark: the same Node upstream reached directly,
// through nginx, and through Latchkey (impersonation mode), measured with wrk in
// alternating rounds so that the ratios absorb a noisy machine.
//
//   node bench/run.mjs             the benchmark (env: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP)
//   node bench/run.mjs --profile   a CPU profile of Latchkey under 32 connections
//
// Builds nothing: run `npm run build` first. Sends traffic only to 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'latchkey.js');
const RESULTS = join(ROOT, 'bench', 'results');
const PROFILE = process.argv.includes('--profile');

let interrupted = false;
/** Temp dirs to remove on every exit path, SIGINT included. */
const tempDirs = new Set();
function tempDir(prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
function removeTempDirs() {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function fail(message) {
  if (!interrupted) process.stderr.write(`bench: ${message}\n`);
  process.exitCode = 1;
  throw new BenchError(message);
}
class BenchError extends Error {}

function seconds(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(String(value).trim());
  if (!m) fail(`cannot read a duration from "${value}" (give seconds, e.g. 5 or 5s)`);
  return Number(m[1]);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = seconds(process.env.BENCH_DURATION, 5);
const WARMUP = seconds(process.env.BENCH_WARMUP, 2);
const STARTS = 5;
const CONFIGS = [
  { threads: 1, connections: 1 },
  { threads: 2, connections: 32 },
];

// ---------------------------------------------------------------- processes and cleanup

const children = new Set();
let cleaning;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin']) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

const TASKSET = which('taskset');
const PIN = TASKSET !== undefined && os.availableParallelism() >= 2;
const serverPrefix = PIN ? [TASKSET, '-c', '0'] : [];
const clientPrefix = PIN ? [TASKSET, '-c', '1'] : [];

/** Starts a long-running process in its own process group, tracked for cleanup. */
function start(name, argv, options = {}) {
  const [cmd, ...args] = argv;
  const child = spawn(cmd, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  child.benchName = name;
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (child.stdoutText += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (child.stderrText += d));
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (error) => {
    child.spawnError = error;
  });
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** Stops one child: SIGTERM to its group, SIGKILL after a grace period. */
async function stop(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return child.exited;
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

function cleanup() {
  cleaning ??= Promise.all([...children].map((c) => stop(c)));
  return cleaning;
}

process.on('exit', () => {
  // Last resort if something got past the async cleanup.
  for (const c of children) signalGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping every process it started\n`);
    const force = setTimeout(() => process.exit(130), 5000);
    force.unref();
    void cleanup().then(() => {
      removeTempDirs();
      process.exit(130);
    });
  });
}

/** Waits for a line on a child's stdout matching re, bounded in time. */
function waitForLine(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(child.stdoutText);
      if (m) {
        done();
        resolve(m);
      }
    };
    const onExit = () => {
      done();
      reject(new BenchError(`${what} exited before it was ready:\n${child.stdoutText}${child.stderrText}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new BenchError(`${what} was not ready within ${timeoutMs} ms:\n${child.stdoutText}${child.stderrText}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Runs a command to completion with a time limit; returns { code, stdout, stderr }. */
function run(argv, timeoutMs) {
  const child = start(argv.join(' '), argv);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
  return child.exited.then(({ code, signal }) => {
    clearTimeout(timer);
    if (child.spawnError) throw new BenchError(`cannot run ${argv[0]}: ${child.spawnError.message}`);
    return { code, signal, stdout: child.stdoutText, stderr: child.stderrText };
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One raw HTTP/1.1 GET to 127.0.0.1; resolves { status, bodyLength, head }. Bounded. */
function probe(port, host, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 0, error: 'timeout' }), timeoutMs);
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => (data = Buffer.concat([data, d])));
    socket.on('error', (e) => finish({ status: 0, error: e.code ?? e.message }));
    socket.on('end', () => {
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      finish({ status, bodyLength: split < 0 ? 0 : data.length - split - 4, head });
    });
  });
}

async function waitFor200(port, host, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe(port, host);
    if (last.status === 200) return last;
    await sleep(50);
  }
  throw new BenchError(`${what} did not answer 200 within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

function rss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { vmRssKiB: kb('VmRSS'), vmHwmKiB: kb('VmHWM') };
  } catch {
    return { vmRssKiB: NaN, vmHwmKiB: NaN };
  }
}

// ---------------------------------------------------------------- the servers

async function startUpstream() {
  const child = start('upstream', [...serverPrefix, process.execPath, join(ROOT, 'bench', 'upstream.mjs'), '0']);
  const m = await waitForLine(child, /upstream listening on (\d+)/, 10_000, 'the Node upstream');
  return { child, port: Number(m[1]) };
}

async function startNginx(tmp, upstreamPort) {
  const nginx = which('nginx');
  if (!nginx) fail('nginx is not installed: run bash bench/setup.sh');
  const port = await freePort();
  const dir = join(tmp, 'nginx');
  mkdirSync(dir, { recursive: true });
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # nginx closes a keep-alive connection after 1000 requests by default; Node and
  # Latchkey do not, so lift the limit to compare the same connection behaviour.
  keepalive_requests 1000000;
  upstream u {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://u;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-User admin;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const version = spawnSync(nginx, ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/^nginx version: /, '');
  const child = start('nginx', [
    ...serverPrefix,
    nginx,
    '-p',
    dir,
    '-e',
    `${dir}/error.log`,
    '-c',
    join(dir, 'nginx.conf'),
  ]);
  try {
    await waitFor200(port, `127.0.0.1:${port}`, 10_000, 'nginx');
  } catch (error) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      /* none */
    }
    throw new BenchError(`${error.message}\n${child.stderrText}${log}`);
  }
  return { child, port, version, dir };
}

const LISTENING = /latchkey listening on http:\/\/localhost:(\d+)/;

async function startLatchkey(dataDir, nodeArgs = []) {
  const t0 = process.hrtime.bigint();
  const child = start('latchkey', [
    ...serverPrefix,
    process.execPath,
    ...nodeArgs,
    CLI,
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
  ]);
  const m = await waitForLine(child, LISTENING, 60_000, 'latchkey serve');
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { child, port: Number(m[1]), startMs };
}

async function addApp(dataDir, upstreamPort) {
  const r = await run(
    [
      process.execPath,
      CLI,
      'app',
      'add',
      '--slug',
      'bench',
      '--upstream',
      `http://127.0.0.1:${upstreamPort}`,
      '--data-dir',
      dataDir,
    ],
    30_000,
  );
  if (r.code !== 0) fail(`latchkey app add failed (exit ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

// ---------------------------------------------------------------- wrk

const UNITS = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };
function micros(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]] : NaN;
}

function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? micros(m[1]) : NaN;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50us: pct(50),
    p99us: pct(99),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    socketErrorsText: errors?.[0],
  };
}

async function wrk(target, cfg, seconds) {
  const argv = [
    ...clientPrefix,
    'wrk',
    `-t${cfg.threads}`,
    `-c${cfg.connections}`,
    `-d${seconds}s`,
    '--latency',
    ...(target.hostHeader ? ['-H', `Host: ${target.hostHeader}`] : []),
    `http://127.0.0.1:${target.port}/`,
  ];
  const r = await run(argv, (seconds + 20) * 1000);
  if (r.code !== 0) fail(`wrk failed against ${target.name} (exit ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const parsed = parseWrk(r.stdout);
  if (!Number.isFinite(parsed.rps)) fail(`cannot read wrk's output:\n${r.stdout}`);
  return { ...parsed, raw: r.stdout };
}

// ---------------------------------------------------------------- statistics

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const fmtUs = (us) =>
  !Number.isFinite(us) ? '—' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`;

function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [
    line(columns),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

function machine(nginxVersion) {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    nginx: nginxVersion,
    wrk: /wrk (\S+)/.exec(`${wrkVersion.stdout}${wrkVersion.stderr}`)?.[1] ?? 'unknown',
    kernel: os.release(),
    loadavg: os.loadavg().map((n) => Number(n.toFixed(2))),
    pinned: PIN ? 'servers on CPU 0 (taskset -c 0), wrk on CPU 1 (taskset -c 1)' : 'no (taskset missing or one CPU)',
  };
}

// ---------------------------------------------------------------- the benchmark

async function measureStarts(tmp) {
  const fresh = [];
  for (let i = 0; i < STARTS; i++) {
    const dataDir = join(tmp, `start-${i}`);
    const lk = await startLatchkey(dataDir);
    fresh.push(lk.startMs);
    await stop(lk.child);
  }
  // The same data directory again: no root admin to create.
  const reused = [];
  for (let i = 0; i < STARTS; i++) {
    const lk = await startLatchkey(join(tmp, 'start-0'));
    reused.push(lk.startMs);
    await stop(lk.child);
  }
  return { freshMs: fresh, reusedMs: reused, freshMedianMs: median(fresh), reusedMedianMs: median(reused) };
}

async function benchmark() {
  const tmp = tempDir('latchkey-bench-');
  try {
    process.stdout.write(
      `bench: ${ROUNDS} rounds × ${DURATION}s per case (warm-up ${WARMUP}s); ${PIN ? 'servers pinned to CPU 0, wrk to CPU 1' : 'not pinned'}\n`,
    );

    process.stdout.write(
      `bench: timing ${STARTS} starts of latchkey serve (fresh data dir) and ${STARTS} reusing one\n`,
    );
    const starts = await measureStarts(tmp);

    const upstream = await startUpstream();
    const nginx = await startNginx(tmp, upstream.port);
    const dataDir = join(tmp, 'latchkey');
    const lk = await startLatchkey(dataDir);
    await addApp(dataDir, upstream.port);
    const lkHost = `bench.localhost:${lk.port}`;

    const targets = [
      { name: 'direct', port: upstream.port },
      { name: 'nginx', port: nginx.port },
      { name: 'latchkey', port: lk.port, hostHeader: lkHost },
    ];
    for (const t of targets) {
      const r = await waitFor200(t.port, t.hostHeader ?? `127.0.0.1:${t.port}`, 10_000, t.name);
      if (r.bodyLength !== 1024) fail(`${t.name} answered a ${r.bodyLength}-byte body, not 1024:\n${r.head}`);
    }
    const idle = rss(lk.child.pid);

    process.stdout.write(`bench: warming up each target for ${WARMUP}s\n`);
    if (WARMUP > 0) for (const t of targets) await wrk(t, CONFIGS[1], WARMUP);

    const runs = [];
    let afterLoad;
    for (const cfg of CONFIGS) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          const r = await wrk(t, cfg, DURATION);
          runs.push({ target: t.name, connections: cfg.connections, threads: cfg.threads, round, ...r });
          if (t.name === 'latchkey' && cfg.connections === 32) afterLoad = rss(lk.child.pid);
          process.stdout.write(
            `  c${String(cfg.connections).padEnd(2)} round ${round} ${t.name.padEnd(8)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmtUs(r.p50us).padStart(9)}  p99 ${fmtUs(r.p99us).padStart(9)}` +
              `${r.non2xx ? `  NON-2XX ${r.non2xx}` : ''}${r.socketErrors ? `  ${r.socketErrorsText}` : ''}\n`,
          );
        }
      }
    }

    // Per-round ratios: each round's three runs ran back to back.
    const ratio = (cfg, round, a, b) => {
      const ra = runs.find((r) => r.connections === cfg && r.round === round && r.target === a);
      const rb = runs.find((r) => r.connections === cfg && r.round === round && r.target === b);
      return ra.rps / rb.rps;
    };
    const summary = [];
    for (const cfg of CONFIGS) {
      const c = cfg.connections;
      const directP50 = median(runs.filter((r) => r.connections === c && r.target === 'direct').map((r) => r.p50us));
      for (const t of targets) {
        const mine = runs.filter((r) => r.connections === c && r.target === t.name);
        const rounds = mine.map((r) => r.round);
        const p50 = median(mine.map((r) => r.p50us));
        summary.push({
          target: t.name,
          connections: c,
          rps: median(mine.map((r) => r.rps)),
          p50us: p50,
          p99us: median(mine.map((r) => r.p99us)),
          rpsToDirect: median(rounds.map((n) => ratio(c, n, t.name, 'direct'))),
          rpsToNginx: median(rounds.map((n) => ratio(c, n, t.name, 'nginx'))),
          addedP50OverDirectUs: c === 1 ? p50 - directP50 : null,
          non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
          socketErrors: mine.reduce((a, r) => a + r.socketErrors, 0),
        });
      }
    }

    const lkStderr = lk.child.stderrText;
    await cleanup();
    const nginxErrors = (() => {
      try {
        return readFileSync(join(nginx.dir, 'error.log'), 'utf8')
          .split('\n')
          .filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)).length;
      } catch {
        return 0;
      }
    })();

    const results = {
      date: new Date().toISOString(),
      settings: {
        rounds: ROUNDS,
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        configs: CONFIGS,
        body: '1 KiB, 200',
      },
      machine: machine(nginx.version),
      summary,
      latchkey: {
        startup: starts,
        rss: { idle, afterConnections32: afterLoad },
        stderrLines: lkStderr.split('\n').filter(Boolean),
      },
      nginxErrorLogErrors: nginxErrors,
      runs: runs.map(({ raw, ...r }) => ({ ...r, wrkOutput: raw })),
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

    // ---- report
    const m = results.machine;
    const rows = summary.map((s) => ({
      target: s.target,
      conns: s.connections,
      'req/s': fmt(s.rps),
      p50: fmtUs(s.p50us),
      p99: fmtUs(s.p99us),
      '÷ direct': fmt(s.rpsToDirect, 2),
      '÷ nginx': fmt(s.rpsToNginx, 2),
      'added p50':
        s.addedP50OverDirectUs === null ? '' : s.target === 'direct' ? '—' : `${fmt(s.addedP50OverDirectUs)} µs`,
      'non-2xx': s.non2xx,
    }));
    const out = [];
    out.push('');
    out.push(
      `machine: ${m.nproc} CPUs, ${m.cpuModel}; Node ${m.node}; nginx ${m.nginx}; wrk ${m.wrk}; pinned: ${m.pinned}`,
    );
    out.push(`medians of ${ROUNDS} rounds of ${DURATION}s (ratios: median of the per-round ratios)`);
    out.push(table(rows, Object.keys(rows[0])));
    out.push('');
    out.push(
      `latchkey serve → listening: ${fmt(starts.freshMedianMs)} ms median of ${STARTS} (fresh data dir, creates the root admin); ` +
        `${fmt(starts.reusedMedianMs)} ms reusing a data dir`,
    );
    out.push(
      `latchkey VmRSS: ${fmt(idle.vmRssKiB / 1024, 1)} MiB idle, ${fmt(afterLoad?.vmRssKiB / 1024, 1)} MiB right after the 32-connection run ` +
        `(VmHWM ${fmt(afterLoad?.vmHwmKiB / 1024, 1)} MiB)`,
    );
    const bad = summary.filter((s) => s.non2xx || s.socketErrors);
    if (bad.length) {
      for (const s of bad)
        out.push(`WARNING: ${s.target} c${s.connections}: ${s.non2xx} non-2xx/3xx, ${s.socketErrors} socket errors`);
    } else {
      out.push('no non-2xx/3xx responses and no socket errors in any run');
    }
    if (results.latchkey.stderrLines.length)
      out.push(
        `latchkey stderr (${results.latchkey.stderrLines.length} lines), first: ${results.latchkey.stderrLines[0]}`,
      );
    if (nginxErrors) out.push(`nginx error.log: ${nginxErrors} error lines`);
    out.push(`results: ${join('bench', 'results', 'latest.json')}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cleanup();
    removeTempDirs();
  }
}

// ---------------------------------------------------------------- the profile

function topSelfTime(profile, count) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas?.[i] ?? 0;
    hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + Math.max(dt, 0));
  }
  const byFunction = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of hits) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    total += us;
    const where = url ? `${url.replace(`file://${ROOT}/`, '').replace(/^node:/, 'node:')}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    top: [...byFunction]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([fn, us]) => ({
        function: fn,
        selfMs: Number((us / 1000).toFixed(1)),
        percentOfBusy: Number(((100 * us) / busy).toFixed(1)),
      })),
  };
}

async function profile() {
  const tmp = tempDir('latchkey-prof-');
  try {
    const upstream = await startUpstream();
    const dataDir = join(tmp, 'latchkey');
    const profDir = join(tmp, 'prof');
    const lk = await startLatchkey(dataDir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    await addApp(dataDir, upstream.port);
    const target = { name: 'latchkey', port: lk.port, hostHeader: `bench.localhost:${lk.port}` };
    await waitFor200(lk.port, target.hostHeader, 10_000, 'latchkey');
    process.stdout.write(`bench: profiling latchkey under wrk -t2 -c32 for ${DURATION}s (after ${WARMUP}s warm-up)\n`);
    if (WARMUP > 0) await wrk(target, CONFIGS[1], WARMUP);
    const r = await wrk(target, CONFIGS[1], DURATION);
    process.stdout.write(`  ${fmt(r.rps)} req/s under the profiler, p50 ${fmtUs(r.p50us)}, non-2xx ${r.non2xx}\n`);
    const exit = await stop(lk.child, 10_000);
    if (exit.code !== 0) process.stderr.write(`bench: latchkey exited with ${exit.code ?? exit.signal}\n`);
    await cleanup();
    const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
    if (!file) fail('latchkey wrote no .cpuprofile');
    const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
    const top = topSelfTime(prof, 20);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latchkey.cpuprofile'), JSON.stringify(prof));
    writeFileSync(
      join(RESULTS, 'profile.json'),
      `${JSON.stringify({ wrk: { ...r, raw: undefined }, ...top }, null, 2)}\n`,
    );
    process.stdout.write(
      `profile: ${fmt(top.totalMs)} ms sampled, ${fmt(top.idleMs)} ms idle; top self time (% of busy):\n` +
        top.top.map((t) => `  ${String(t.percentOfBusy).padStart(5)}%  ${t.selfMs} ms  ${t.function}`).join('\n') +
        `\nwritten: bench/results/latchkey.cpuprofile, bench/results/profile.json\n`,
    );
  } finally {
    await cleanup();
    removeTempDirs();
  }
}

// ---------------------------------------------------------------- main

try {
  if (!existsSync(join(ROOT, 'dist', 'main', 'cli', 'main.js'))) {
    fail('dist/main/cli/main.js is missing: run npm run build first');
  }
  if (!which('wrk')) fail('wrk is not installed: run bash bench/setup.sh');
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
    fail(`BENCH_ROUNDS must be a positive integer, not "${process.env.BENCH_ROUNDS}"`);
  if (PROFILE) await profile();
  else await benchmark();
} catch (error) {
  if (interrupted) {
    /* the signal handler reports and exits */
  } else if (!(error instanceof BenchError)) process.stderr.write(`bench: ${error.stack ?? error}\n`);
  else if (!process.exitCode) process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
  await cleanup();
}
