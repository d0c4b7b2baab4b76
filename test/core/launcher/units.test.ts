import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDefinition } from '../../../main/common/apps.js';
import { parseApp } from '../../../main/core/apps.js';
import { Backoff, DEFAULT_BACKOFF } from '../../../main/core/launcher/backoff.js';
import { childEnvironment } from '../../../main/core/launcher/child-env.js';
import { splitCommandLine } from '../../../main/core/launcher/command-line.js';
import { launchSpec, listenKind, type LaunchContext } from '../../../main/core/launcher/presets.js';
import { RotatingLog, tailFile } from '../../../main/core/launcher/log-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'latchkey-launcher-'));
  dirs.push(d);
  return d;
}

const run = (over: Partial<RunDefinition>): RunDefinition => ({
  preset: 'command',
  command: null,
  args: [],
  cwd: null,
  env: {},
  listen: null,
  start: 'on-demand',
  idleStopMs: null,
  ...over,
});

function context(dataDir: string, path = process.env.PATH): LaunchContext {
  return {
    slug: 'x',
    dataDir,
    publicUrl: 'http://x.localhost:7780/',
    jwksUrl: 'http://latchkey.localhost:7780/.well-known/latchkey/jwks.json',
    env: { PATH: path, HOME: dataDir },
  };
}

describe('backoff', () => {
  it('grows by 1.5 up to 15 s, resets after a stable run, and calls a crash loop one', () => {
    const b = new Backoff({ ...DEFAULT_BACKOFF, maxCrashes: 12 });
    const delays = Array.from({ length: 9 }, () => b.crashed(100));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7594, 11391, 15000, 15000]);
    expect(b.crashed(DEFAULT_BACKOFF.stableMs)).toBe(1000);
    const loop = new Backoff({ ...DEFAULT_BACKOFF, maxCrashes: 3 });
    expect([loop.crashed(0), loop.crashed(0), loop.crashed(0)]).toEqual([1000, 1500, undefined]);
  });
});

describe('a command line', () => {
  it('splits as a shell would, and no further (no variables, globs or pipes)', () => {
    expect(splitCommandLine(`python3 -m http.server {port} --bind 127.0.0.1`)).toEqual([
      'python3',
      '-m',
      'http.server',
      '{port}',
      '--bind',
      '127.0.0.1',
    ]);
    expect(splitCommandLine(`sh -c 'echo "$HOME" | cat' "a b" c\\ d ''`)).toEqual([
      'sh',
      '-c',
      'echo "$HOME" | cat',
      'a b',
      'c d',
      '',
    ]);
    expect(() => splitCommandLine(`echo 'open`)).toThrow(/unclosed/);
    expect(() => splitCommandLine('   ')).toThrow(/needs a command/);
  });
});

describe('run definitions', () => {
  it('need a command or a preset, and either an upstream or a run definition', () => {
    expect(() => parseApp({ slug: 'a', run: {} }, 'stored')).toThrow(/command/);
    expect(() => parseApp({ slug: 'a' }, 'stored')).toThrow(/either an upstream or a run definition/);
    expect(() => parseApp({ slug: 'a', upstream: 'http://127.0.0.1:1', run: { command: 'x' } }, 'stored')).toThrow(
      /not both/,
    );
    expect(() => parseApp({ slug: 'a', run: { command: 'x', env: { LATCHKEY_DATA_DIR: '/' } } }, 'stored')).toThrow(
      /LATCHKEY_/,
    );
    expect(parseApp({ slug: 'a', upstream: 'unix:/run/a.sock' }, 'stored').upstream).toBe('unix:/run/a.sock');
    expect(() => parseApp({ slug: 'a', upstream: 'unix:relative.sock' }, 'stored')).toThrow(/absolute path/);
  });
});

describe('the child environment', () => {
  it('drops every LATCHKEY_* variable, in any case, also from the extra ones, and places last', () => {
    const env = childEnvironment(
      { PATH: '/bin', LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'p', Latchkey_x: 'y', PORT: '1' },
      { LATCHKEY_EVIL: '1', PORT: '2', FOO: 'bar' },
      { PORT: '3' },
    );
    expect(env).toEqual({ PATH: '/bin', FOO: 'bar', PORT: '3' });
  });
});

