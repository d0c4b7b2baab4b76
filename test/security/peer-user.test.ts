/**
 * SPEC §7, security case 1 and finding 0.1: in impersonation mode anything that can reach
 * the port is root, including processes of other OS users. On Linux the gateway reads the
 * owner of the client socket from /proc/net/tcp{,6} and serves only its own user.
 */
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, reached } from './support.js';

const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0;
const NOBODY = 65534;

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

/**
 * Runs `script` in a fresh node process as `uid` (or as this user when undefined) and
 * returns what it printed. The script receives PORT, HOST_HEADER, PATH_ and ADDR in env.
 */
function runAs(uid: number | undefined, script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      {
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        timeout: 5_000,
        ...(uid === undefined ? {} : { uid, gid: uid }),
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

const HTTP_SCRIPT = `
const http = require('node:http');
const req = http.request({ host: process.env.ADDR, port: Number(process.env.PORT), path: process.env.PATH_,
  method: process.env.METHOD || 'GET', headers: { Host: process.env.HOST_HEADER }, setHost: false, agent: false }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
});
req.on('error', (e) => console.log(JSON.stringify({ status: 0, body: e.message })));
req.setTimeout(3000, () => req.destroy(new Error('timeout')));
req.end();
`;

const UPGRADE_SCRIPT = `
const net = require('node:net');
const s = net.connect(Number(process.env.PORT), process.env.ADDR);
let out = '';
s.setTimeout(3000, () => s.destroy());
s.on('data', (c) => { out += c; if (out.includes('\\r\\n\\r\\n')) s.destroy(); });
s.on('close', () => console.log(JSON.stringify({ status: Number((/^HTTP\\/1\\.1 (\\d+)/.exec(out) || [0, 0])[1]), body: out })));
s.on('error', () => {});
s.write('GET ' + process.env.PATH_ + ' HTTP/1.1\\r\\nHost: ' + process.env.HOST_HEADER + '\\r\\nOrigin: http://' + process.env.HOST_HEADER +
  '\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n');
`;

async function request(
  uid: number | undefined,
  o: { addr?: string; path: string; host?: string; method?: string; script?: string },
) {
  const out = await runAs(uid, o.script ?? HTTP_SCRIPT, {
    ADDR: o.addr ?? '127.0.0.1',
    PORT: String(gw.port),
    PATH_: o.path,
    HOST_HEADER: o.host ?? gw.host('echo'),
    METHOD: o.method ?? 'GET',
  });
  return JSON.parse(out.split('\n').pop() as string) as { status: number; body: string };
}

describe('impersonation mode serves only the OS user who runs the gateway', () => {
  it.skipIf(!canSwitchUser)(
    'another OS user (uid 65534) gets 403 PEER_NOT_OWNER over 127.0.0.1, and nothing reaches the upstream (Ray CVE-2023-48022)',
    async () => {
      const mark = marker('peer4');
      const res = await request(NOBODY, { path: `/echo?${mark}` });
      expect(res.status).toBe(403);
      expect(res.body).toContain('PEER_NOT_OWNER');
      expect(reached(up, mark)).toEqual([]);
    },
  );

  it.skipIf(!canSwitchUser)(
    'the same request from a process of this user (a child process, then in-process) is 200',
    async () => {
      const mark = marker('own');
      const child = await request(undefined, { path: `/echo?${mark}` });
      expect(child.status).toBe(200);
      expect(reached(up, mark)).toHaveLength(1);
      await expectStillServing(gw, up);
    },
  );

  it.skipIf(!canSwitchUser)('another OS user gets 403 over ::1 too (/proc/net/tcp6)', async () => {
    const own = await request(undefined, { addr: '::1', path: '/api/v1/global/config', host: `localhost:${gw.port}` });
    if (own.status === 0) return; // no IPv6 loopback on this machine: nothing listens on ::1
    expect(own.status).toBe(200);
    const mark = marker('peer6');
    const res = await request(NOBODY, { addr: '::1', path: `/echo?${mark}` });
    expect(res.status).toBe(403);
    expect(res.body).toContain('PEER_NOT_OWNER');
    expect(reached(up, mark)).toEqual([]);
  });

  it.skipIf(!canSwitchUser)('another OS user cannot POST as the admin either (no method is exempt)', async () => {
    const mark = marker('peerpost');
    const res = await request(NOBODY, { path: `/echo?${mark}`, method: 'POST' });
    expect(res.status).toBe(403);
    expect(reached(up, mark)).toEqual([]);
  });

  it.skipIf(!canSwitchUser)(
    'another OS user cannot open a WebSocket as the admin (peer check on upgrades)',
    async () => {
      const mark = marker('peerws');
      const res = await request(NOBODY, { path: `/socket?${mark}`, script: UPGRADE_SCRIPT });
      expect(res.status).toBe(403);
      expect(up.seen.filter((s) => s.url.includes(mark))).toEqual([]);
      const own = await request(undefined, { path: `/socket?${marker('ownws')}`, script: UPGRADE_SCRIPT });
      expect(own.status).toBe(101);
    },
  );

  it.skipIf(!canSwitchUser)(
    "port collision: another user binding 127.0.0.<n>:<owner's client port> is still refused (the /proc/net/tcp row must match addresses, not only ports)",
    async () => {
      // The owner (this process) holds open connections; /proc/net/tcp is world-readable, so
      // another user can learn their client ports and bind the same port on 127.0.0.2–9. Which
      // row /proc lists first varies with the addresses, so several source addresses are tried.
      const owners: Socket[] = [];
      for (let i = 0; i < 4; i += 1) {
        owners.push(
          await new Promise<Socket>((resolve, reject) => {
            const s = connect(gw.port, '127.0.0.1', () => resolve(s));
            s.on('error', reject);
          }),
        );
      }
      try {
        const mark = marker('collide');
        const script = `
const net = require('node:net');
const ports = process.env.PORTS.split(',').map(Number);
const results = [];
const one = (a, p) => new Promise((resolve) => {
  const s = net.connect({ port: Number(process.env.PORT), host: '127.0.0.1', localAddress: a, localPort: p });
  let out = '';
  s.setTimeout(2000, () => s.destroy());
  s.on('connect', () => s.write('GET /echo?' + process.env.MARK + '-' + p + ' HTTP/1.1\\r\\nHost: ' + process.env.HOST_HEADER + '\\r\\nConnection: close\\r\\n\\r\\n'));
  s.on('data', (c) => (out += c));
  s.on('error', (e) => { out = 'ERR ' + e.code; });
  s.on('close', () => resolve(out.startsWith('ERR') ? out : Number((/^HTTP\\/1\\.1 (\\d+)/.exec(out) || [0, 0])[1])));
});
(async () => {
  for (const p of ports) for (let n = 2; n <= 9; n += 1) results.push(await one('127.0.0.' + n, p));
  console.log(JSON.stringify(results));
})();
`;
        const out = await runAs(NOBODY, script, {
          PORT: String(gw.port),
          PORTS: owners.map((s) => s.localPort).join(','),
          HOST_HEADER: gw.host('echo'),
          MARK: mark,
        });
        const results = JSON.parse(out) as (number | string)[];
        const attempted = results.filter((r) => typeof r === 'number' && r !== 0);
        expect(attempted.length, `attempts: ${out}`).toBeGreaterThan(0);
        expect(
          results.filter((r) => r !== 403),
          `statuses per (owner port × 127.0.0.2–9): ${out}`,
        ).toEqual([]);
        expect(reached(up, mark)).toEqual([]);
      } finally {
        for (const s of owners) s.destroy();
      }
    },
  );

  it.skipIf(!canSwitchUser)('the gateway keeps serving its own user after refusing another one', async () => {
    await expectStillServing(gw, up);
  });
});
