import type { App } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import type { Clock } from '../clock.js';
import { AppRunsRepo, type RunRequest } from '../db/app-runs-repo.js';
import { whenWritable } from '../db/write.js';
import type { Logger } from '../log.js';
import type { Store } from '../store.js';
import { AppProcess, type RunStatus } from './app-process.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { reapOrphans } from './child-records.js';
import { markGateway, runningGateway, unmarkGateway } from './gateway-marker.js';
import { DEFAULT_LOG_MAX_BYTES } from './log-file.js';
import type { Listen } from './presets.js';

export interface LauncherOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** The user's environment, which children inherit minus LATCHKEY_*. */
  env: NodeJS.ProcessEnv;
  /** The current app list (the gateway's live state). */
  apps(): readonly App[];
  publicUrl(slug: string): string;
  jwksUrl(): string;
  backoff?: Partial<BackoffPolicy>;
  graceMs?: number;
  startTimeoutMs?: number;
  logMaxBytes?: number;
  /** How often the CLI's requests and idle apps are looked at. */
  pollMs?: number;
}

/** What a request to an app Latchkey runs may do now. */
export type Admission =
  | { kind: 'ready'; listen: Listen; release(): void }
  | { kind: 'starting'; status: RunStatus }
  | {
      kind: 'unavailable';
      code: 'APP_STARTING' | 'APP_NOT_RUNNING' | 'APP_START_FAILED';
      message: string;
      status: RunStatus;
    };

const fingerprint = (app: App) => JSON.stringify([app.run, app.healthPath, app.name]);

/**
 * Runs the apps that carry a run definition: starts them by their policy (on the first
 * request, with Latchkey, or by hand), stops them when idle, when removed or changed, and
 * when Latchkey quits; acts on the CLI's start/stop requests; reports states.
 */