describe('presets', () => {
  it('jupyter: no token or password, the slug host, a 0600 socket, no port retries — in a config file, not argv', () => {
    const data = dir();
    const spec = launchSpec(
      run({ preset: 'jupyter', command: process.execPath }),
      context(data),
      { kind: 'socket', path: '/s/x.sock' },
      null,
    );
    expect(spec.args).toEqual([`--config=${join(data, 'launcher', 'jupyter', 'x', 'jupyter_notebook_config.json')}`]);
    const config = JSON.parse(readFileSync(spec.args[0]?.slice('--config='.length) as string, 'utf8'));
    expect(config.NotebookApp).toMatchObject({
      token: '',
      password: '',
      open_browser: false,
      allow_remote_access: true,
      local_hostnames: ['localhost', 'x.localhost'],
      port_retries: 0,
      sock: '/s/x.sock',
      sock_mode: '0600',
    });
    expect(config.ServerApp).toEqual(config.NotebookApp);
    expect(spec.probePath).toBe('/api');
    expect(listenKind(run({ preset: 'jupyter' }))).toBe('socket');
  });

  it('prometheus: loopback TCP, the slug URL, its data in the data directory, ready at /-/ready', () => {
    const data = dir();
    const spec = launchSpec(
      run({ preset: 'prometheus', command: process.execPath }),
      context(data),
      { kind: 'port', port: 9999 },
      null,
    );
    expect(spec.args).toEqual(
      expect.arrayContaining([
        '--web.listen-address=127.0.0.1:9999',
        '--web.external-url=http://x.localhost:7780/',
        `--storage.tsdb.path=${join(data, 'launcher', 'prometheus', 'x', 'data')}`,
      ]),
    );
    expect(spec.probePath).toBe('/-/ready');
    expect(listenKind(run({ preset: 'prometheus' }))).toBe('port');
  });

  it('grafana: auth proxy on X-WEBAUTH-USER with sign-up, root_url the slug address, all in GF_* variables', () => {
    const data = dir();
    const spec = launchSpec(
      run({ preset: 'grafana', command: process.execPath }),
      context(data),
      { kind: 'port', port: 3333 },
      null,
    );
    expect(spec.args).toEqual(['server']);
    expect(spec.env).toMatchObject({
      GF_SERVER_HTTP_ADDR: '127.0.0.1',
      GF_SERVER_HTTP_PORT: '3333',
      GF_SERVER_ROOT_URL: 'http://x.localhost:7780/',
      GF_AUTH_PROXY_ENABLED: 'true',
      GF_AUTH_PROXY_HEADER_NAME: 'X-WEBAUTH-USER',
      GF_AUTH_PROXY_AUTO_SIGN_UP: 'true',
    });
    expect(spec.probePath).toBe('/api/health');
  });

  it('says clearly when the tool of a preset is not installed', () => {
    expect(() =>
      launchSpec(run({ preset: 'grafana' }), context(dir(), '/nonexistent'), { kind: 'port', port: 1 }, null),
    ).toThrow('grafana is not installed: no executable grafana on PATH (install grafana)');
  });

  it('says clearly when the working folder is missing', () => {
    expect(() =>
      launchSpec(
        run({ command: process.execPath, cwd: '/no/such/folder' }),
        context(dir()),
        { kind: 'port', port: 1 },
        null,
      ),
    ).toThrow('its working folder /no/such/folder does not exist');
  });

  it('command: fills {port} and {socket}, and probes the health path when there is one', () => {
    const spec = launchSpec(
      run({ command: process.execPath, args: ['--listen={port}', '{socket}'] }),
      context(dir()),
      { kind: 'port', port: 4242 },
      '/healthz',
    );
    expect(spec.args).toEqual(['--listen=4242', '']);
    expect(spec.probePath).toBe('/healthz');
  });
});

describe('logs', () => {
  it('rotate by size, keep three old files, and tail across a rotation', () => {
    const file = join(dir(), 'logs', 'a.log');
    const log = new RotatingLog(file, 1000);
    for (let i = 0; i < 100; i++) log.write(`line ${i} ${'.'.repeat(90)}\n`);
    log.close();
    expect(readFileSync(file, 'utf8').length).toBeLessThanOrEqual(1000);
    expect(() => readFileSync(`${file}.3`)).not.toThrow();
    expect(() => readFileSync(`${file}.4`)).toThrow();
    const tail = tailFile(file, 3);
    expect(tail.map((l) => l.split(' ')[1])).toEqual(['97', '98', '99']);
    expect(log.lastLines(2).map((l) => l.split(' ')[1])).toEqual(['98', '99']);
  });
});
