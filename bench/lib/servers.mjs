// The servers under test: the Node upstream, nginx, Caddy and `latchkey serve`, and the
// `latchkey` CLI. Each runs pinned to CPU 0 when pinning is on.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BenchError,
  CLI,
  ROOT,
  cpuMs,
  rss,
  fail,
  freePort,
  run,
  serverPrefix,
  start,
  waitFor200,
  waitForLine,
  which,
} from './proc.mjs';

export async function startUpstream() {
  const child = start('upstream', [...serverPrefix, process.execPath, join(ROOT, 'bench', 'upstream.mjs'), '0']);
  const m = await waitForLine(child, /upstream listening on (\d+)/, 10_000, 'the Node upstream');
  return { child, port: Number(m[1]) };
}

function readLog(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function startNginx(tmp, upstreamPort) {
  const nginx = which('nginx');
  if (!nginx) fail('nginx is not installed: run bash bench/setup.sh');
  const port = await freePort();
  const dir = join(tmp, 'nginx');
  mkdirSync(dir, { recursive: true });
  const proxied = `proxy_pass http://u;
      proxy_http_version 1.1;
      proxy_set_header X-Forwarded-User admin;`;
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # nginx closes a keep-alive connection after 1000 requests by default; Node and
  # Latchkey do not, so lift the limit to compare the same connection behaviour.
  keepalive_requests 1000000;
  # The 1 MiB cases stream as Latchkey does: request bodies are passed on as they
  # arrive, and responses are never spooled to a temp file.
  client_max_body_size 2m;
  proxy_request_buffering off;
  proxy_max_temp_file_size 0;
  upstream u {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      ${proxied}
      proxy_set_header Connection "";
    }
    location /ws {
      ${proxied}
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const version = spawnSync(nginx, ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/^nginx version: /, '');
  const child = start('nginx', [
    ...serverPrefix,
    nginx,
    '-p',
    dir,
    '-e',
    `${dir}/error.log`,
    '-c',
    join(dir, 'nginx.conf'),
  ]);
  try {
    await waitFor200(port, `127.0.0.1:${port}`, 10_000, 'nginx');
  } catch (error) {
    throw new BenchError(`${error.message}\n${child.stderrText}${readLog(join(dir, 'error.log'))}`);
  }
  return { child, port, version, dir };
}

export function nginxErrorCount(nginx) {
  return readLog(join(nginx.dir, 'error.log'))
    .split('\n')
    .filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)).length;
}

/** Caddy `reverse_proxy`, when Caddy is installed (bench/setup.sh tries); undefined otherwise. */
export async function startCaddy(tmp, upstreamPort) {
  const caddy = which('caddy');
  if (!caddy) return undefined;
  const port = await freePort();
  const dir = join(tmp, 'caddy');
  mkdirSync(dir, { recursive: true });
  const conf = `{
	admin off
	auto_https off
}

http://:${port} {
	bind 127.0.0.1
	reverse_proxy 127.0.0.1:${upstreamPort} {
		header_up X-Forwarded-User admin
	}
}
`;
  writeFileSync(join(dir, 'Caddyfile'), conf);
  const version = spawnSync(caddy, ['version'], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
  // Caddy keeps state under $HOME/$XDG_*: point them at the temp dir, so it writes nothing else.
  const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const child = start(
    'caddy',
    [...serverPrefix, caddy, 'run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
    { env },
  );
  try {
    await Promise.race([
      waitFor200(port, `127.0.0.1:${port}`, 15_000, 'caddy'),
      child.exited.then(({ code, signal }) => {
        throw new BenchError(`caddy exited (${code ?? signal}) before it answered`);
      }),
    ]);
  } catch (error) {
    throw new BenchError(`${error.message}\n${child.stdoutText}${child.stderrText}`);
  }
  return { child, port, version, dir };
}

const LISTENING = /latchkey listening on http:\/\/localhost:(\d+)/;

export async function startLatchkey(dataDir, { nodeArgs = [], env = {} } = {}) {
  const t0 = process.hrtime.bigint();
  const child = start(
    'latchkey',
    [...serverPrefix, process.execPath, ...nodeArgs, CLI, 'serve', '--port', '0', '--data-dir', dataDir],
    { env },
  );
  const m = await waitForLine(child, LISTENING, 60_000, 'latchkey serve');
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU time up to the listening line: unlike the wall time, barely moved by other load.
  const cpu = cpuMs(child.pid);
  const startRss = rss(child.pid);
  return { child, port: Number(m[1]), startMs, startCpuMs: cpu.user + cpu.system, startRss, dataDir, env };
}

/** Runs one `latchkey …` command on a data dir; fails the bench on a non-zero exit. Returns stdout. */
export async function cli(args, dataDir, env = {}) {
  const r = await run([process.execPath, CLI, ...args, '--data-dir', dataDir], 30_000, { env });
  if (r.code !== 0) fail(`latchkey ${args.join(' ')} failed (exit ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export function addApp(dataDir, upstreamPort, { slug = 'bench', env = {}, extra = [] } = {}) {
  return cli(['app', 'add', '--slug', slug, '--upstream', `http://127.0.0.1:${upstreamPort}`, ...extra], dataDir, env);
}
