import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';
import { startUpstream } from '../helpers/upstream.js';
import { runCli } from '../helpers/cli.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RECORDER = new URL('../helpers/record-modules.mjs', import.meta.url).href;
const packageOf = (url: string) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];

/** Runs `serve` on `dir` until `whileUp` is done; the packages it loaded, by name. */
async function packagesLoaded(dir: string, whileUp: (port: number) => Promise<void> = async () => {}) {
  // One file per start: a list left by an earlier start must never pass for this one's.
  const out = join(dir, `modules-${randomUUID()}.txt`);
  const server = await startServe(['--port', '0', '--data-dir', dir], {
    NODE_OPTIONS: `--import=${RECORDER}`,
    RECORD_MODULES_TO: out,
  });
  cleanups.push(server.stop);
  await whileUp(server.port);
  await server.stop();
  return new Set(readFileSync(out, 'utf8').split('\n').map(packageOf).filter(Boolean));
}

describe('latchkey serve start-up', () => {
  it('loads no proxy client, JOSE library, YAML parser or password hasher before a request needs one', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    // The first start hashes the new Admin's password; the next ones have nothing to hash.
    await packagesLoaded(data.dir);
    const loaded = await packagesLoaded(data.dir);
    expect(loaded.has('better-sqlite3')).toBe(true);
    for (const lazy of ['undici', 'jose', 'yaml', 'argon2']) expect(loaded, lazy).not.toContain(lazy);
  });

  it('loads the proxy client for the first proxied request, which is answered', async () => {
    const up = await startUpstream();
    cleanups.push(() => up.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    expect(runCli(['app', 'add', '--slug', 'echo', '--upstream', up.url, '--data-dir', data.dir]).status).toBe(0);
    let status = 0;
    const loaded = await packagesLoaded(data.dir, async (port) => {
      status = (await sendRequest(port, { host: `echo.localhost:${port}`, path: '/echo' })).status;
    });
    expect(status).toBe(200);
    expect(loaded).toContain('undici');
  });
});
