import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { AppInput } from '../../main/common/apps.js';
import type { Sleep } from '../../main/core/auth/regulation.js';
import type { Clock } from '../../main/core/clock.js';
import type { CoreOptions } from '../../main/core/index.js';
import { createCoreForTests, type TestCore } from './core.js';
import { tempDataDir } from './data-dir.js';

export interface TestGateway {
  core: TestCore;
  port: number;
  dataDir: string;
  /** `<slug>.localhost:<port>` */
  host(slug?: string): string;
  origin(slug?: string): string;
  request(options: RequestOptions): Promise<Response>;
  raw(text: string, waitMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface RequestOptions {
  path?: string;
  method?: string;
  /** Sent as the Host header; defaults to the console host. Use rawHeaders for duplicates. */
  host?: string;
  headers?: Record<string, string>;
  /** Flat [name, value, …] list, sent exactly as given (duplicates, odd spellings). */
  rawHeaders?: string[];
  body?: string | Buffer;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  json<T = unknown>(): T;
}

export interface StartOptions {
  apps?: AppInput[];
  clock?: Clock;
  /** False for the desktop app's gateway, whose control plane has no HTTP route. */
  httpControlPlane?: boolean;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
  /** The launcher's timings and the environment its children inherit. */
  launcher?: CoreOptions['launcher'];
  /** How regulation waits while it slows sign-in down. */
  sleep?: Sleep;
}

export async function startGateway(options: StartOptions = {}): Promise<TestGateway> {
  const data = tempDataDir();
  const core = await createCoreForTests({
    dataDir: data.dir,
    env: options.env ?? {},
    port: 0,
    configFile: options.configFile,
    clock: options.clock,
    ...(options.launcher ? { launcher: options.launcher } : {}),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.httpControlPlane === undefined ? {} : { httpControlPlane: options.httpControlPlane }),
  });
  for (const app of options.apps ?? []) core.store.apps.add(app, 'test');
  const { port } = await core.listen();

  const host = (slug = 'latchkey') => `${slug}.localhost:${port}`;
  const gateway: TestGateway = {
    core,
    port,
    dataDir: data.dir,
    host,
    origin: (slug = 'latchkey') => `http://${host(slug)}`,
    request: (o) => sendRequest(port, { ...o, host: o.host ?? host() }),
    raw: (text, waitMs) => sendRaw(port, text, waitMs),
    async close() {
      await core.close();
      data.remove();
    },
  };
  return gateway;
}

export function sendRequest(port: number, o: RequestOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: string[] = [];
    if (o.host !== undefined) headers.push('Host', o.host);
    for (const [name, value] of Object.entries(o.headers ?? {})) headers.push(name, value);
    headers.push(...(o.rawHeaders ?? []));
    if (o.body !== undefined) headers.push('Content-Length', String(Buffer.byteLength(o.body)));
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: o.method ?? 'GET',
      path: o.path ?? '/',
      headers: headers as unknown as Record<string, string>,
      setHost: false,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          json: <T>() => JSON.parse(body) as T,
        });
      });
    });
    req.end(o.body);
  });
}

/** Sends bytes as they are and collects what comes back until the server closes or the wait ends. */
export function sendRaw(port: number, text: string, waitMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(text, 'latin1');
  });
}

/** The status code of the first response in a raw reply, or 0 when none came. */
export function statusOf(raw: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return match ? Number(match[1]) : 0;
}
