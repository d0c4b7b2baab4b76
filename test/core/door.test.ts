import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCore, type Core } from '../../main/core/index.js';
import { tempDataDir } from '../helpers/data-dir.js';
import { sendRequest } from '../helpers/gateway.js';

/** What the desktop shell and `latchkey serve` use of the core, and nothing more (issue: one door). */
const DOOR = ['api', 'close', 'consoleLink', 'feed', 'initialPasswordFile', 'listen'] as const;

describe('the one door into the core', () => {
  it("createCore's type names only what the shell and serve use: the shell cannot reach the store", () => {
    expectTypeOf<keyof Core>().toEqualTypeOf<(typeof DOOR)[number]>();
    // @ts-expect-error the store stays inside the core; the shell reaches it only through the console API
    const reach = (core: Core) => core.store;
    // @ts-expect-error nor auth, the live state or the launcher
    const reachAuth = (core: Core) => core.auth ?? core.state ?? core.launcher;
    expect([reach, reachAuth]).toHaveLength(2);
  });

  it('hands out nothing else at run time either, and its console link opens the console', async () => {
    const data = tempDataDir();
    const core = await createCore({ dataDir: data.dir, env: {}, port: 0 });
    try {
      expect(Object.keys(core).sort()).toEqual([...DOOR]);
      const { port } = await core.listen();
      expect(core.initialPasswordFile()).toMatch(/initial-admin-password$/);
      const link = new URL(core.consoleLink(port));
      expect(link.searchParams.get('code')).toMatch(/^[\w-]{32}$/);
      const landing = await sendRequest(port, {
        host: link.host,
        path: `${link.pathname}${link.search}`,
        headers: { accept: 'text/html' },
      });
      expect(landing.status).toBe(200);
    } finally {
      await core.close();
      data.remove();
    }
  });
});
