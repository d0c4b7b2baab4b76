import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordChild, type ChildRecord } from '../../main/core/launcher/child-records.js';
import { canReadProcesses, readStat } from '../../main/core/launcher/process-info.js';
import { BIN, cleanEnv, runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest, startGateway } from '../helpers/gateway.js';
import { alive, TOOL, untilGone } from '../core/launcher/support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

async function serve(dir: string): Promise<ServeProcess> {
  const server = await startServe(['--port', '0', '--data-dir', dir]);
  cleanups.push(server.stop);
  return server;
}

const json = { accept: 'application/json' };
const run = `${process.execPath} ${TOOL}`;

function records(dir: string): ChildRecord[] {
  const folder = join(dir, 'launcher', 'children');
  return readdirSync(folder).map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as ChildRecord);
}

describe('latchkey app for apps Latchkey runs', () => {
  it('adds a run app, starts and stops it through the running gateway, lists its state and prints its logs', async () => {
    const dir = dataDir();
    expect(runCli(['app', 'add', '--slug', 'm', '--run', run, '--start', 'manual', '--data-dir', dir])).toMatchObject({
      status: 0,
      stdout: 'added m, run by Latchkey (command, start manual)\n',
    });
    const refused = runCli(['app', 'start', '--slug', 'm', '--data-dir', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no Latchkey runs the apps of');

    const server = await serve(dir);
    const stopped = await sendRequest(server.port, { host: `m.localhost:${server.port}`, headers: json });
    expect(stopped.status).toBe(503);
    expect(stopped.json<{ error: { code: string } }>().error.code).toBe('APP_NOT_RUNNING');

    expect(runCli(['app', 'start', '--slug', 'm', '--data-dir', dir])).toMatchObject({
      status: 0,
      stdout: 'm running\n',
    });
    const res = await sendRequest(server.port, { host: `m.localhost:${server.port}`, headers: json });
    expect(res.status).toBe(200);
    const pid = Number(/hello from tool (\d+)/.exec(res.body)?.[1]);
    expect(runCli(['app', 'list', '--data-dir', dir]).stdout).toMatch(/^m\s+runs \S+node\s+generic\s+running$/m);
    expect(runCli(['app', 'logs', '--slug', 'm', '--lines', '20', '--data-dir', dir]).stdout).toContain(
      `tool ${pid} starting`,
    );

    expect(runCli(['app', 'stop', '--slug', 'm', '--data-dir', dir])).toMatchObject({
      status: 0,
      stdout: 'm stopped\n',
    });
    expect(await untilGone(pid)).toBe(true);
    const audit = runCli(['audit', '--data-dir', dir]).stdout;
    expect(audit).toContain('app.started');
    expect(audit).toContain('app.stopped');
    expect(audit).toContain('app.run-defined');
  });

  it('app logs --follow prints what the tool writes as it comes', async () => {
    const dir = dataDir();
    expect(runCli(['app', 'add', '--slug', 'f', '--run', run, '--start', 'auto', '--data-dir', dir]).status).toBe(0);
    const server = await serve(dir);
    const first = await sendRequest(server.port, { host: `f.localhost:${server.port}`, headers: json });
    const before = /hello from tool (\d+)/.exec(first.body)?.[1];
    const args = ['app', 'logs', '--slug', 'f', '--follow', '--lines', '1', '--data-dir', dir];
    const follower = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => follower.kill('SIGKILL'));
    let seen = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${seen}`)), 15_000);
        const check = () => {
          const m = pattern.exec(seen);
          if (!m) return;
          clearTimeout(timer);
          follower.stdout.off('data', onData);
          resolve(m);
        };
        const onData = (c: Buffer) => {
          seen += c.toString();
          check();
        };
        follower.stdout.on('data', onData);
        check();
      });
    // Its last line first: then it follows.
    await waitFor(/\n/);
    expect(runCli(['app', 'restart', '--slug', 'f', '--data-dir', dir]).status).toBe(0);
    const restarted = await waitFor(/tool (\d+) starting/);
    expect(restarted[1]).not.toBe(before);
  });

  it('refuses --run together with --upstream, and an unknown start policy, in one line', () => {
    const dir = dataDir();
    const both = runCli([
      'app',
      'add',
      '--slug',
      'x',
      '--run',
      'true',
      '--upstream',
      'http://127.0.0.1:1',
      '--data-dir',
      dir,
    ]);
    expect(both).toMatchObject({ status: 2, stderr: 'latchkey: --upstream does not go with --run or --preset\n' });
    const policy = runCli(['app', 'add', '--slug', 'x', '--run', 'true', '--start', 'sometimes', '--data-dir', dir]);
    expect(policy.status).toBe(2);
    expect(policy.stderr).toContain('--start takes on-demand, auto or manual');
  });
});

describe.skipIf(!canReadProcesses)('after kill -9 of latchkey serve', () => {
  it('the next start stops what the killed one started, and nothing it did not start', async () => {
    const dir = dataDir();
    for (const slug of ['one', 'two']) {
      expect(runCli(['app', 'add', '--slug', slug, '--run', run, '--start', 'auto', '--data-dir', dir]).status).toBe(0);
    }
    const first = await startServe(['--port', '0', '--data-dir', dir]);
    cleanups.push(first.stop);
    for (const slug of ['one', 'two']) {
      const res = await sendRequest(first.port, { host: `${slug}.localhost:${first.port}`, headers: json });
      expect(res.status).toBe(200);
    }
    const before = records(dir);
    expect(before.map((r) => r.slug).sort()).toEqual(['one', 'two']);
    first.child.kill('SIGKILL');
    await new Promise((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? resolve(null)
        : first.child.once('exit', resolve),
    );
    for (const r of before) expect(alive(r.pid)).toBe(true);
    expect(runCli(['app', 'list', '--data-dir', dir]).stdout).toMatch(/^one\s+runs \S+\s+generic\s+stopped$/m);

    // An unrelated process whose pid a stale record names, with another start time.
    const unrelated: ChildProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    });
    cleanups.push(() => unrelated.kill('SIGKILL'));
    const upid = unrelated.pid as number;
    recordChild(dir, {
      slug: 'stale',
      pid: upid,
      startTime: String(Number(readStat(upid)?.startTime) + 7),
      command: 'x',
    });

    const second = await serve(dir);
    for (const r of before) expect(await untilGone(r.pid)).toBe(true);
    expect(alive(upid)).toBe(true);
    // The auto apps run again, once each.
    for (const slug of ['one', 'two']) {
      const res = await sendRequest(second.port, { host: `${slug}.localhost:${second.port}`, headers: json });
      expect(res.status).toBe(200);
    }
    const after = records(dir);
    expect(after.map((r) => r.slug).sort()).toEqual(['one', 'two']);
    expect(after.some((r) => before.some((b) => b.pid === r.pid))).toBe(false);
  });
});

describe('one data directory, two gateways', () => {
  it('a second gateway (serve besides the desktop app) neither reaps nor doubles the tools the first one runs', async () => {
    const gw = await startGateway({ apps: [{ slug: 'solo', run: { command: process.execPath, args: [TOOL] } }] });
    cleanups.push(() => gw.close());
    const res = await gw.request({ host: gw.host('solo'), headers: json });
    expect(res.status).toBe(200);
    const pid = gw.core.launcher.status('solo')?.pid as number;
    const second = await serve(gw.dataDir);
    expect(alive(pid)).toBe(true);
    const other = await sendRequest(second.port, { host: `solo.localhost:${second.port}`, headers: json });
    expect(other.status).toBe(503);
    expect(other.json<{ error: { message: string } }>().error.message).toContain(
      `another Latchkey (pid ${process.pid})`,
    );
    await second.stop();
    expect(alive(pid)).toBe(true);
    expect((await gw.request({ host: gw.host('solo'), headers: json })).body).toBe(res.body);
  });
});
