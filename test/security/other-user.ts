/**
 * Another OS user on this machine, for the attacks only the kernel can tell apart: a
 * process run as uid 65534 (root only, Linux), talking to a gateway over loopback.
 */
import { execFile } from 'node:child_process';
import type { TestGateway } from '../helpers/gateway.js';

export const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0;
export const NOBODY = 65534;

/**
 * Runs `script` in a fresh node process as `uid` (or as this user when undefined) and
 * returns what it printed. The script receives PORT, HOST_HEADER, PATH_ and ADDR in env.
 */
export function runAs(
  uid: number | undefined,
  script: string,
  env: Record<string, string>,
  timeout = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      {
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        timeout,
        ...(uid === undefined ? {} : { uid, gid: uid }),
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** One HTTP request described by SPEC (JSON in env), answered as {status, headers, body}. */
const SPEC_SCRIPT = `
const http = require('node:http');
const spec = JSON.parse(process.env.SPEC);
const req = http.request({ host: '127.0.0.1', port: spec.port, path: spec.path, method: spec.method,
  headers: spec.headers, setHost: false, agent: false }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, headers: res.headers, body })));
});
req.on('error', (e) => console.log(JSON.stringify({ status: 0, headers: {}, body: e.message })));
req.setTimeout(3000, () => req.destroy(new Error('timeout')));
req.end(spec.body);
`;

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to `g` made by a process of `uid` (this user when undefined). */
export async function requestAs(
  uid: number | undefined,
  g: TestGateway,
  o: { host?: string; path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const spec = {
    port: g.port,
    path: o.path,
    method: o.method ?? 'GET',
    headers: { Host: o.host ?? g.host(), ...o.headers },
    body: o.body,
  };
  const out = await runAs(uid, SPEC_SCRIPT, { SPEC: JSON.stringify(spec) });
  return JSON.parse(out.split('\n').pop() as string) as Answer;
}

export const cookieOf = (a: Answer, name: string) =>
  [a.headers['set-cookie'] ?? []]
    .flat()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
