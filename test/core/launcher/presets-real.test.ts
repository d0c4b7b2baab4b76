import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findExecutable } from '../../../main/core/launcher/executables.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

function installed(name: string): boolean {
  try {
    findExecutable(name, process.env.PATH, '/');
    return true;
  } catch {
    return false;
  }
}

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const json = { accept: 'application/json' };
const timings = { graceMs: 3_000, startTimeoutMs: 60_000, pollMs: 100 };

/** The inodes of the TCP sockets listening on this machine (state 0A). */
function listeningInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** Whether a process holds a listening TCP socket. */
function listensOnTcp(pid: number): boolean {
  const listening = listeningInodes();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && listening.has(m[1] as string)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** The processes of a Jupyter kernel, found by its connection file. */
function kernelPids(id: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(`kernel-${id}.json`)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe.skipIf(!installed('jupyter-notebook'))('the jupyter preset with the real jupyter-notebook', () => {
  it('starts Jupyter on a 0600 socket, reachable only through Latchkey, and runs 1+1 over the kernel WebSocket', async () => {
    gw = await startGateway({ apps: [{ slug: 'nb', run: { preset: 'jupyter' } }], launcher: timings });
    const api = await gw.request({ host: gw.host('nb'), path: '/api', headers: json });
    expect(api.status, api.body).toBe(200);
    expect(api.json<{ version: string }>().version).toMatch(/^\d+\./);

    const tree = await gw.request({ host: gw.host('nb'), path: '/tree', headers: { accept: 'text/html' } });
    expect(tree.status).toBe(200);

    const socket = join(gw.dataDir, 'launcher', 'sockets', 'nb.sock');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(socket, '..')).mode & 0o777).toBe(0o700);
    const pid = gw.core.launcher.status('nb')?.pid as number;
    expect(listensOnTcp(pid)).toBe(false);
    // No token on its command line (nor anything else secret): it has none at all.
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toMatch(/token=[^\0]/);

    // As the notebook page does: Jupyter's own XSRF cookie, echoed in a header.
    const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers['set-cookie']))?.[1] as string;
    expect(xsrf).toBeTruthy();
    const kernel = await gw.request({
      host: gw.host('nb'),
      path: '/api/kernels',
      method: 'POST',
      headers: {
        ...json,
        'content-type': 'application/json',
        origin: gw.origin('nb'),
        cookie: `_xsrf=${xsrf}`,
        'x-xsrftoken': xsrf,
      },
      body: '{}',
    });
    expect(kernel.status, kernel.body).toBe(201);
    const id = kernel.json<{ id: string }>().id;

    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/api/kernels/${id}/channels`, {
      headers: { host: gw.host('nb'), origin: gw.origin('nb'), cookie: `_xsrf=${xsrf}` },
    });
    const result = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no execute_result in time')), 30_000);
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(
          JSON.stringify({
            header: {
              msg_id: 'm1',
              username: 't',
              session: 's1',
              msg_type: 'execute_request',
              version: '5.3',
              date: '',
            },
            parent_header: {},
            metadata: {},
            content: { code: '1+1', silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { msg_type: string; content: { data?: Record<string, string> } };
        if (msg.msg_type === 'execute_result') {
          clearTimeout(timer);
          resolve(msg.content.data?.['text/plain'] ?? '');
        }
      });
    });
    ws.close();
    expect(result).toBe('2');

    // Quitting stops the server and its kernel (which Jupyter starts in a session of its own).
    expect(kernelPids(id).length).toBe(1);
    await gw.close();
    gw = undefined;
    const deadline = Date.now() + 15_000;
    while (kernelPids(id).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(kernelPids(id)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!installed('prometheus'))('the prometheus preset with the real prometheus', () => {
  it('starts Prometheus on loopback with its slug URL, and it answers a query through the gateway', async () => {
    gw = await startGateway({ apps: [{ slug: 'prom', run: { preset: 'prometheus' } }], launcher: timings });
    const query = await gw.request({ host: gw.host('prom'), path: '/api/v1/query?query=1%2B1', headers: json });
    expect(query.status).toBe(200);
    expect(query.json<{ data: { result: [number, string] } }>().data.result[1]).toBe('2');
    const flags = await gw.request({ host: gw.host('prom'), path: '/api/v1/status/flags', headers: json });
    const data = flags.json<{ data: Record<string, string> }>().data;
    expect(data['web.external-url']).toBe(`http://prom.localhost:${gw.port}/`);
    expect(data['web.listen-address']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(data['storage.tsdb.path']?.startsWith(gw.dataDir)).toBe(true);
  }, 90_000);
});
