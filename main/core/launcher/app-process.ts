import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { App, RunState } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { Backoff, type BackoffPolicy } from './backoff.js';
import { childEnvironment } from './child-env.js';
import { forgetChild, recordChild } from './child-records.js';
import { self } from './gateway-marker.js';
import { stopGroup } from './group-stop.js';
import { logFileOf, RotatingLog } from './log-file.js';
import { launchSpec, listenKind, type LaunchContext, type Listen } from './presets.js';
import { portHeldByGroup, readStat, signalGroup } from './process-info.js';
import { isReady, pickPort } from './readiness.js';

export interface RunStatus {
  state: RunState;
  /** Why it is in this state (sticky for crashed), or null. */
  reason: string | null;
  pid: number | null;
  /** When a backing-off app starts again. */
  retryAt: number | null;
  /** Its last log lines, when something went wrong. */
  lastLines: string[];
}

export interface ProcessDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  env: NodeJS.ProcessEnv;
  backoff: BackoffPolicy;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  graceMs: number;
  /** How long a start may take to become ready. */
  startTimeoutMs: number;
  logMaxBytes: number;
  publicUrl(slug: string): string;
  jwksUrl(): string;
  onChange(slug: string, status: RunStatus): void;
}

const READY_POLL_MS = 100;
const LAST_LINES = 20;

/** The owner-only folder where apps' Unix sockets live. */
export function socketsDir(dataDir: string): string {
  return join(dataDir, 'launcher', 'sockets');
}

interface Waiter {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function waiter(): Waiter {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * One app Latchkey runs: its child (in a process group of its own), its state, its log,
 * its restarts. States: stopped → starting → running → stopping → stopped; a crash goes
 * to backoff (and starts again) or, after too many in a row, to crashed, which stays.
 */
export class AppProcess {
  private current: RunStatus = { state: 'stopped', reason: null, pid: null, retryAt: null, lastLines: [] };
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private listen: Listen | undefined;
  private starting: Waiter | undefined;
  private stopping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readyAt = 0;
  private readonly backoff: Backoff;
  private output: RotatingLog | undefined;
  private holds = 0;
  private lastActive: number;

  constructor(
    readonly app: App,
    private readonly deps: ProcessDeps,
    /** The stop of the app's previous definition, which a start waits for. */
    private previous: Promise<void> = Promise.resolve(),
  ) {
    this.backoff = new Backoff(deps.backoff);
    this.lastActive = deps.clock.now();
  }

  get status(): RunStatus {
    return this.current;
  }

  /** Where the running child listens. */
  get listening(): Listen | undefined {
    return this.current.state === 'running' ? this.listen : undefined;
  }

  /** Resolves once it runs and is ready; rejects at once if it exits while starting. */
  start(): Promise<void> {
    if (this.current.state === 'running') return Promise.resolve();
    if (this.starting) return this.starting.promise;
    if (this.stopping) return this.stopping.then(() => this.start());
    clearTimeout(this.retryTimer);
    if (this.current.state === 'crashed' || this.current.state === 'stopped') this.backoff.reset();
    const w = waiter();
    this.starting = w;
    void this.launch(w);
    return w.promise;
  }

  async stop(reason: string | null = null): Promise<void> {
    clearTimeout(this.retryTimer);
    if (this.stopping) return this.stopping;
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.starting?.reject(new LatchkeyError('APP_NOT_RUNNING', `${this.app.name} was stopped while it started`));
      this.starting = undefined;
      this.set({ state: 'stopped', reason, pid: null, retryAt: null, lastLines: [] });
      return;
    }
    this.starting?.reject(new LatchkeyError('APP_NOT_RUNNING', `${this.app.name} was stopped while it started`));
    this.starting = undefined;
    this.set({ ...this.current, state: 'stopping', retryAt: null });
    const pid = child.pid;
    this.stopping = (async () => {
      const how = await stopGroup(pid, this.deps.graceMs);
      await this.exited;
      this.output?.note(how === 'killed' ? 'stopped (killed after the grace period)' : 'stopped');
      this.set({ state: 'stopped', reason, pid: null, retryAt: null, lastLines: [] });
      this.stopping = undefined;
    })();
    return this.stopping;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** A request is using the app: it is not idle until released. */
  hold(): () => void {
    this.holds += 1;
    this.lastActive = this.deps.clock.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      this.lastActive = this.deps.clock.now();
    };
  }

  idleFor(): number {
    return this.holds > 0 ? 0 : this.deps.clock.now() - this.lastActive;
  }

  lastLines(n = LAST_LINES): string[] {
    return this.output?.lastLines(n) ?? [];
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.output?.close();
    this.output = undefined;
  }

  private set(status: RunStatus): void {
    this.current = status;
    this.deps.onChange(this.app.slug, status);
  }

  private context(): LaunchContext {
    return {
      slug: this.app.slug,
      dataDir: this.deps.dataDir,
      publicUrl: this.deps.publicUrl(this.app.slug),
      jwksUrl: this.deps.jwksUrl(),
      env: this.deps.env,
    };
  }

