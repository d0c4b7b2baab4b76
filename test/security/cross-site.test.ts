/**
 * SPEC §7, security cases 6–8 and 11: in impersonation mode every request is the root
 * admin, so a web page the developer visits must not be able to act through the gateway.
 * Unsafe methods need the target's own origin; cross-site and same-site GETs are served
 * only as top-level navigations. Another port or another app host is *same-site*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Response, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectStillServing, marker, reached } from './support.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({
    apps: [
      { slug: 'echo', upstream: up.url },
      { slug: 'other', upstream: up.url },
      { slug: 'allowing', upstream: up.url, allowedOrigins: ['http://localhost:5173'] },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

interface Attempt {
  method?: string;
  headers?: Record<string, string>;
  rawHeaders?: string[];
  body?: string;
  slug?: string;
}

/** Sends a request to the echo app with a unique marker; returns the answer and what reached the upstream. */
async function attempt(a: Attempt): Promise<{ res: Response; mark: string; arrived: number }> {
  const mark = marker('xsite');
  const res = await gw.request({
    host: gw.host(a.slug ?? 'echo'),
    method: a.method ?? 'GET',
    path: `/echo?${mark}`,
    headers: a.headers,
    rawHeaders: a.rawHeaders,
    body: a.body,
  });
  return { res, mark, arrived: reached(up, mark).length };
}

async function expectRefused(a: Attempt, code?: string) {
  const { res, mark, arrived } = await attempt(a);
  expect(res.status, `${a.method ?? 'GET'} ${JSON.stringify(a.headers ?? a.rawHeaders)} → ${res.status}`).toBe(403);
  if (code) expect(res.body).toContain(code);
  expect(arrived).toBe(0);
  return mark;
}

async function expectServed(a: Attempt) {
  const { res, arrived } = await attempt(a);
  expect(res.status).toBe(200);
  expect(arrived).toBe(1);
  return res;
}

const EVIL = 'https://evil.example';

