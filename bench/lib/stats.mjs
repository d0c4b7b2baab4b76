// Medians, same-round ratios, formatting and the machine description.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { PIN } from './proc.mjs';

export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
export const fmtUs = (us) =>
  !Number.isFinite(us) ? '—' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`;

export function table(rows, columns = Object.keys(rows[0])) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [
    line(columns),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

/**
 * Runs measure(target, round) for every target in every round, back to back
 * (A B C A B C …), so slow spells on a shared machine hit every target about equally.
 * Returns [{ target, round, ...measurement }].
 */
export async function alternate(targets, rounds, measure, log = () => {}) {
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    for (const t of targets) {
      const r = await measure(t, round);
      runs.push({ target: t.name, round, ...r });
      log(t, round, r);
    }
  }
  return runs;
}

/** The median over rounds of (a's key ÷ b's key) in the same round. */
export function roundRatio(runs, a, b, key) {
  const rounds = [...new Set(runs.map((r) => r.round))];
  return median(
    rounds.map((n) => {
      const ra = runs.find((r) => r.round === n && r.target === a);
      const rb = runs.find((r) => r.round === n && r.target === b);
      return ra && rb ? ra[key] / rb[key] : NaN;
    }),
  );
}

export const medianOf = (runs, target, key) => median(runs.filter((r) => r.target === target).map((r) => r[key]));
export const sumOf = (runs, target, key) =>
  runs.filter((r) => r.target === target).reduce((a, r) => a + (r[key] ?? 0), 0);

export function machine(versions) {
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
    ...versions,
    wrk: /wrk (\S+)/.exec(`${wrkVersion.stdout}${wrkVersion.stderr}`)?.[1] ?? 'unknown',
    kernel: os.release(),
    loadavg: os.loadavg().map((n) => Number(n.toFixed(2))),
    pinned: PIN ? 'servers on CPU 0 (taskset -c 0), wrk on CPU 1 (taskset -c 1)' : 'no (taskset missing or one CPU)',
  };
}
