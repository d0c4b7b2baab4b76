import { LatchkeyError } from '../common/errors.js';
import { VERSION } from '../common/version.js';
import { createConsoleApi, type ConsoleApi } from './api/service.js';
import { createAuth, type AuthDeps } from './auth/index.js';
import type { Sleep } from './auth/regulation.js';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, type Config } from './config/config.js';
import { baseNames } from './gateway/hosts.js';
import { LiveStreams } from './gateway/live-streams.js';
import { createRouter } from './gateway/router.js';
import { DEFAULT_HOSTS, isLoopbackAddress, listen, type Listening } from './gateway/server.js';
import { targetOf, UpstreamPools } from './gateway/upstreams.js';
import { defaultRendererDir, StaticPages } from './gateway/static-pages.js';
import { ChangeFeed } from './feed.js';
import { checkStartState } from './identn-service.js';
import { silentLogger, type Logger } from './log.js';
import { Launcher, type LauncherOptions } from './launcher/launcher.js';
import { LiveState } from './live-state.js';
import { proveWritable } from './data-dir.js';
import { storeError } from './db/errors.js';
import { REQUEST_BUSY_TIMEOUT_MS, setBusyTimeout } from './db/open.js';
import { openStore, type Store } from './store.js';

export interface CoreOptions {
  dataDir: string;
  /** `--config FILE`; else LATCHKEY_CONFIG, else `<data-dir>/config.yaml` if present. */
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: Logger;
  /** `--port`, winning over LATCHKEY_PORT, the config file and the port used last time. */
  port?: number | undefined;
  /** `--host`, winning over LATCHKEY_HOST and the config file. */
  host?: string | undefined;
  /** The built renderer (`dist/renderer`); the default finds it from the package root. */
  rendererDir?: string;
  /**
   * Whether the console API answers over HTTP on the console host: yes under
   * `latchkey serve`; the desktop app binds it to IPC instead and passes false.
   */
  httpControlPlane?: boolean;
  /** How regulation waits while it slows sign-in down; tests pass one that does not wait. */
  sleep?: Sleep;
  /** The launcher's timings, and the environment children inherit (default: this process's). */
  launcher?: Partial<
    Pick<LauncherOptions, 'backoff' | 'graceMs' | 'startTimeoutMs' | 'logMaxBytes' | 'pollMs' | 'env'>
  >;
}

/**
 * Everything the core is made of. Only `createCore` (index.ts), which hands the shell and
 * `serve` the few parts they use, and tests, which look inside, hold this.
 */
export interface CoreParts {
  store: Store;
  auth: AuthDeps;
  /** The console API, for the HTTP transport here and the desktop shell's IPC. */
  api: ConsoleApi;
  state: LiveState;
  /** Open WebSockets and streaming responses, decided again while they last. */
  streams: LiveStreams;
  /** What changed, for the console (IPC in the desktop app, server-sent events under serve). */
  feed: ChangeFeed;
  config: Config;
  launcher: Launcher;
  listen(): Promise<Listening>;
  close(): Promise<void>;
}

const LAST_PORT_KEY = 'gateway.last-port';
const CLOSE_BUSY_TIMEOUT_MS = 2_000;

function bindHosts(host: string | undefined): readonly string[] {
  if (host === undefined || host === 'localhost') return DEFAULT_HOSTS;
  return [host.replace(/^\[|\]$/g, '')];
}

