/**
 * SPEC §7, security case 9: the gateway grants no CORS, and an upstream cannot open it
 * (Vite CVE-2025-24010: permissive CORS let any website read a local dev server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Response, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, reached } from './support.js';

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

function corsHeaders(res: Response): string[] {
  const names: string[] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = (res.rawHeaders[i] as string).toLowerCase();
    if (name.startsWith('access-control-')) names.push(`${name}: ${res.rawHeaders[i + 1]}`);
  }
  return names;
}

describe('no CORS is granted', () => {
  it('Vite CVE-2025-24010: an upstream answering Access-Control-Allow-Origin: * with credentials and private network reaches the browser with no access-control-allow-* header', async () => {
    const res = await gw.request({ host: gw.host('echo'), path: '/cors' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('open');
    expect(corsHeaders(res)).toEqual([]);
  });

  it('the same-origin read of /cors also carries no access-control-* header', async () => {
    const res = await gw.request({
      host: gw.host('echo'),
      path: '/cors',
      headers: { Origin: gw.origin('echo'), 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' },
    });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
  });

  it('a preflight OPTIONS from https://evil.example with Access-Control-Request-Private-Network gets no ACA* header and is not proxied (PNA)', async () => {
    const mark = marker('preflight');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'OPTIONS',
      path: `/cors?${mark}`,
      headers: {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'x-csrf-token',
        'Access-Control-Request-Private-Network': 'true',
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'cors',
      },
    });
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
    expect(reached(up, mark)).toEqual([]);
  });

  it('a preflight from another local port (http://localhost:5173) gets no ACA* header and is not proxied', async () => {
    const mark = marker('preflight-local');
    const res = await gw.request({
      host: gw.host('echo'),
      method: 'OPTIONS',
      path: `/cors?${mark}`,
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Private-Network': 'true',
      },
    });
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
    expect(reached(up, mark)).toEqual([]);
  });

  it('a simple GET with Origin https://evil.example gets no Access-Control-Allow-Origin (never * and never reflected)', async () => {
    const res = await gw.request({ host: gw.host('echo'), path: '/cors', headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
  });

  it('the console config endpoint with a foreign Origin grants no CORS either', async () => {
    const res = await gw.request({
      host: `localhost:${gw.port}`,
      path: '/api/v1/global/config',
      headers: { Origin: 'https://evil.example' },
    });
    expect(corsHeaders(res)).toEqual([]);
    expect(res.body).not.toContain('identN');
  });

  it("a same-origin OPTIONS that reaches the upstream comes back without the upstream's ACA* headers", async () => {
    const mark = marker('options-same');
    const res = await gw.request({ host: gw.host('echo'), method: 'OPTIONS', path: `/cors?${mark}` });
    expect(res.status).toBe(200);
    expect(reached(up, mark)).toHaveLength(1);
    expect(corsHeaders(res)).toEqual([]);
    await expectStillServing(gw, up);
  });
});
