import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostContexts, HOSTS_PER_SNAPSHOT } from '../../../main/core/gateway/host-context.js';
import { baseNames, classifyHost, type HostTarget } from '../../../main/core/gateway/hosts.js';
import { StaticPages } from '../../../main/core/gateway/static-pages.js';
import { setIdentn } from '../../../main/core/identn-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ env: { LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: 'admin password 1' } });
});
afterAll(async () => {
  await gw?.close();
});

function contexts() {
  return hostContexts({
    port: () => gw.port,
    baseNames: baseNames([]),
    pages: new StaticPages('/nonexistent'),
    api: undefined,
  });
}

function target(host: string): HostTarget {
  const found = classifyHost(`${host}:${gw.port}`, gw.port);
  if (!found) throw new Error(`${host} is not served`);
  return found;
}

describe('the host context, once per host and settings snapshot', () => {
  it('is made once for a host while the settings stay the same, not once per request', () => {
    const of = contexts();
    const snapshot = gw.core.state.current();
    const first = of(target('echo.localhost'), snapshot);
    expect(of(target('echo.localhost'), snapshot)).toBe(first);
    expect(first).toMatchObject({
      origin: `http://echo.localhost:${gw.port}`,
      consoleOrigin: `http://latchkey.localhost:${gw.port}`,
      port: gw.port,
    });
    expect(of(target('127.0.0.1'), snapshot).consoleOrigin).toBe(`http://latchkey.localhost:${gw.port}`);
  });

  it('follows a change of mode at once: a new snapshot gets a new context (no stale sign-in setting)', () => {
    const of = contexts();
    setIdentn(gw.core.store, { impersonation: true }, 'test');
    const before = of(target('echo.localhost'), gw.core.state.current());
    expect(before.tokenizerOn).toBe(false);
    setIdentn(gw.core.store, { impersonation: false }, 'test');
    const after = of(target('echo.localhost'), gw.core.state.current());
    expect(after).not.toBe(before);
    expect(after.tokenizerOn).toBe(true);
  });

  it('a flood of unknown app hosts is answered right but not kept (no memory growth per host name)', () => {
    const of = contexts();
    const snapshot = gw.core.state.current();
    const kept = of(target('echo.localhost'), snapshot);
    for (let i = 0; i < HOSTS_PER_SNAPSHOT * 3; i += 1) {
      expect(of(target(`flood${i}.localhost`), snapshot).origin).toBe(`http://flood${i}.localhost:${gw.port}`);
    }
    const late = target('late.localhost');
    expect(of(late, snapshot)).not.toBe(of(late, snapshot));
    expect(of(target('echo.localhost'), snapshot)).toBe(kept);
  });
});
