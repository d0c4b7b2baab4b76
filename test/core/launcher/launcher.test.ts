import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../main/common/errors.js';
import { logFileOf } from '../../../main/core/launcher/log-file.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { alive, FAST, TOOL, toolApp, untilGone, untilStatus } from './support.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const json = { accept: 'application/json' };
const navigate = {
  accept: 'text/html',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-dest': 'document',
};

describe('the launcher runs apps', () => {
  it('starts an on-demand app on its first request and proxies to it', async () => {
    gw = await startGateway({ apps: [toolApp('tool')], launcher: FAST });
    expect(gw.core.launcher.status('tool')?.state ?? 'stopped').toBe('stopped');
    const res = await gw.request({ host: gw.host('tool'), headers: json });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^hello from tool \d+$/);
    expect(gw.core.launcher.status('tool')?.state).toBe('running');
  });

  it('shows a navigation the starting page, which reloads by itself, then the app', async () => {
    gw = await startGateway({ apps: [toolApp('slow', { env: { DELAY_MS: '700' } })], launcher: FAST });
    const first = await gw.request({ host: gw.host('slow'), headers: navigate });
    expect(first.status).toBe(503);
    expect(first.headers.refresh).toBe('1');
    expect(first.headers['content-security-policy']).toContain("default-src 'none'");
    expect(first.body).toContain('Starting slow…');
    await untilStatus(gw, 'slow', (s) => s.state === 'running');
    const next = await gw.request({ host: gw.host('slow'), headers: navigate });
    expect(next.status).toBe(200);
    expect(next.body).toContain('hello from tool');
  });

  it('waits for the health path (not just a connect) before it sends a request', async () => {
    gw = await startGateway({
      apps: [toolApp('warm', { env: { HEALTH_DELAY_MS: '600' } }, { healthPath: '/healthz' })],
      launcher: FAST,
    });
    const res = await gw.request({ host: gw.host('warm'), path: '/healthz', headers: json });
    expect(res.status, res.body).toBe(200);
    expect(res.body).toBe('ok');
  });

  it('answers a request that waited the upstream timeout for a starting app with 503 and Retry-After', async () => {
    gw = await startGateway({
      apps: [toolApp('sloth', { env: { DELAY_MS: '20000' } })],
      env: { LATCHKEY_GATEWAY_UPSTREAM_TIMEOUT: '1s' },
      launcher: FAST,
    });
    const began = Date.now();
    const res = await gw.request({ host: gw.host('sloth'), headers: json });
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json<{ error: { code: string } }>().error.code).toBe('APP_STARTING');
    expect(gw.core.launcher.status('sloth')?.state).toBe('starting');
  });

  it('fails at once with its last log lines when the tool exits while starting', async () => {
    gw = await startGateway({
      apps: [toolApp('boom', { args: ['-e', "console.log('<b>boom</b> no config'); process.exit(3)"] })],
      launcher: { ...FAST, backoff: { ...FAST.backoff, initialMs: 5_000 } },
    });
    const began = Date.now();
    const res = await gw.request({ host: gw.host('boom'), headers: json });
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('APP_START_FAILED');
    expect(body.error.message).toContain('exited with code 3');
    expect(body.error.message).toContain('<b>boom</b> no config');
    const page = await gw.request({ host: gw.host('boom'), headers: navigate });
    expect(page.body).toContain('&#60;b&#62;boom&#60;/b&#62; no config');
    expect(page.body).not.toContain('<b>boom</b>');
  });

  it('restarts a crashing tool with growing backoff, then leaves it crashed with a sticky reason', async () => {
    gw = await startGateway({
      apps: [toolApp('loop', { args: ['-e', "console.log('dying'); process.exit(2)"], start: 'manual' })],
      launcher: FAST,
    });
    const seen: string[] = [];
    const started = gw.core.launcher.act('loop', 'start').catch(() => undefined);
    const crashed = await untilStatus(gw, 'loop', (s) => {
      if (s.state === 'backoff' && !seen.includes(s.reason ?? '')) seen.push(s.reason ?? '');
      return s.state === 'crashed';
    });
    await started;
    expect(crashed.reason).toContain('3 crashes in a row');
    expect(crashed.lastLines.join('\n')).toContain('dying');
    const again = await gw.request({ host: gw.host('loop'), headers: json });
    expect(again.status).toBe(503);
    expect(gw.core.launcher.status('loop')?.state).toBe('crashed');
  });

  it('stops its children, the whole process group, when Latchkey quits', async () => {
    const script =
      "const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setInterval(()=>{}, 1000)'], { stdio: 'ignore' });" +
      "require('node:http').createServer((q, s) => s.end(String(c.pid))).listen(Number(process.env.PORT), '127.0.0.1');" +
      "process.on('SIGTERM', () => process.exit(0));";
    gw = await startGateway({ apps: [toolApp('tree', { args: ['-e', script] })], launcher: FAST });
    const res = await gw.request({ host: gw.host('tree'), headers: json });
    const grandchild = Number(res.body);
    const child = gw.core.launcher.status('tree')?.pid as number;
    expect(alive(child) && alive(grandchild)).toBe(true);
    await gw.close();
    gw = undefined;
    expect(await untilGone(child)).toBe(true);
    expect(await untilGone(grandchild)).toBe(true);
  });

  it('gives the child the user environment minus every LATCHKEY_* variable, plus where it sits', async () => {
    gw = await startGateway({
      apps: [toolApp('envy', { env: { EXTRA: 'yes' } })],
      launcher: {
        ...FAST,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          FOO: 'bar',
          LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 's3cret',
          latchkey_lower: 'x',
        },
      },
    });
    const res = await gw.request({ host: gw.host('envy'), path: '/env', headers: json });
    const env = res.json<Record<string, string>>();
    expect(Object.keys(env).filter((k) => /^latchkey_/i.test(k))).toEqual([]);
    expect(JSON.stringify(env)).not.toContain('s3cret');
    expect(env.FOO).toBe('bar');
    expect(env.EXTRA).toBe('yes');
    expect(env.PORT).toMatch(/^\d+$/);
    expect(env.PUBLIC_URL).toBe(`http://envy.localhost:${gw.port}/`);
    expect(env.JWKS_URL).toBe(`http://latchkey.localhost:${gw.port}/.well-known/latchkey/jwks.json`);
  });

  it('runs a tool on a Unix socket in an owner-only folder, reachable only through Latchkey', async () => {
    gw = await startGateway({ apps: [toolApp('sock', { args: [TOOL, '{socket}'] })], launcher: FAST });
    const res = await gw.request({ host: gw.host('sock'), path: '/env', headers: json });
    expect(res.status).toBe(200);
    const socket = res.json<Record<string, string>>().SOCKET as string;
    expect(socket.startsWith(gw.dataDir)).toBe(true);
    expect(statSync(join(socket, '..')).mode & 0o777).toBe(0o700);
    expect(res.json<Record<string, string>>().PORT).toBeUndefined();
  });

  it('writes stdout and stderr to <data-dir>/logs/<slug>.log', async () => {
    gw = await startGateway({ apps: [toolApp('logged')], launcher: FAST });
    await gw.request({ host: gw.host('logged'), headers: json });
    const log = readFileSync(logFileOf(gw.dataDir, 'logged'), 'utf8');
    expect(log).toMatch(/tool \d+ starting/);
    expect(statSync(logFileOf(gw.dataDir, 'logged')).mode & 0o777).toBe(0o600);
  });

  it('rotates a chatty tool log by size and never blocks it', async () => {
    gw = await startGateway({
      apps: [toolApp('chatty', { env: { CHATTY: '5000' } })],
      launcher: { ...FAST, logMaxBytes: 64 * 1024 },
    });
    const res = await gw.request({ host: gw.host('chatty'), headers: json });
    expect(res.status).toBe(200);
    const file = logFileOf(gw.dataDir, 'chatty');
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(statSync(file).size).toBeLessThanOrEqual(64 * 1024);
    expect(existsSync(`${file}.4`)).toBe(false);
  });

  it('stops an app after its idle time and starts it again on the next request', async () => {
    gw = await startGateway({ apps: [toolApp('idle', { idleStopMs: 1_000 })], launcher: FAST });
    const first = await gw.request({ host: gw.host('idle'), headers: json });
    const pid = gw.core.launcher.status('idle')?.pid as number;
    const stopped = await untilStatus(gw, 'idle', (s) => s.state === 'stopped');
    expect(stopped.reason).toContain('without requests');
    expect(await untilGone(pid)).toBe(true);
    const second = await gw.request({ host: gw.host('idle'), headers: json });
    expect(second.status).toBe(200);
    expect(second.body).not.toBe(first.body);
  });

  it('says clearly when a command is missing', async () => {
    gw = await startGateway({ apps: [{ slug: 'gone', run: { command: 'no-such-tool-here' } }], launcher: FAST });
    const res = await gw.request({ host: gw.host('gone'), headers: json });
    expect(res.status).toBe(503);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('no-such-tool-here is not installed');
  });
});

