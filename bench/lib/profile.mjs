// `node bench/run.mjs --profile`: Latchkey under `node --cpu-prof` with wrk -t2 -c32, and
// the functions with the most self time.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS, ROOT, cleanup, fail, removeTempDirs, stop, tempDir, waitFor200 } from './proc.mjs';
import { addApp, startLatchkey, startUpstream } from './servers.mjs';
import { fmt, fmtUs } from './stats.mjs';
import { CONFIGS } from './http-cases.mjs';
import { wrk } from './wrk.mjs';

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

export async function profile(settings) {
  const tmp = tempDir('latchkey-prof-');
  try {
    const upstream = await startUpstream();
    const dataDir = join(tmp, 'latchkey');
    const profDir = join(tmp, 'prof');
    const lk = await startLatchkey(dataDir, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    await addApp(dataDir, upstream.port);
    const target = { name: 'latchkey', port: lk.port, hostHeader: `bench.localhost:${lk.port}` };
    await waitFor200(lk.port, target.hostHeader, 10_000, 'latchkey');
    process.stdout.write(
      `bench: profiling latchkey under wrk -t2 -c32 for ${settings.duration}s (after ${settings.warmup}s warm-up)\n`,
    );
    if (settings.warmup > 0) await wrk(target, CONFIGS[1], settings.warmup);
    const r = await wrk(target, CONFIGS[1], settings.duration);
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