describe('cross-site unsafe methods (CSRF against an impersonated admin)', () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND']) {
    it(`CSRF: ${method} with Origin https://evil.example is 403 and never proxied (Ray CVE-2026-27482: allowlist safe methods, not blocklist)`, async () => {
      const mark = await expectRefused(
        { method, headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, body: 'x=1' },
        'ORIGIN_REFUSED',
      );
      await expectStillServing(gw, up, mark);
    });
  }

  it('CSRF: POST with Origin null (sandboxed iframe, file:// page) is 403', async () => {
    await expectRefused({ method: 'POST', headers: { Origin: 'null' }, body: 'a=1' });
  });

  it('CSRF: POST from another local dev server (Origin http://localhost:5173, same-site to the browser) is 403 (RFC 6265 §8.5)', async () => {
    await expectRefused({
      method: 'POST',
      headers: { Origin: 'http://localhost:5173', 'Sec-Fetch-Site': 'same-site' },
      body: 'a=1',
    });
  });

  it('CSRF: POST from another app host (Origin http://other.localhost:<port>) to echo is 403', async () => {
    await expectRefused({
      method: 'POST',
      headers: { Origin: gw.origin('other'), 'Sec-Fetch-Site': 'same-site' },
      body: 'a=1',
    });
  });

  it('CSRF: POST from the console origin to an app is 403 (the console is another origin too)', async () => {
    await expectRefused({ method: 'POST', headers: { Origin: gw.origin('latchkey') }, body: 'a=1' });
  });

  it('CSRF: Origin that differs only by scheme (https://echo.localhost:<port>) or port (http://echo.localhost) is 403', async () => {
    await expectRefused({ method: 'POST', headers: { Origin: `https://${gw.host('echo')}` }, body: 'a=1' });
    await expectRefused({ method: 'POST', headers: { Origin: 'http://echo.localhost' }, body: 'a=1' });
    await expectRefused({
      method: 'POST',
      headers: { Origin: `http://echo.localhost:${gw.port}.evil.example` },
      body: 'a=1',
    });
  });

  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
    it(`CSRF: a cross-site <form> POST with Content-Type ${type.split(';')[0]} is 403 (Selenium Grid CVE-2022-28108)`, async () => {
      await expectRefused({
        method: 'POST',
        headers: {
          Origin: EVIL,
          'Content-Type': type,
          'Sec-Fetch-Site': 'cross-site',
          'Sec-Fetch-Mode': 'navigate',
          'Sec-Fetch-Dest': 'document',
        },
        body: type.startsWith('multipart')
          ? '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'
          : 'a=1',
      });
    });
  }

  it('CSRF: fetch(url, {method: "POST", mode: "no-cors"}) from a cross-site page is 403', async () => {
    await expectRefused({
      method: 'POST',
      headers: { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'empty' },
      body: 'a=1',
    });
  });

  it('CSRF: POST with Sec-Fetch-Site same-site and no Origin is 403 (OWASP: same-site is not enough)', async () => {
    await expectRefused({ method: 'POST', headers: { 'Sec-Fetch-Site': 'same-site' }, body: 'a=1' });
  });

  it('CSRF: POST with Sec-Fetch-Site cross-site and no Origin is 403', async () => {
    await expectRefused({ method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' }, body: 'a=1' });
  });

  it('CSRF: an unknown Sec-Fetch-Site value (Same-Origin, mixed case) on POST fails closed', async () => {
    await expectRefused({ method: 'POST', headers: { 'Sec-Fetch-Site': 'Same-Origin' }, body: 'a=1' });
  });

  it('CSRF: User-Agent curl/8 with the browser headers Sec-Fetch-Site cross-site is still 403 (Ray CVE-2025-62593: User-Agent is never consulted)', async () => {
    await expectRefused({
      method: 'POST',
      headers: { 'User-Agent': 'curl/8.5.0', 'Sec-Fetch-Site': 'cross-site' },
      body: 'a=1',
    });
    await expectRefused({ method: 'POST', headers: { 'User-Agent': 'curl/8.5.0', Origin: EVIL }, body: 'a=1' });
  });

  it('CSRF: cross-site POST to the console host and to localhost:<port> is 403 as well', async () => {
    for (const host of [gw.host('latchkey'), `localhost:${gw.port}`, `127.0.0.1:${gw.port}`]) {
      const res = await gw.request({
        host,
        method: 'POST',
        path: '/api/v1/global/config',
        headers: { Origin: EVIL },
        body: '{}',
      });
      expect(res.status, host).toBe(403);
    }
  });

  it('an origin the app allows (allowedOrigins) may POST to that app only, not to another app', async () => {
    await expectServed({
      slug: 'allowing',
      method: 'POST',
      headers: { Origin: 'http://localhost:5173', 'Sec-Fetch-Site': 'same-site' },
      body: 'a=1',
    });
    await expectRefused({
      slug: 'echo',
      method: 'POST',
      headers: { Origin: 'http://localhost:5173', 'Sec-Fetch-Site': 'same-site' },
      body: 'a=1',
    });
  });
});

