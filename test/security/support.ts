/**
 * Shared checks for the security suite. Not a test file (no `.test.ts`): vitest only runs
 * the per-area files that import it.
 */
import { connect } from 'node:net';
import { expect } from 'vitest';
import { createToken } from '../../main/core/auth/service-accounts.js';
import { createUser } from '../../main/core/users-service.js';
import { sendRequest, type Response, type TestGateway } from '../helpers/gateway.js';
import type { SeenRequest, Upstream } from '../helpers/upstream.js';

/** A header name as an identity-stripping proxy must compare it: lower-case, `_`/`.` → `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

/** Every raw line of `seen` whose normalized name is `name`, as [rawName, value] pairs. */
export function linesNamed(seen: SeenRequest, name: string): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) {
    const raw = seen.rawHeaders[i] as string;
    if (normalizeName(raw) === name) out.push([raw, seen.rawHeaders[i + 1] as string]);
  }
  return out;
}

/** Values of raw header lines named exactly `name` (case-insensitive) in a response or request. */
export function rawValues(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) out.push(rawHeaders[i + 1] as string);
  }
  return out;
}

/** A unique marker to put in a request path, so the upstream record can be found (or not). */
let counter = 0;
export function marker(label: string): string {
  counter += 1;
  return `${label.replace(/[^a-z0-9]+/gi, '-')}-${process.pid}-${counter}`;
}

/** Records that reached the upstream and carry `mark` in their URL. */
export function reached(up: Upstream, mark: string): SeenRequest[] {
  return up.seen.filter((s) => s.url.includes(mark));
}

/** A request that fails at the socket level answers status 0 instead of throwing. */
export async function tryRequest(gw: TestGateway, o: Parameters<TestGateway['request']>[0]): Promise<Response> {
  try {
    return await gw.request(o);
  } catch (error) {
    return { status: 0, headers: {}, rawHeaders: [], body: String(error), json: () => ({}) as never };
  }
}

/**
 * The gateway still works after an attack: the root host answers its config, and an
 * ordinary request to `slug` reaches the upstream. Also proves that nothing carrying
 * `attackMark` reached the upstream: the proxy pool handles requests in order, so anything
 * the attack let through would have been recorded before this request's answer.
 */
export async function expectStillServing(gw: TestGateway, up: Upstream, attackMark?: string, slug = 'echo') {
  const config = await gw.request({ host: `localhost:${gw.port}`, path: '/api/v1/global/config' });
  expect(config.status).toBe(200);
  expect(config.json<{ data: { identN: unknown } }>().data.identN).toBeDefined();
  const after = marker('after');
  const normal = await gw.request({ host: gw.host(slug), path: `/echo?${after}` });
  expect(normal.status).toBe(200);
  expect(reached(up, after)).toHaveLength(1);
  if (attackMark !== undefined) expect(reached(up, attackMark)).toEqual([]);
}

export interface RawReply {
  text: string;
  /** The server closed the connection (rather than the wait running out). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Writes raw bytes to the gateway and collects the reply until the server closes the
 * connection or `waitMs` passes. Bounded: never waits longer than `waitMs`.
 */
export function rawExchange(port: number, text: string | Buffer, waitMs = 1_500): Promise<RawReply> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
      socket.destroy();
    });
    socket.on('error', () => {
      closedByServer = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer, ms: Date.now() - started });
    });
    socket.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  });
}

/** Status codes of every response in a raw reply, in order. */
export function statusesOf(raw: string): number[] {
  return [...raw.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

export { sendRequest };

/** A ReadOnly user `rita` and tokens for her and the built-in Admin: one non-Admin, one Admin caller. */
export async function readOnlyAndAdminTokens(gw: TestGateway): Promise<{ readOnly: string; admin: string }> {
  const store = gw.core.store;
  await createUser(store, { username: 'rita', password: 'rita password' }, 'test');
  return {
    readOnly: createToken(store, { username: 'rita', lifetimeMs: 3_600_000 }, 'test').token,
    admin: createToken(store, { username: 'admin', lifetimeMs: 3_600_000 }, 'test').token,
  };
}
