import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Pool } from 'undici';
import type { App } from '../../common/apps.js';

/**
 * undici, loaded when the first pool is made rather than at start-up: it is the largest
 * module the gateway loads (about a quarter of its memory and of its start-up time), and
 * no request before the first proxied one needs it.
 */
let undiciModule: typeof Undici | undefined;
const undici = () => (undiciModule ??= createRequire(import.meta.url)('undici') as typeof Undici);

export interface UpstreamTarget {
  /** `http://127.0.0.1:3000`: the pool key. */
  origin: string;
  /** `127.0.0.1:3000`: the Host an upstream sees when the app does not preserve Host. */
  host: string;
  /** A path prefix from the upstream URL (`/grafana`), or ''. */
  basePath: string;
  secure: boolean;
  /** For a `unix:/path` upstream: the socket to connect to. */
  socketPath?: string;
}

/** The target of a Unix-socket upstream: the pool key is `unix:<path>`. */
export function socketTarget(path: string): UpstreamTarget {
  return { origin: `unix:${path}`, host: 'localhost', basePath: '', secure: false, socketPath: path };
}

const targets = new WeakMap<App, UpstreamTarget>();

/** The parsed upstream of an app, computed once per app snapshot, not per request. */
export function targetOf(app: App): UpstreamTarget {
  let target = targets.get(app);
  if (!target && app.upstream.startsWith('unix:')) {
    target = socketTarget(app.upstream.slice('unix:'.length));
    targets.set(app, target);
  }
  if (!target) {
    const url = new URL(app.upstream);
    target = {
      origin: url.origin,
      host: url.host,
      basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, ''),
      secure: url.protocol === 'https:',
    };
    targets.set(app, target);
  }
  return target;
}

export interface UpstreamTimeouts {
  /** How long an upstream may take to send its response headers. */
  headersMs: number;
}

/**
 * One keep-alive connection pool per upstream origin. Pools of upstreams no app uses any
 * more are closed when the app list changes.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly timeouts: UpstreamTimeouts) {}

  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const socketPath = origin.startsWith('unix:') ? origin.slice('unix:'.length) : undefined;
      pool = new (undici().Pool)(socketPath ? 'http://localhost' : origin, {
        ...(socketPath ? { socketPath } : {}),
        connections: 128,
        pipelining: 1,
        connectTimeout: 10_000,
        headersTimeout: this.timeouts.headersMs,
        // Server-sent events and long downloads may be quiet for a long time.
        bodyTimeout: 0,
        keepAliveTimeout: 4_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  retain(origins: ReadonlySet<string>): void {
    for (const [origin, pool] of this.pools) {
      if (!origins.has(origin)) {
        this.pools.delete(origin);
        void pool.close().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