describe('requests that must keep working', () => {
  it('a same-origin POST (Origin http://echo.localhost:<port>) is 200 and reaches the upstream with its body', async () => {
    const { res, mark } = await attempt({
      method: 'POST',
      headers: {
        Origin: gw.origin('echo'),
        'Sec-Fetch-Site': 'same-origin',
        'Sec-Fetch-Mode': 'cors',
        'Content-Type': 'application/json',
      },
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    const seen = reached(up, mark);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.bodyBytes).toBe(7);
  });

  it('a same-origin DELETE with only Sec-Fetch-Site same-origin (no Origin) is 200', async () => {
    await expectServed({ method: 'DELETE', headers: { 'Sec-Fetch-Site': 'same-origin' } });
  });

  it('a POST with neither Origin nor Sec-Fetch-* (curl, an SDK) is 200 and reaches the upstream', async () => {
    await expectServed({
      method: 'POST',
      headers: { 'User-Agent': 'curl/8.5.0', 'Content-Type': 'application/json' },
      body: '{}',
    });
  });

  it('a cross-site top-level navigation (Sec-Fetch-Mode navigate, Sec-Fetch-Dest document) is 200: links into a tool work', async () => {
    await expectServed({
      headers: {
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'navigate',
        'Sec-Fetch-Dest': 'document',
        'Sec-Fetch-User': '?1',
      },
    });
  });

  it('a typed-in address (Sec-Fetch-Site none) is 200', async () => {
    await expectServed({
      headers: { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
    });
  });

  it('a same-origin subresource (an app loading its own script) is 200', async () => {
    await expectServed({
      headers: { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' },
    });
  });
});

describe('cross-site and same-site reads as a subresource', () => {
  it('an <img> GET from a cross-site page (Sec-Fetch-Site cross-site, no-cors, image) is 403', async () => {
    await expectRefused(
      { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' } },
      'CROSS_SITE_SUBRESOURCE',
    );
  });

  it('a <script> GET from another local port (Sec-Fetch-Site same-site, no-cors, script) is 403', async () => {
    await expectRefused({
      headers: { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' },
    });
  });

  it('a cross-site <iframe> navigation (Sec-Fetch-Mode navigate, Sec-Fetch-Dest iframe) is 403 (no framing of a tool as its admin)', async () => {
    await expectRefused({
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' },
    });
  });

  it('a same-site <iframe> navigation from another app host is 403', async () => {
    await expectRefused({
      headers: { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' },
    });
  });

  it('a cross-site no-cors fetch (Sec-Fetch-Dest empty) GET is 403', async () => {
    await expectRefused({
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'empty' },
    });
  });

  it('a GET with a foreign Origin (CORS fetch from evil.example) is 403 (Vite CVE-2025-24010: no reading responses cross-origin)', async () => {
    await expectRefused({
      headers: { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' },
    });
  });

  it('a GET with a foreign Origin but claiming Sec-Fetch-Mode navigate is still 403 (Origin wins)', async () => {
    await expectRefused({
      headers: {
        Origin: EVIL,
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'navigate',
        'Sec-Fetch-Dest': 'document',
      },
    });
  });

  it('a HEAD with a foreign Origin is 403', async () => {
    const { res, arrived } = await attempt({ method: 'HEAD', headers: { Origin: 'http://localhost:5173' } });
    expect(res.status).toBe(403);
    expect(arrived).toBe(0);
  });

  it('duplicated Sec-Fetch-Site lines (same-origin, then cross-site) are not trusted on a POST', async () => {
    await expectRefused({
      method: 'POST',
      rawHeaders: ['Sec-Fetch-Site', 'same-origin', 'Sec-Fetch-Site', 'cross-site'],
      body: 'a=1',
    });
    await expectRefused({
      method: 'POST',
      rawHeaders: ['Sec-Fetch-Site', 'cross-site', 'Sec-Fetch-Site', 'same-origin'],
      body: 'a=1',
    });
  });

  it('duplicated Sec-Fetch-Site lines are not trusted on an <img> GET either', async () => {
    await expectRefused({
      rawHeaders: [
        'Sec-Fetch-Site',
        'none',
        'Sec-Fetch-Site',
        'cross-site',
        'Sec-Fetch-Mode',
        'no-cors',
        'Sec-Fetch-Dest',
        'image',
      ],
    });
  });

  it('duplicated Sec-Fetch-Mode lines (no-cors, then navigate) do not pass as a navigation', async () => {
    await expectRefused({
      rawHeaders: [
        'Sec-Fetch-Site',
        'cross-site',
        'Sec-Fetch-Mode',
        'no-cors',
        'Sec-Fetch-Mode',
        'navigate',
        'Sec-Fetch-Dest',
        'image',
      ],
    });
  });

  it('duplicated Origin lines (own origin, then evil.example) on a POST are 403', async () => {
    await expectRefused({ method: 'POST', rawHeaders: ['Origin', gw.origin('echo'), 'Origin', EVIL], body: 'a=1' });
    await expectRefused({ method: 'POST', rawHeaders: ['Origin', EVIL, 'Origin', gw.origin('echo')], body: 'a=1' });
  });

  it('the gateway still serves normal requests after the cross-site attempts', async () => {
    await expectStillServing(gw, up);
  });
});
