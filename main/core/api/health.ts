import type { App } from '../../common/apps.js';
import type { Health } from '../../common/api.js';
import type { Launcher } from '../launcher/launcher.js';
import type { Listen } from '../launcher/presets.js';

const SLOW_MS = 1_000;
const GIVE_UP_MS = 3_000;

/** What tells where a run app listens now: the launcher, or the CLI's view of the running gateway's. */
type Runner = Pick<Launcher, 'listening'>;

/** Where to ask: an app's fixed upstream, or where Latchkey runs it now. */
function addressOf(app: App, launcher: Runner | undefined): { base: string; socketPath?: string } | undefined {
  if (app.run) {
    const listen: Listen | undefined = launcher?.listening(app.slug);
    if (!listen) return undefined;
    return listen.kind === 'socket'
      ? { base: 'http://localhost', socketPath: listen.path }
      : { base: `http://127.0.0.1:${listen.port}` };
  }
  if (app.upstream.startsWith('unix:')) return { base: 'http://localhost', socketPath: app.upstream.slice(5) };
  return { base: app.upstream };
}

/** Asks an app's health path (or `/`) directly: up, slow (over a second) or down. */
export async function probe(app: App, launcher?: Runner): Promise<Health> {
  const address = addressOf(app, launcher);
  if (!address) return 'down';
  // Loaded here, not at start-up: most gateways never probe (see gateway/upstreams.ts).
  const { Agent, request } = await import('undici');
  const started = Date.now();
  const dispatcher = address.socketPath ? new Agent({ connect: { socketPath: address.socketPath } }) : undefined;
  try {
    const res = await request(new URL(app.healthPath ?? '/', `${address.base}/`), {
      method: 'GET',
      headersTimeout: GIVE_UP_MS,
      bodyTimeout: GIVE_UP_MS,
      ...(dispatcher ? { dispatcher } : {}),
    });
    await res.body.dump();
    if (res.statusCode >= 500) return 'down';
    return Date.now() - started > SLOW_MS ? 'slow' : 'up';
  } catch {
    return 'down';
  } finally {
    void dispatcher?.close();
  }
}

export async function probeAll(apps: readonly App[], launcher?: Runner): Promise<Record<string, Health>> {
  const results = await Promise.all(apps.map(async (a) => [a.slug, await probe(a, launcher)] as const));
  return Object.fromEntries(results);
}
