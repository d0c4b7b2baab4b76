import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDefinition } from '../../common/apps.js';
import { LatchkeyError } from '../../common/errors.js';
import { findExecutable } from './executables.js';

/** Where a child listens, chosen by Latchkey for this start. */
export type Listen = { kind: 'port'; port: number } | { kind: 'socket'; path: string };

export interface LaunchContext {
  slug: string;
  dataDir: string;
  /** `http://<slug>.localhost:<port>/` */
  publicUrl: string;
  jwksUrl: string;
  env: NodeJS.ProcessEnv;
}

/** A run definition made concrete for one start. */
export interface LaunchSpec {
  /** Absolute path of the program. */
  command: string;
  args: string[];
  cwd: string;
  /** Extra variables for the child (the preset's, then the user's). */
  env: Record<string, string>;
  /** A path whose answer below 500 means ready, or undefined for a plain connect. */
  probePath: string | undefined;
}

/** How each preset listens when the definition does not say. */
export function listenKind(run: RunDefinition): 'port' | 'socket' {
  if (run.listen) return run.listen;
  if (run.preset === 'jupyter') return 'socket';
  if (run.preset === 'command' && run.args.some((a) => a.includes('{socket}'))) return 'socket';
  return 'port';
}

/** A folder of the data directory only its owner may enter, for one app's own files. */
export function appStateDir(dataDir: string, slug: string, what: string): string {
  const dir = join(dataDir, 'launcher', what, slug);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function fill(arg: string, listen: Listen): string {
  return arg
    .replaceAll('{port}', listen.kind === 'port' ? String(listen.port) : '')
    .replaceAll('{socket}', listen.kind === 'socket' ? listen.path : '');
}

/**
 * Jupyter (Notebook 6, and Notebook 7 / Lab through ServerApp): no token or password of
 * its own (Latchkey is the lock), the slug host accepted, a Unix socket with mode 0600,
 * no move to another port. The settings go in a config file, not on the command line.
 */
function jupyter(run: RunDefinition, ctx: LaunchContext, listen: Listen): Omit<LaunchSpec, 'cwd' | 'env'> {
  const dir = appStateDir(ctx.dataDir, ctx.slug, 'jupyter');
  const host = new URL(ctx.publicUrl).hostname;
  const common = {
    token: '',
    password: '',
    open_browser: false,
    allow_remote_access: true,
    local_hostnames: ['localhost', host],
    port_retries: 0,
    // Jupyter refuses root unless told; Latchkey runs it as the user Latchkey runs as.
    ...(process.getuid?.() === 0 ? { allow_root: true } : {}),
    base_url: '/',
    ...(listen.kind === 'socket' ? { sock: listen.path, sock_mode: '0600' } : { ip: '127.0.0.1', port: listen.port }),
  };
  const config = join(dir, 'jupyter_notebook_config.json');
  writeFileSync(config, JSON.stringify({ NotebookApp: common, ServerApp: common }, null, 2), { mode: 0o600 });
  return {
    command: findExecutable(
      run.command ?? 'jupyter-notebook',
      ctx.env.PATH,
      ctx.env.HOME ?? '/',
      'install jupyter-notebook',
    ),
    args: [`--config=${config}`, ...run.args.map((a) => fill(a, listen))],
    probePath: '/api',
  };
}

/** Prometheus has no Unix socket: loopback TCP, its URL the slug address, its data here. */
function prometheus(run: RunDefinition, ctx: LaunchContext, listen: Listen): Omit<LaunchSpec, 'cwd' | 'env'> {
  const dir = appStateDir(ctx.dataDir, ctx.slug, 'prometheus');
  const config = join(dir, 'prometheus.yml');
  const port = listen.kind === 'port' ? listen.port : 0;
  writeFileSync(
    config,
    `global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    { mode: 0o600 },
  );
  return {
    command: findExecutable(run.command ?? 'prometheus', ctx.env.PATH, ctx.env.HOME ?? '/', 'install prometheus'),
    args: [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${ctx.publicUrl}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      ...run.args.map((a) => fill(a, listen)),
    ],
    probePath: '/-/ready',
  };
}

/**
 * Grafana behind an auth proxy: it trusts X-WEBAUTH-USER (the app's `grafana` header
 * preset) and signs users up on first sight; its root_url is the slug address. All of it
 * through GF_* variables, nothing on the command line.
 */
export function grafanaEnv(ctx: LaunchContext, listen: Listen): Record<string, string> {
  const dir = join(ctx.dataDir, 'launcher', 'grafana', ctx.slug);
  return {
    GF_SERVER_HTTP_ADDR: '127.0.0.1',
    GF_SERVER_HTTP_PORT: listen.kind === 'port' ? String(listen.port) : '0',
    GF_SERVER_ROOT_URL: ctx.publicUrl,
    GF_AUTH_PROXY_ENABLED: 'true',
    GF_AUTH_PROXY_HEADER_NAME: 'X-WEBAUTH-USER',
    GF_AUTH_PROXY_HEADER_PROPERTY: 'username',
    GF_AUTH_PROXY_AUTO_SIGN_UP: 'true',
    GF_AUTH_PROXY_WHITELIST: '127.0.0.1, ::1',
    GF_AUTH_DISABLE_LOGIN_FORM: 'true',
    GF_PATHS_DATA: join(dir, 'data'),
    GF_PATHS_LOGS: join(dir, 'logs'),
  };
}

function grafana(run: RunDefinition, ctx: LaunchContext, listen: Listen): Omit<LaunchSpec, 'cwd' | 'env'> {
  appStateDir(ctx.dataDir, ctx.slug, 'grafana');
  const command = findExecutable(run.command ?? 'grafana', ctx.env.PATH, ctx.env.HOME ?? '/', 'install grafana');
  return {
    command,
    args: ['server', ...run.args.map((a) => fill(a, listen))],
    probePath: '/api/health',
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Everything a start needs: the program, its arguments and extra environment. */
export function launchSpec(
  run: RunDefinition,
  ctx: LaunchContext,
  listen: Listen,
  healthPath: string | null,
): LaunchSpec {
  const cwd = run.cwd ?? ctx.env.HOME ?? ctx.dataDir;
  // Else spawn blames the program (ENOENT) for a folder that is missing.
  if (!isFolder(cwd)) throw new LatchkeyError('APP_START_FAILED', `its working folder ${cwd} does not exist`);
  let base: Omit<LaunchSpec, 'cwd' | 'env'>;
  let presetEnv: Record<string, string> = {};
  switch (run.preset) {
    case 'jupyter':
      base = jupyter(run, ctx, listen);
      break;
    case 'prometheus':
      base = prometheus(run, ctx, listen);
      break;
    case 'grafana':
      base = grafana(run, ctx, listen);
      presetEnv = grafanaEnv(ctx, listen);
      break;
    case 'command':
      base = {
        command: findExecutable(run.command ?? '', ctx.env.PATH, cwd),
        args: run.args.map((a) => fill(a, listen)),
        probePath: undefined,
      };
      break;
  }
  return { ...base, probePath: base.probePath ?? healthPath ?? undefined, cwd, env: { ...presetEnv, ...run.env } };
}
