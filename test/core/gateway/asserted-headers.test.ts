import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostContext } from '../../../main/core/gateway/auth-routes.js';
import { assertedHeaders } from '../../../main/core/gateway/identify.js';
import { StaticPages } from '../../../main/core/gateway/static-pages.js';
import { baseNames } from '../../../main/core/gateway/hosts.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: 'http://127.0.0.1:9' }] });
});
afterAll(async () => {
  await gw?.close();
});

function ctx(): HostContext {
  return {
    port: gw.port,
    origin: gw.origin('echo'),
    consoleOrigin: gw.origin(),
    baseNames: baseNames([]),
    tokenizerOn: false,
    pages: new StaticPages('/nonexistent'),
    controlPlane: false,
  };
}

/** How many header lines of a flat [name, value, …] list have this name. */
function count(headers: string[], name: string): number {
  return headers.filter((value, i) => i % 2 === 0 && value === name).length;
}

const ann = { username: 'ann', email: 'ann@example.com', role: 'ReadOnly' as const };

describe("an app's identity headers, made once per app and user", () => {
  it("an Admin viewing as ann does not leave an impersonator header on ann's own next request", async () => {
    const echo = gw.core.state.current().apps.get('echo');
    if (!echo) throw new Error('no echo app');
    const viewed = await assertedHeaders({ ...ann, viewer: 'admin' }, echo, gw.core.auth, ctx());
    expect(count(viewed, 'x-latchkey-impersonator')).toBe(1);
    const own = await assertedHeaders(ann, echo, gw.core.auth, ctx());
    expect(count(own, 'x-latchkey-impersonator')).toBe(0);
    expect(count(own, 'x-latchkey-jwt-assertion')).toBe(1);
    expect(count(own, 'x-forwarded-user')).toBe(1);
    const again = await assertedHeaders(ann, echo, gw.core.auth, ctx());
    expect(count(again, 'x-latchkey-jwt-assertion')).toBe(1);
  });

  it("a changed header preset applies to the next request: the app's new settings, never the old list", async () => {
    const before = gw.core.state.current().apps.get('echo');
    if (!before) throw new Error('no echo app');
    expect(count(await assertedHeaders(ann, before, gw.core.auth, ctx()), 'x-webauth-user')).toBe(0);
    gw.core.store.apps.update({ slug: 'echo', upstream: 'http://127.0.0.1:9', headers: 'grafana' }, 'admin');
    const after = gw.core.state.current().apps.get('echo');
    if (!after) throw new Error('no echo app');
    expect(count(await assertedHeaders(ann, after, gw.core.auth, ctx()), 'x-webauth-user')).toBe(1);
  });

  it("a changed email is asserted at once: the list is keyed by the user's fields, not the name alone", async () => {
    const echo = gw.core.state.current().apps.get('echo');
    if (!echo) throw new Error('no echo app');
    const first = await assertedHeaders(ann, echo, gw.core.auth, ctx());
    const moved = await assertedHeaders({ ...ann, email: 'ann@new.example' }, echo, gw.core.auth, ctx());
    const email = (headers: string[]) => headers[headers.indexOf('x-forwarded-email') + 1];
    expect(email(first)).toBe('ann@example.com');
    expect(email(moved)).toBe('ann@new.example');
  });
});