describe('who may define a command', () => {
  it('a stolen HTTP console session cannot define a command (code execution)', async () => {
    gw = await startGateway({ launcher: FAST });
    const api = gw.core.api;
    for (const caller of [{ kind: 'console-link' as const }]) {
      expect(() => api['apps.add']({ slug: 'evil', run: { command: '/bin/sh' } } as never, caller)).toThrow(
        expect.objectContaining({ code: 'APP_RUN_FORBIDDEN' }),
      );
    }
    gw.core.store.apps.add(toolApp('good'), 'test');
    // Changing another field keeps the command; changing the command, or swapping it for an upstream, is refused.
    const kept = await api['apps.update']({ slug: 'good', name: 'Good', allowRoles: [] } as never, {
      kind: 'console-link',
    });
    expect(kept.run?.command).toBe(process.execPath);
    let error: unknown;
    try {
      api['apps.update']({ slug: 'good', run: { command: '/bin/sh', args: ['-c', 'id'] } } as never, {
        kind: 'console-link',
      });
    } catch (e) {
      error = e;
    }
    expect(isLatchkeyError(error, 'APP_RUN_FORBIDDEN')).toBe(true);
    // The desktop window may.
    const added = await api['apps.add']({ slug: 'desk', run: { command: process.execPath } } as never, {
      kind: 'console-link',
      via: 'desktop',
    });
    expect(added.run?.command).toBe(process.execPath);
  });
});