  private async place(): Promise<Listen> {
    const run = this.app.run;
    if (!run) throw new LatchkeyError('APP_NOT_RUNNABLE', `${this.app.name} has no run definition`);
    if (listenKind(run) === 'port') return { kind: 'port', port: await pickPort() };
    const dir = socketsDir(this.deps.dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Owner-only even if it existed before with a looser mode: the folder is the lock.
    chmodSync(dir, 0o700);
    const path = join(dir, `${this.app.slug}.sock`);
    // sockaddr_un holds 108 bytes with its terminating NUL.
    if (Buffer.byteLength(path) > 107) {
      throw new LatchkeyError(
        'APP_START_FAILED',
        `the socket path ${path} is too long for a Unix socket; use a shorter data directory`,
      );
    }
    rmSync(path, { force: true });
    return { kind: 'socket', path };
  }

  private async launch(w: Waiter): Promise<void> {
    this.set({ ...this.current, state: 'starting', pid: null, retryAt: null });
    await this.previous;
    this.previous = Promise.resolve();
    if (this.starting !== w) return;
    this.output ??= new RotatingLog(logFileOf(this.deps.dataDir, this.app.slug), this.deps.logMaxBytes);
    let child: ChildProcess;
    try {
      const listen = await this.place();
      const ctx = this.context();
      const spec = launchSpec(this.app.run as NonNullable<App['run']>, ctx, listen, this.app.healthPath);
      const placement: Record<string, string> = { PUBLIC_URL: ctx.publicUrl, JWKS_URL: ctx.jwksUrl };
      if (listen.kind === 'port') placement.PORT = String(listen.port);
      else placement.SOCKET = listen.path;
      this.listen = listen;
      this.output.note(`starting ${spec.command} ${spec.args.join(' ')}`);
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: childEnvironment(this.deps.env, spec.env, placement),
        // Its own process group, so a stop reaches every process it starts.
        detached: true,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.track(child, w, spec.probePath);
    } catch (error) {
      const message = (error as Error).message;
      this.output.note(`cannot start: ${message}`);
      this.fail(w, message, 'crashed');
    }
  }

  private track(child: ChildProcess, w: Waiter, probePath: string | undefined): void {
    const output = this.output as RotatingLog;
    this.child = child;
    let done!: () => void;
    this.exited = new Promise((resolve) => (done = resolve));
    child.stdout?.on('data', (chunk: Buffer) => output.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.write(chunk));
    let ended = false;
    const end = (how: string) => {
      if (ended) return;
      ended = true;
      this.child = undefined;
      if (child.pid !== undefined) forgetChild(this.deps.dataDir, this.app.slug, child.pid);
      done();
      this.onExit(how, w);
    };
    child.once('error', (error) => end(`could not be started: ${error.message}`));
    child.once('exit', (code, signal) => end(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    const pid = child.pid;
    if (pid === undefined) return;
    recordChild(this.deps.dataDir, {
      slug: this.app.slug,
      pid,
      startTime: readStat(pid)?.startTime ?? '',
      command: child.spawnfile,
      owner: self(),
    });
    this.set({ ...this.current, pid });
    void this.awaitReady(child, w, probePath);
  }

  private async awaitReady(child: ChildProcess, w: Waiter, probePath: string | undefined): Promise<void> {
    const began = Date.now();
    while (this.child === child && this.starting === w) {
      if (this.listen && (await isReady(this.listen, probePath))) {
        if (this.child !== child || this.starting !== w) return;
        if (this.listen.kind === 'port' && !portHeldByGroup(this.listen.port, child.pid as number)) {
          this.output?.note(
            `port ${this.listen.port} was taken by another program; stopping it and trying another port`,
          );
          signalGroup(child.pid as number, 'SIGKILL');
          return;
        }
        this.readyAt = this.deps.clock.now();
        this.output?.note(`ready (pid ${child.pid})`);
        this.starting = undefined;
        this.set({ state: 'running', reason: null, pid: child.pid ?? null, retryAt: null, lastLines: [] });
        w.resolve();
        return;
      }
      if (Date.now() - began > this.deps.startTimeoutMs) {
        this.output?.note(`not ready after ${Math.round(this.deps.startTimeoutMs / 1000)} s; stopping it`);
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  }

  private onExit(how: string, w: Waiter): void {
    const pid = this.current.pid;
    // Whatever it left behind in its group goes with it.
    if (pid !== null) signalGroup(pid, 'SIGKILL');
    if (this.stopping) return;
    this.output?.note(how);
    const wasStarting = this.starting === w;
    const uptime = wasStarting ? 0 : this.deps.clock.now() - this.readyAt;
    const delay = this.backoff.crashed(uptime);
    const what = `${this.app.name} ${how}${wasStarting ? ' while starting' : ''}`;
    if (delay === undefined) {
      this.fail(w, `${what}; ${this.backoff.count} crashes in a row, so it stays stopped`, 'crashed');
      return;
    }
    this.fail(w, `${what}; restarting in ${Math.ceil(delay / 1000)} s`, 'backoff', delay);
    this.retryTimer = setTimeout(() => void this.start().catch(() => undefined), delay);
    this.retryTimer.unref();
  }

  private fail(w: Waiter, reason: string, state: 'crashed' | 'backoff', delay?: number): void {
    const lastLines = this.lastLines();
    if (this.starting === w) this.starting = undefined;
    this.set({
      state,
      reason,
      pid: null,
      retryAt: delay === undefined ? null : this.deps.clock.now() + delay,
      lastLines,
    });
    w.reject(new LatchkeyError('APP_START_FAILED', reason));
  }
}
