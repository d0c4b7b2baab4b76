import type { ConsoleApi } from '../api/service.js';
import type { AuthDeps } from '../auth/index.js';
import type { ChangeFeed } from '../feed.js';
import type { Launcher } from '../launcher/launcher.js';
import type { Snapshot } from '../live-state.js';
import type { AdmissionDeps } from './admission.js';
import type { HostContext } from './auth-routes.js';
import type { Exchange } from './exchange.js';
import type { HostTarget } from './hosts.js';
import type { LiveStreams } from './live-streams.js';
import type { StaticPages } from './static-pages.js';
import type { UpstreamPools } from './upstreams.js';

export interface RouterDeps extends AdmissionDeps {
  auth: AuthDeps;
  /** The console API over HTTP; undefined where the control plane has no HTTP route. */
  api: ConsoleApi | undefined;
  pages: StaticPages;
  pools: UpstreamPools;
  maxBodyBytes: number;
  version: string;
  /** Open WebSockets and streaming responses, decided again while they last. */
  streams: LiveStreams;
  /** What changed, served as events to the console where the API is served. */
  feed: ChangeFeed;
  /** Runs the apps that carry a run definition; undefined where nothing is run. */
  launcher?: Launcher | undefined;
  /** How long a request waits for an app that is starting. */
  upstreamTimeoutMs?: number;
}

/** What the passes after admission use: the router's deps and what the router makes once. */
export interface PassDeps extends RouterDeps {
  /** The context of a host, made once per settings snapshot. */
  hostContext(target: HostTarget, snapshot: Snapshot): HostContext;
  /**
   * The admission passes again, on the request of a stream still open: undefined when they
   * refuse it now.
   */
  readmit(ex: Exchange): Promise<Exchange | undefined>;
}
