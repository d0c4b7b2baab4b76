// Child processes, temp dirs and cleanup for the benchmark; small network helpers.
// Every child starts in its own process group and is stopped on every exit path.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'latchkey.js');
export const RESULTS = join(ROOT, 'bench', 'results');

export class BenchError extends Error {}
export const state = { interrupted: false };

export function fail(message) {
  if (!state.interrupted) process.stderr.write(`bench: ${message}\n`);
  process.exitCode = 1;
  throw new BenchError(message);
}

/** Temp dirs to remove on every exit path, SIGINT included. */
const tempDirs = new Set();
export function tempDir(prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
export function removeTempDirs() {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin']) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

const TASKSET = which('taskset');
export const PIN = TASKSET !== undefined && os.availableParallelism() >= 2;
export const serverPrefix = PIN ? [TASKSET, '-c', '0'] : [];
export const clientPrefix = PIN ? [TASKSET, '-c', '1'] : [];

const children = new Set();
let cleaning;

/** Starts a long-running process in its own process group, tracked for cleanup. */
export function start(name, argv, options = {}) {
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
export async function stop(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return child.exited;
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

export function cleanup() {
  cleaning ??= Promise.all([...children].map((c) => stop(c)));
  return cleaning;
}

process.on('exit', () => {
  // Last resort if something got past the async cleanup.
  for (const c of children) signalGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (state.interrupted) return;
    state.interrupted = true;
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
export function waitForLine(child, re, timeoutMs, what) {
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
export function run(argv, timeoutMs, options = {}) {
  const child = start(argv.join(' '), argv, options);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
  return child.exited.then(({ code, signal }) => {
    clearTimeout(timer);
    if (child.spawnError) throw new BenchError(`cannot run ${argv[0]}: ${child.spawnError.message}`);
    return { code, signal, stdout: child.stdoutText, stderr: child.stderrText };
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One raw HTTP/1.1 GET to 127.0.0.1; resolves { status, bodyLength, head }. Bounded. */
export function probe(port, host, timeoutMs = 2000, extraHeaders = '') {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 0, error: 'timeout' }), timeoutMs);
    socket.on('connect', () =>
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n${extraHeaders}Connection: close\r\n\r\n`),
    );
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

export async function waitFor200(port, host, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe(port, host);
    if (last.status === 200) return last;
    await sleep(50);
  }
  throw new BenchError(`${what} did not answer 200 within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/**
 * One HTTP request to 127.0.0.1 with node:http (no agent); resolves
 * { status, headers, body } or rejects after timeoutMs.
 */
export function request({ port, method = 'GET', path = '/', host, headers = {}, body, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...(host ? { host } : {}), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

export function rss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { vmRssKiB: kb('VmRSS'), vmHwmKiB: kb('VmHWM') };
  } catch {
    return { vmRssKiB: NaN, vmHwmKiB: NaN };
  }
}

/**
 * CPU time (user, system, in ms) used so far by a process and its direct children (nginx's
 * worker is a child of its master), from /proc/<pid>/stat. Clock ticks: 10 ms resolution.
 */
export function cpuMs(pid) {
  const tick = 1000 / 100;
  const one = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
    } catch {
      return { user: 0, system: 0 };
    }
  };
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    /* none */
  }
  return [pid, ...kids].map(one).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }));
}
