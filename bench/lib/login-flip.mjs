// Sign-in cost (argon2id behind a cap of 2 concurrent hashes) and a mode flip under load.
import { CLI, fail, probe, request, run, sleep } from './proc.mjs';
import { fmt, median, table } from './stats.mjs';
import { statusScript, wrk } from './wrk.mjs';
import { ADMIN_PASSWORD, postLogin } from './auth-gateway.mjs';

export const LOGIN_SAMPLES = 20;
export const LOGIN_CLIENTS = 8;

/** The median of 20 sign-ins one after another, then sign-ins/s with 8 clients at once. */
export async function login(ctx) {
  const { auth, settings } = ctx;
  const timed = async () => {
    const t0 = process.hrtime.bigint();
    const r = await postLogin(auth, 'admin', ADMIN_PASSWORD);
    return { status: r.status, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  };
  const first = await timed();
  if (first.status !== 200) fail(`sign-in answered ${first.status}`);
  const sequential = [];
  for (let i = 0; i < LOGIN_SAMPLES; i++) sequential.push(await timed());

  const seconds = Math.max(2, settings.duration);
  const statuses = {};
  const latencies = [];
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: LOGIN_CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const r = await timed();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        latencies.push(r.ms);
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  const ok = statuses[200] ?? 0;
  const result = {
    sequentialMs: sequential.map((s) => s.ms),
    sequentialMedianMs: median(sequential.map((s) => s.ms)),
    sequentialFailures: sequential.filter((s) => s.status !== 200).length,
    concurrent: {
      clients: LOGIN_CLIENTS,
      seconds: elapsed,
      statuses,
      loginsPerSecond: ok / elapsed,
      medianMs: median(latencies),
    },
  };
  const rows = [
    {
      case: `${LOGIN_SAMPLES} sign-ins, one at a time`,
      result: `${fmt(result.sequentialMedianMs, 1)} ms median`,
      'non-200': result.sequentialFailures,
    },
    {
      case: `${LOGIN_CLIENTS} clients at once, ${fmt(elapsed, 1)} s`,
      result: `${fmt(result.concurrent.loginsPerSecond, 1)} sign-ins/s (${fmt(result.concurrent.medianMs, 0)} ms median each)`,
      'non-200': Object.entries(statuses)
        .filter(([s]) => s !== '200')
        .reduce((a, [, n]) => a + n, 0),
    },
  ];
  return { ...result, text: table(rows) };
}

export const FLIP_SECONDS = 6;

async function identnSet(lk, value) {
  const t0 = Date.now();
  const r = await run(
    [process.execPath, CLI, 'identn', 'set', '--impersonation', value, '--data-dir', lk.dataDir],
    30_000,
  );
  if (r.code !== 0) fail(`latchkey identn set --impersonation ${value} failed:\n${r.stdout}${r.stderr}`);
  return Date.now() - t0;
}

/**
 * wrk -c32 against impersonation mode for 6 s; 1.5 s in, impersonation off (401s expected
 * from then on: no session, no token), then back on. One request right after each flip
 * shows the mode it sees. Socket errors and 5xx must be zero.
 */
export async function modeFlip(ctx) {
  const { lk, tmp } = ctx;
  const host = `bench.localhost:${lk.port}`;
  // Impersonation off needs an admin password a person chose.
  const reset = await run(
    [
      process.execPath,
      CLI,
      'admin',
      'user',
      'reset-password',
      '--username',
      'admin',
      '--password',
      'N3w-pass!-bench',
      '--data-dir',
      lk.dataDir,
    ],
    30_000,
  );
  if (reset.code !== 0) fail(`latchkey admin user reset-password failed:\n${reset.stdout}${reset.stderr}`);
  const before = await probe(lk.port, host);
  if (before.status !== 200) fail(`impersonation mode answered ${before.status} before the flip`);

  const script = statusScript(tmp);
  const t0 = Date.now();
  const load = wrk(
    { name: 'latchkey', port: lk.port, hostHeader: host },
    { threads: 2, connections: 32 },
    FLIP_SECONDS,
    {
      script,
    },
  );
  const events = [];
  await sleep(1500);
  const offMs = await identnSet(lk, 'off');
  const afterOff = await probe(lk.port, host);
  events.push({ at: Date.now() - t0, flip: 'off', cliMs: offMs, nextRequest: afterOff.status, expected: 401 });
  await sleep(Math.max(0, 3500 - (Date.now() - t0)));
  const onMs = await identnSet(lk, 'on');
  const afterOn = await probe(lk.port, host);
  events.push({ at: Date.now() - t0, flip: 'on', cliMs: onMs, nextRequest: afterOn.status, expected: 200 });
  const r = await load;
  const statuses = r.statuses ?? {};
  const result = {
    seconds: FLIP_SECONDS,
    connections: 32,
    requests: r.requests,
    rps: r.rps,
    statuses,
    non2xx: r.non2xx,
    socketErrors: r.socketErrors,
    socketErrorsText: r.socketErrorsText,
    fiveXx: statuses['5xx'] ?? 0,
    flips: events,
    flipsSeenAtOnce: events.every((e) => e.nextRequest === e.expected),
    wrkOutput: r.raw,
  };
  const rows = events.map((e) => ({
    flip: `impersonation ${e.flip}`,
    'at (s)': fmt(e.at / 1000, 1),
    'CLI (ms)': e.cliMs,
    'next request': `${e.nextRequest} (expected ${e.expected})`,
  }));
  const text =
    `${table(rows)}\n` +
    `wrk: ${r.requests} requests (${fmt(r.rps)} req/s): 2xx ${statuses['2xx'] ?? '?'}, 401 ${statuses['401'] ?? '?'} (expected while off), ` +
    `other 4xx ${statuses.other4xx ?? '?'}, 5xx ${result.fiveXx}, socket errors ${r.socketErrors}`;
  // Make sure the gateway is back in impersonation mode for anything after this.
  const check = await request({ port: lk.port, host });
  if (check.status !== 200) fail(`impersonation mode answered ${check.status} after the flip`);
  return { ...result, text };
}
