import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTORS } from '../../../main/common/audit.js';
import { USERNAME_PATTERN } from '../../../main/common/apps.js';
import { createUser } from '../../../main/core/users-service.js';
import { runCli } from '../../helpers/cli.js';
import { consoleLinkSession } from '../../helpers/sign-in.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const post = (cookie: string, path: string, body: unknown) =>
  gw.request({
    method: 'POST',
    path,
    headers: { cookie, Origin: gw.origin(), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The newest audit entries, oldest first, as [kind, actor, subject, detail]. */
const latest = (n: number) =>
  gw.core.store.audit
    .list(n)
    .reverse()
    .map((e) => [e.kind, e.actor, e.subject, e.detail]);

describe('the audit log records every change, whichever transport made it', () => {
  it('records a console link opened, and what its holder did as the console link', async () => {
    const cookie = await consoleLinkSession(gw);
    expect(latest(1)).toEqual([['console.opened', SYSTEM_ACTORS.consoleLink, null, {}]]);

    expect((await post(cookie, '/api/v1/apps', { slug: 'grafana', upstream: 'http://127.0.0.1:3000' })).status).toBe(
      200,
    );
    expect(
      (
        await post(cookie, '/api/v1/apps/update', {
          slug: 'grafana',
          name: 'Grafana',
          upstream: 'http://127.0.0.1:3000',
        })
      ).status,
    ).toBe(200);
    expect((await post(cookie, '/api/v1/apps/remove', { slug: 'grafana' })).status).toBe(200);
    expect(latest(3)).toEqual([
      ['app.added', SYSTEM_ACTORS.consoleLink, 'grafana', { upstream: 'http://127.0.0.1:3000' }],
      ['app.updated', SYSTEM_ACTORS.consoleLink, 'grafana', { changed: ['name'] }],
      ['app.removed', SYSTEM_ACTORS.consoleLink, 'grafana', {}],
    ]);
  });

  it('records the desktop window and tray as the desktop app, not as a console link', async () => {
    const desktop = { kind: 'console-link', via: 'desktop' } as const;
    await gw.core.api['apps.add']({ slug: 'tool', upstream: 'http://127.0.0.1:3001' } as never, desktop);
    await gw.core.api['apps.remove']({ slug: 'tool' }, desktop);
    expect(latest(2).map(([kind, actor]) => [kind, actor])).toEqual([
      ['app.added', SYSTEM_ACTORS.desktop],
      ['app.removed', SYSTEM_ACTORS.desktop],
    ]);
  });

  it('a refused change leaves no entry', async () => {
    const before = gw.core.store.audit.list(1)[0]?.id;
    expect(() => gw.core.api['apps.remove']({ slug: 'never-added' }, { kind: 'console-link', via: 'desktop' })).toThrow(
      /no app/,
    );
    expect(gw.core.store.audit.list(1)[0]?.id).toBe(before);
  });
});

describe('who acted cannot be forged with a username', () => {
  it('no username can read as the CLI, the console link or the desktop app (audit actor spoofing)', () => {
    for (const actor of Object.values(SYSTEM_ACTORS)) expect(USERNAME_PATTERN.test(actor)).toBe(false);
  });

  it('a user named "cli" adding an app is not recorded as the command line (audit actor spoofing)', async () => {
    await createUser(gw.core.store, { username: 'cli', password: 'cli user password', role: 'Admin' }, 'test');
    const cli = gw.core.store.users.findByUsername('cli');
    if (!cli) throw new Error('no user cli');
    await gw.core.api['apps.add']({ slug: 'by-user', upstream: 'http://127.0.0.1:3002' } as never, {
      kind: 'user',
      user: cli,
      session: { id: 'test' } as never,
      client: 'uid:0',
    });
    expect(latest(1)[0]?.slice(0, 2)).toEqual(['app.added', 'cli']);

    const added = runCli([
      'app',
      'add',
      '--slug',
      'by-cli',
      '--upstream',
      'http://127.0.0.1:3003',
      '--data-dir',
      gw.core.store.dataDir,
    ]);
    expect(added.status).toBe(0);
    expect(latest(1)[0]?.slice(0, 2)).toEqual(['app.added', SYSTEM_ACTORS.cli]);
    expect(SYSTEM_ACTORS.cli).not.toBe('cli');
  });
});