/** Builds the core from its parts: the store, auth, the live state, the gateway, the launcher. */
export async function assembleCore(options: CoreOptions): Promise<CoreParts> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const config = loadConfig({ file: options.configFile, dataDir: options.dataDir, env });
  const store = await openStore({ dataDir: options.dataDir, config, clock, log });

  let listening: Listening | undefined;
  let pools: UpstreamPools | undefined;
  try {
    // A gateway that cannot write fails its first sign-in, not its start: find out now.
    proveWritable(store.dataDir);
    const identn = checkStartState(store);
    const host = options.host ?? (config.pinned('host') ? config.get('host') : undefined);
    const hosts = bindHosts(host);
    const loopbackOnly = hosts.every(isLoopbackAddress);
    if (!loopbackOnly && identn.impersonation.enabled) {
      throw new LatchkeyError(
        'BIND_NOT_LOOPBACK',
        `${hosts.join(', ')} is not a loopback address; impersonation mode listens only on 127.0.0.1 and ::1`,
      );
    }
    const auth = createAuth(store, log, options.sleep);
    // The API and the live state's callback refer to it before it exists.
    const made: { launcher?: Launcher } = {};
    const api = createConsoleApi({
      store,
      passwords: auth.login,
      port: () => listening?.port ?? 0,
      launcher: () => made.launcher,
    });
    pools = new UpstreamPools({ headersMs: config.get('gateway.upstream-timeout') });
    const livePools = pools;
    // Looking at the state as each sweep ends absorbs the sweep's own bookkeeping writes.
    const streams = new LiveStreams(log, () => state.current());
    const state = new LiveState(store, {
      reloaded: () => auth.signer.reload(),
      committed: (snapshot) => {
        // Apps Latchkey runs get a new address at each start (a commit to app_runs, not to
        // what the snapshot holds): their pools come and go with it.
        const fixed = snapshot.appList.filter((a) => !a.run).map((a) => targetOf(a).origin);
        livePools.retain(new Set([...fixed, ...(made.launcher?.liveOrigins() ?? [])]));
        // The feed first: an event stream the sweep then closes still carries the change.
        feed.changed();
        streams.stateChanged();
      },
    });
    const feed = new ChangeFeed(store.db, () => state.current(), log);
    const port = () => listening?.port ?? 0;
    const runner = new Launcher({
      store,
      clock,
      log,
      env: process.env,
      ...options.launcher,
      apps: () => state.current().appList,
      publicUrl: (slug) => `http://${slug}.localhost:${port()}/`,
      jwksUrl: () => `http://latchkey.localhost:${port()}/.well-known/latchkey/jwks.json`,
    });
    made.launcher = runner;

    const core: CoreParts = {
      store,
      auth,
      api,
      state,
      streams,
      feed,
      config,
      launcher: runner,
      async listen() {
        if (listening) throw new Error('already listening');
        const stored = store.settings.get(LAST_PORT_KEY);
        const port =
          options.port ??
          (config.pinned('port') ? config.get('port') : typeof stored === 'number' ? stored : config.get('port'));
        const router = createRouter({
          auth,
          api: options.httpControlPlane === false ? undefined : api,
          pages: new StaticPages(options.rendererDir ?? defaultRendererDir()),
          state,
          port: () => listening?.port ?? port,
          baseNames: baseNames(config.get('gateway.allowed-hosts')),
          loopbackOnly,
          ownUid: process.getuid?.(),
          log,
          pools: livePools,
          maxBodyBytes: config.get('gateway.max-body-size'),
          version: VERSION,
          streams,
          feed,
          launcher: runner,
          upstreamTimeoutMs: config.get('gateway.upstream-timeout'),
        });
        listening = await listen({
          hosts,
          port,
          timeouts: {
            headersMs: config.get('gateway.headers-timeout'),
            requestMs: config.get('gateway.request-timeout'),
          },
          onRequest: router.onRequest,
          onUpgrade: router.onUpgrade,
          onConnection: router.onConnection,
        });
        try {
          // Written on every start, even unchanged: the commit proves the database takes
          // writes before anyone is told the gateway is listening.
          store.settings.setMany({ [LAST_PORT_KEY]: listening.port });
        } catch (error) {
          await listening.close();
          listening = undefined;
          throw storeError(error, store.dataDir) ?? error;
        }
        // From here on, requests share this connection: none may wait long for a lock.
        setBusyTimeout(store.db, REQUEST_BUSY_TIMEOUT_MS);
        auth.bookkeeping.start();
        await runner.open();
        return listening;
      },
      async close() {
        // The children first: quitting Latchkey stops what it started.
        await runner.close();
        // Upgraded sockets are no longer the HTTP server's to close: end them here.
        streams.closeAll();
        feed.close();
        await listening?.close();
        await livePools.close();
        // Nothing else waits on this connection any more: the last batch may wait its turn.
        setBusyTimeout(store.db, CLOSE_BUSY_TIMEOUT_MS);
        auth.bookkeeping.close();
        store.close();
      },
    };
    return core;
  } catch (error) {
    await pools?.close();
    store.close();
    throw storeError(error, store.dataDir) ?? error;
  }
}