export class Launcher {
  private readonly processes = new Map<string, { process: AppProcess; fingerprint: string }>();
  private readonly runs: AppRunsRepo;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set when another live Latchkey runs the apps of this data directory: this one runs none. */
  private passive: string | undefined;
  private readonly unreported = new Map<string, RunStatus>();
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: LauncherOptions) {
    this.runs = new AppRunsRepo(options.store.db, options.clock);
  }

  /** Stops what an earlier, killed Latchkey left running, then starts the `auto` apps. */
  async open(): Promise<void> {
    const { store, log } = this.options;
    const other = runningGateway(store.dataDir);
    if (other !== undefined && other !== process.pid) {
      // Two gateways on one data directory (the desktop app and serve): one runs the apps.
      this.passive = `another Latchkey (pid ${other}) runs the apps of ${store.dataDir}`;
      log.warn(`${this.passive}; this one starts none`);
      return;
    }
    await reapOrphans(store.dataDir, log, this.graceMs);
    markGateway(store.dataDir);
    // States an earlier, killed run left behind; written like any other, waiting its turn.
    for (const row of this.runs.list()) {
      if (row.state !== 'stopped') {
        this.report(row.slug, { state: 'stopped', reason: null, pid: null, retryAt: null, lastLines: [] });
      }
    }
    this.tick();
    for (const app of this.options.apps()) {
      if (app.run?.start === 'auto')
        void this.processOf(app)
          .start()
          .catch(() => undefined);
    }
    this.timer = setInterval(() => this.tick(), this.options.pollMs ?? 250);
    this.timer.unref();
  }

  status(slug: string): RunStatus | undefined {
    return this.processes.get(slug)?.process.status;
  }

  /** The pool keys of the apps running now (see gateway/launched.ts). */
  liveOrigins(): string[] {
    const origins: string[] = [];
    for (const { process } of this.processes.values()) {
      const listen = process.listening;
      if (listen) origins.push(listen.kind === 'socket' ? `unix:${listen.path}` : `http://127.0.0.1:${listen.port}`);
    }
    return origins;
  }

  /** Where a running app listens now. */
  listening(slug: string): Listen | undefined {
    return this.processes.get(slug)?.process.listening;
  }

  lastLines(slug: string, n?: number): string[] {
    return this.processes.get(slug)?.process.lastLines(n) ?? [];
  }

  /**
   * A request to a run app: ready (with where it listens), or starting (the caller shows
   * a page), or unavailable. With `waitMs`, waits for a start up to that long.
   */
  async admit(app: App, waitMs: number | undefined): Promise<Admission> {
    if (this.passive) {
      const status: RunStatus = { state: 'stopped', reason: this.passive, pid: null, retryAt: null, lastLines: [] };
      return {
        kind: 'unavailable',
        code: 'APP_NOT_RUNNING',
        message: `${app.name} is not run here: ${this.passive}`,
        status,
      };
    }
    const proc = this.processOf(app);
    const status = proc.status;
    if (status.state === 'running' && proc.listening) {
      return { kind: 'ready', listen: proc.listening, release: proc.hold() };
    }
    if (status.state === 'crashed') {
      return { kind: 'unavailable', code: 'APP_START_FAILED', message: status.reason ?? `${app.name} crashed`, status };
    }
    if ((status.state === 'stopped' || status.state === 'stopping') && app.run?.start === 'manual') {
      return {
        kind: 'unavailable',
        code: 'APP_NOT_RUNNING',
        message: `${app.name} is stopped; start it with latchkey app start --slug ${app.slug}`,
        status,
      };
    }
    const started = status.state === 'backoff' ? undefined : proc.start();
    if (waitMs === undefined) {
      started?.catch(() => undefined);
      return { kind: 'starting', status: proc.status };
    }
    if (!started) {
      return { kind: 'unavailable', code: 'APP_STARTING', message: status.reason ?? `${app.name} is starting`, status };
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)));
    try {
      const outcome = await Promise.race([started.then(() => 'ready' as const), timedOut]);
      if (outcome === 'ready' && proc.listening) {
        return { kind: 'ready', listen: proc.listening, release: proc.hold() };
      }
      return {
        kind: 'unavailable',
        code: 'APP_STARTING',
        message: `${app.name} is still starting`,
        status: proc.status,
      };
    } catch (error) {
      return { kind: 'unavailable', code: 'APP_START_FAILED', message: (error as Error).message, status: proc.status };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Acts on a start, stop or restart (from the CLI through the database, the console, the tray). */
  async act(slug: string, action: RunRequest): Promise<RunStatus> {
    const app = this.options.apps().find((a) => a.slug === slug);
    if (!app) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
    if (!app.run)
      throw new LatchkeyError('APP_NOT_RUNNABLE', `${app.name} is not run by Latchkey (it has no run definition)`);
    if (this.passive) throw new LatchkeyError('LAUNCHER_NOT_RUNNING', this.passive);
    const proc = this.processOf(app);
    if (action === 'stop') await proc.stop();
    else if (action === 'restart') await proc.restart();
    else await proc.start();
    return proc.status;
  }

  /** Stops every child; Latchkey is quitting. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.processes.values()].map(({ process }) => process.stop()));
    for (const { process } of this.processes.values()) process.close();
    this.processes.clear();
    // The last states ("stopped") are written before the store closes.
    await this.flush();
    unmarkGateway(this.options.store.dataDir);
  }

  private get graceMs(): number {
    return this.options.graceMs ?? 5_000;
  }

  private processOf(app: App): AppProcess {
    const known = this.processes.get(app.slug);
    if (known && known.fingerprint === fingerprint(app)) return known.process;
    const previous = this.retire(app.slug);
    const process = new AppProcess(
      app,
      {
        dataDir: this.options.store.dataDir,
        clock: this.options.clock,
        log: this.options.log,
        env: this.options.env,
        backoff: { ...DEFAULT_BACKOFF, ...this.options.backoff },
        graceMs: this.graceMs,
        startTimeoutMs: this.options.startTimeoutMs ?? 60_000,
        logMaxBytes: this.options.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES,
        publicUrl: this.options.publicUrl,
        jwksUrl: this.options.jwksUrl,
        onChange: (slug, status) => this.report(slug, status),
      },
      previous,
    );
    this.processes.set(app.slug, { process, fingerprint: fingerprint(app) });
    return process;
  }

  /** An app removed or redefined: its old child stops. */
  private retire(slug: string): Promise<void> {
    const known = this.processes.get(slug);
    if (!known) return Promise.resolve();
    this.processes.delete(slug);
    return known.process.stop().then(() => known.process.close());
  }

  /**
   * Records a state for the CLI and other processes. Only each app's latest state is kept
   * to write, so a write that waits for the lock never lands after a newer one.
   */
  private report(slug: string, status: RunStatus): void {
    if (this.closed && status.state !== 'stopped' && status.state !== 'stopping') return;
    this.unreported.set(slug, status);
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      for (const [slug, status] of this.unreported) {
        try {
          await whenWritable(() => this.runs.report(slug, status));
        } catch (error) {
          // Kept to write at the next tick.
          this.options.log.warn(`cannot record the state of ${slug}: ${(error as Error).message}`);
          return;
        }
        if (this.unreported.get(slug) === status) this.unreported.delete(slug);
      }
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private tick(): void {
    if (this.closed) return;
    if (this.unreported.size > 0) void this.flush();
    try {
      const apps = new Map(this.options.apps().map((a) => [a.slug, a]));
      for (const [slug, known] of this.processes) {
        const app = apps.get(slug);
        if (!app?.run || fingerprint(app) !== known.fingerprint) void this.retire(slug);
      }
      for (const { slug, requested } of this.runs.takeRequests()) {
        this.act(slug, requested).catch((error: unknown) =>
          this.options.log.warn(`${requested} ${slug}: ${(error as Error).message}`),
        );
      }
      for (const { process } of this.processes.values()) {
        const idleStop = process.app.run?.idleStopMs;
        if (idleStop && process.status.state === 'running' && process.idleFor() >= idleStop) {
          void process.stop(`stopped after ${Math.round(idleStop / 1000)} s without requests`);
        }
      }
    } catch (error) {
      this.options.log.warn(`launcher: ${(error as Error).message}`);
    }
  }
}
