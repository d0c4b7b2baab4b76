import { request } from 'undici';
import type { App } from '../../common/apps.js';
import type { Health } from '../../common/api.js';

const SLOW_MS = 1_000;
const GIVE_UP_MS = 3_000;

/** Asks an app's health path (or `/`) directly: up, slow (over a second) or down. */
export async function probe(app: App): Promise<Health> {
  const started = Date.now();
  try {
    const res = await request(new URL(app.healthPath ?? '/', `${app.upstream}/`), {
      method: 'GET',
      headersTimeout: GIVE_UP_MS,
      bodyTimeout: GIVE_UP_MS,
    });
    await res.body.dump();
    if (res.statusCode >= 500) return 'down';
    return Date.now() - started > SLOW_MS ? 'slow' : 'up';
  } catch {
    return 'down';
  }
}

export async function probeAll(apps: readonly App[]): Promise<Record<string, Health>> {
  const results = await Promise.all(apps.map(async (a) => [a.slug, await probe(a)] as const));
  return Object.fromEntries(results);
}
