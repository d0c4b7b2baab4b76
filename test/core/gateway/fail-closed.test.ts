import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
});
afterAll(async () => {
  await gw.close().catch(() => undefined);
  await up.close();
});

describe('a store that cannot be read', () => {
  it('fails closed with 503: never falls back to impersonation or to stale settings', async () => {
    expect((await gw.request({ host: gw.host('echo'), path: '/echo' })).status).toBe(200);
    const before = up.seen.length;
    gw.core.store.db.close(); // what a vanished or broken database looks like to the gateway
    const res = await gw.request({ host: gw.host('echo'), path: '/echo' });
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'GATEWAY_UNAVAILABLE' } });
    expect(res.body).not.toContain('/tmp'); // no file paths in the answer
    expect(up.seen.length).toBe(before);
    const config = await gw.request({ host: gw.host(), path: '/api/v1/global/config' });
    expect(config.status).toBe(503);
  });
});
