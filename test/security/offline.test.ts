/**
 * Air-gapped machines are Latchkey's first users: the gateway must never reach for the
 * network. This runs `latchkey serve` in a network namespace that has nothing but
 * loopback, drives it (the CLI, a proxied app, a sign-in, the console API, and the console
 * in Chromium), and records every connect(2) the gateway makes with strace and every
 * request the console page makes: none may go anywhere but loopback.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/data-dir.js';
import { chromiumPath, hasChromium } from '../e2e/helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const has = (tool: string) => spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const canIsolate =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  ['strace', 'unshare', 'ip', 'curl'].every(has) &&
  spawnSync('unshare', ['--net', 'true']).status === 0;

const work = tempDataDir();
afterAll(() => work.remove());

/** Runs inside the namespace: everything it starts can only reach loopback. */
const SCRIPT = String.raw`
set -u
ip link set lo up
data="$1"; trace="$2"; node="$3"
cd "$4"
"$node" -e "require('http').createServer((q,s)=>s.end('upstream ok')).listen(8901,'127.0.0.1')" &
strace -f -qq -e trace=connect -o "$trace" "$node" bin/latchkey.js serve --port 7799 --data-dir "$data" > "$data/serve.out" 2>&1 &
for i in $(seq 50); do grep -q listening "$data/serve.out" 2>/dev/null && break; sleep 0.2; done
"$node" bin/latchkey.js app add --slug up --upstream http://127.0.0.1:8901 --data-dir "$data" > /dev/null
echo "proxied: $(curl -s -H 'Host: up.localhost:7799' http://127.0.0.1:7799/)"
echo "config: $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost:7799' http://127.0.0.1:7799/api/v1/global/config)"
echo "jwks: $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: up.localhost:7799' http://127.0.0.1:7799/.well-known/latchkey/jwks.json)"
link=$(sed -n 's/^console: //p' "$data/serve.out")
code=$(echo "$link" | sed 's/.*code=//')
cookie=$(curl -s -o /dev/null -D - -H 'Host: latchkey.localhost:7799' -H 'Origin: http://latchkey.localhost:7799' \
  --data "code=$code" http://127.0.0.1:7799/.latchkey/console | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
echo "console: $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: latchkey.localhost:7799' -H "Cookie: $cookie" http://127.0.0.1:7799/api/v1/apps/health)"
if [ -n "$(printenv CHROMIUM)" ]; then
  link2=$("$node" bin/latchkey.js console-link --data-dir "$data")
  "$node" --input-type=module -e "$BROWSER_FLOW" "$(printenv CHROMIUM)" "$link2" > "$data/browser.out" 2>&1
  echo "browser: $(tail -1 "$data/browser.out")"
fi
"$node" bin/latchkey.js admin user reset-password --username admin --password 'offline admin' --data-dir "$data" > /dev/null
"$node" bin/latchkey.js identn set --impersonation off --data-dir "$data" > /dev/null
echo "login: $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: latchkey.localhost:7799' -H 'Origin: http://latchkey.localhost:7799' \
  -H 'Content-Type: application/json' --data '{"username":"admin","password":"offline admin"}' http://127.0.0.1:7799/.latchkey/login)"
pkill -f "bin/latchkey.js serve --port 7799" ; sleep 0.5
kill %1 2>/dev/null
`;

/** connect(2) lines of an strace log that go anywhere but loopback or a Unix socket. */
function offLoopback(trace: string): string[] {
  return trace
    .split('\n')
    .filter((line) => line.includes('connect('))
    .filter(
      (line) =>
        !line.includes('sa_family=AF_UNIX') &&
        !/inet_addr\("127\.\d+\.\d+\.\d+"\)/.test(line) &&
        !/inet_pton\(AF_INET6, "::1"/.test(line),
    );
}

describe('the strace reading', () => {
  it('flags a connection off loopback and passes loopback and Unix sockets', () => {
    const sample = [
      '12 connect(20, {sa_family=AF_INET, sin_port=htons(8901), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
      '12 connect(21, {sa_family=AF_INET6, sin6_port=htons(7799), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
      '12 connect(22, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = -1 ENOENT',
      '12 connect(23, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.0.0.1")}, 16) = -1 ENETUNREACH',
    ].join('\n');
    expect(offLoopback(sample)).toEqual([expect.stringContaining('10.0.0.1')]);
  });
});

/** Opens the console link in Chromium, enters the console, and lists every URL the page asked for. */
const BROWSER_FLOW = `
import { chromium } from 'playwright-core';
const [executablePath, link] = process.argv.slice(1);
const context = await chromium.launchPersistentContext('', {
  executablePath, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const urls = [];
context.on('request', (r) => urls.push(r.url()));
const page = await context.newPage();
await page.goto(link);
await page.getByRole('button', { name: 'Open the console' }).click();
await page.getByRole('heading', { name: 'Apps' }).waitFor({ timeout: 15000 });
await context.close();
const foreign = urls.filter((u) => !/^(http:\\/\\/[a-z0-9.-]*localhost:\\d+\\/|data:|about:)/.test(u));
console.log(JSON.stringify({ requests: urls.length, foreign }));
`;

describe.skipIf(!canIsolate)('offline: no connection leaves loopback (needs root, strace, unshare, ip, curl)', () => {
  it('serves apps, the console and sign-in with only loopback reachable, and connects nowhere else', () => {
    const script = join(work.dir, 'offline.sh');
    const trace = join(work.dir, 'connect.trace');
    writeFileSync(script, SCRIPT);
    const run = spawnSync('unshare', ['--net', 'bash', script, work.dir, trace, process.execPath, ROOT], {
      encoding: 'utf8',
      timeout: 80_000,
      env: { ...process.env, BROWSER_FLOW, ...(hasChromium ? { CHROMIUM: chromiumPath } : {}) },
    });
    expect(run.stdout).toContain('proxied: upstream ok');
    expect(run.stdout).toContain('config: 200');
    expect(run.stdout).toContain('jwks: 200');
    expect(run.stdout).toContain('console: 200');
    expect(run.stdout).toContain('login: 200');

    const recorded = readFileSync(trace, 'utf8');
    expect(recorded).toContain('connect('); // the trace did record the gateway's connections
    expect(offLoopback(recorded)).toEqual([]);

    if (hasChromium) {
      // The console in a browser, in the same namespace: it asks only the gateway.
      const browser = /browser: (\{.*\})/.exec(run.stdout)?.[1];
      expect(browser, run.stdout + run.stderr).toBeDefined();
      const { requests, foreign } = JSON.parse(browser as string) as { requests: number; foreign: string[] };
      expect(requests).toBeGreaterThan(2);
      expect(foreign).toEqual([]);
      // Chromium's own resolver probes (DNS, DNS-over-HTTPS) are not the console's requests,
      // so the browser is judged by its request log, the gateway by strace.
    }
  }, 90_000);
});
