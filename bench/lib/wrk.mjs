// Running wrk and reading its output; the Lua scripts the cases need.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientPrefix, fail, run } from './proc.mjs';

const UNITS = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };
function micros(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]] : NaN;
}

export function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? micros(m[1]) : NaN;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const statuses = /^STATUS (.*)$/m.exec(out)?.[1];
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50us: pct(50),
    p99us: pct(99),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    socketErrorsText: errors?.[0],
    ...(statuses
      ? {
          statuses: Object.fromEntries(
            statuses
              .split(' ')
              .map((kv) => kv.split('='))
              .map(([k, v]) => [k, Number(v)]),
          ),
        }
      : {}),
  };
}

/**
 * One wrk run against target ({ name, port, hostHeader?, headers?: string[] }).
 * options: path (default /), script (a Lua file), headers (more `Name: value` lines).
 */
export async function wrk(target, cfg, seconds, options = {}) {
  const headers = [
    ...(target.hostHeader ? [`Host: ${target.hostHeader}`] : []),
    ...(target.headers ?? []),
    ...(options.headers ?? []),
  ];
  const argv = [
    ...clientPrefix,
    'wrk',
    `-t${cfg.threads}`,
    `-c${cfg.connections}`,
    `-d${seconds}s`,
    '--latency',
    ...headers.flatMap((h) => ['-H', h]),
    ...(options.script ? ['-s', options.script] : []),
    `http://127.0.0.1:${target.port}${options.path ?? '/'}`,
  ];
  const r = await run(argv, (seconds + 20) * 1000);
  if (r.code !== 0) fail(`wrk failed against ${target.name} (exit ${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const parsed = parseWrk(r.stdout);
  if (!Number.isFinite(parsed.rps)) fail(`cannot read wrk's output:\n${r.stdout}`);
  return { ...parsed, raw: r.stdout };
}

/** POSTs a body of `bytes` bytes on every request. */
export function uploadScript(dir, bytes) {
  const file = join(dir, 'upload.lua');
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.body = string.rep("x", ${bytes})
wrk.headers["Content-Type"] = "application/octet-stream"
`,
  );
  return file;
}

/**
 * Counts responses by status in every thread and prints the totals as one line,
 * `STATUS 2xx=… 401=… other4xx=… 5xx=… other=…`, which parseWrk reads.
 */
export function statusScript(dir) {
  const file = join(dir, 'status.lua');
  writeFileSync(
    file,
    `local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n2xx = 0; n401 = 0; n4xx = 0; n5xx = 0; nother = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then n2xx = n2xx + 1
  elseif status == 401 then n401 = n401 + 1
  elseif status >= 400 and status < 500 then n4xx = n4xx + 1
  elseif status >= 500 then n5xx = n5xx + 1
  else nother = nother + 1 end
end
function done(summary, latency, requests)
  local t = { 0, 0, 0, 0, 0 }
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("n2xx"); t[2] = t[2] + th:get("n401"); t[3] = t[3] + th:get("n4xx")
    t[4] = t[4] + th:get("n5xx"); t[5] = t[5] + th:get("nother")
  end
  io.write(string.format("STATUS 2xx=%d 401=%d other4xx=%d 5xx=%d other=%d\\n", t[1], t[2], t[3], t[4], t[5]))
end
`,
  );
  return file;
}