describe('ports and sockets', () => {
  it('never sends requests to a program that took the picked port before the tool bound it', async () => {
    // The "tool" lets another process group (a squatter) take its port, and binds nothing itself.
    const script =
      "const { spawn } = require('node:child_process');" +
      "const s = spawn(process.execPath, ['-e', `require('node:http').createServer((q, r) => r.end('SQUATTED ANSWER')).listen(${process.env.PORT}, '127.0.0.1')`], { detached: true, stdio: 'ignore' });" +
      "console.log('squatter ' + s.pid); setInterval(() => {}, 1000);";
    gw = await startGateway({
      apps: [toolApp('squat', { args: ['-e', script] })],
      launcher: { ...FAST, backoff: { ...FAST.backoff, maxCrashes: 2 } },
    });
    const squatters: number[] = [];
    try {
      const res = await gw.request({ host: gw.host('squat'), headers: json });
      expect(res.body).not.toBe('SQUATTED ANSWER');
      expect(res.status).toBe(503);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('APP_START_FAILED');
      await untilStatus(gw, 'squat', (s) => s.state === 'crashed');
      const log = readFileSync(logFileOf(gw.dataDir, 'squat'), 'utf8');
      squatters.push(...[...log.matchAll(/squatter (\d+)/g)].map((m) => Number(m[1])));
      expect(log).toContain('was taken by another program');
    } finally {
      for (const pid of squatters) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('proxies HTTP and WebSockets to a fixed unix: upstream', async () => {
    const { createServer } = await import('node:http');
    const { WebSocketServer, WebSocket } = await import('ws');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-sock-'));
    const path = join(folder, 'up.sock');
    const server = createServer((req, res) => res.end(`unix says ${req.headers.host}`));
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo ${m.toString()}`)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      gw = await startGateway({ apps: [{ slug: 'u', upstream: `unix:${path}` }] });
      const res = await gw.request({ host: gw.host('u'), headers: json });
      expect(res.status).toBe(200);
      expect(res.body).toBe(`unix says ${gw.host('u')}`);
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/`, {
        headers: { host: gw.host('u'), origin: gw.origin('u') },
      });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ws.send('hi'));
        ws.once('message', (m: Buffer) => resolve(m.toString()));
      });
      ws.close();
      expect(reply).toBe('echo hi');
      const health = await gw.core.api['apps.health']({}, { kind: 'console-link' });
      expect(health.u).toBe('up');
    } finally {
      wss.close();
      server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the config file', () => {
  it('defines apps Latchkey runs with run:, which the CLI cannot change', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
    const file = join(folder, 'config.yaml');
    writeFileSync(
      file,
      `apps:\n  - slug: filed\n    run:\n      command: ${JSON.stringify(process.execPath)}\n      args: [${JSON.stringify(TOOL)}]\n      start: auto\n`,
    );
    try {
      gw = await startGateway({ configFile: file, launcher: FAST });
      await untilStatus(gw, 'filed', (s) => s.state === 'running');
      const res = await gw.request({ host: gw.host('filed'), headers: json });
      expect(res.status).toBe(200);
      expect(() => gw?.core.store.apps.update({ slug: 'filed', run: { command: '/bin/sh' } }, 'test')).toThrow(
        /config file/,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('apps removed', () => {
  it('stops a running app when it is removed', async () => {
    gw = await startGateway({ apps: [toolApp('gone')], launcher: FAST });
    await gw.request({ host: gw.host('gone'), headers: json });
    const pid = gw.core.launcher.status('gone')?.pid as number;
    gw.core.store.apps.remove('gone', 'test');
    expect(await untilGone(pid)).toBe(true);
  });
});
