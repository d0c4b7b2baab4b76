import { afterEach, describe, expect, it } from 'vitest';
import { consoleLinkSession } from '../../helpers/sign-in.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { FAST, TOOL, toolApp } from './support.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const call = (g: TestGateway, method: 'GET' | 'POST', path: string, cookie: string, body?: unknown) =>
  g.request({
    method,
    path,
    headers: { cookie, Origin: g.origin(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('the HTTP console and apps Latchkey runs', () => {
  it('a stolen console session cannot define or change a command (code execution)', async () => {
    gw = await startGateway({ apps: [toolApp('tool')], launcher: FAST });
    const cookie = await consoleLinkSession(gw);
    const add = await call(gw, 'POST', '/api/v1/apps', cookie, {
      slug: 'evil',
      run: { command: '/bin/sh', args: ['-c', 'id'] },
    });
    expect(add.status).toBe(403);
    expect(add.json<{ error: { code: string } }>().error.code).toBe('APP_RUN_FORBIDDEN');
    const change = await call(gw, 'POST', '/api/v1/apps/update', cookie, {
      slug: 'tool',
      run: { command: '/bin/sh', args: ['-c', 'touch /tmp/pwned'] },
    });
    expect(change.status).toBe(403);
    // Nor by turning a run app into a fixed one and back, nor by a preset with its own command.
    const preset = await call(gw, 'POST', '/api/v1/apps', cookie, {
      slug: 'evil2',
      run: { preset: 'jupyter', command: '/bin/sh' },
    });
    expect(preset.status).toBe(403);
    const stored = gw.core.store.apps.list().find((a) => a.slug === 'tool');
    expect(stored?.run?.args).toEqual([TOOL]);
    expect(gw.core.store.apps.list().map((a) => a.slug)).toEqual(['tool']);
  });

  it('a stolen console session cannot point an app at the Docker socket (unix: upstream)', async () => {
    gw = await startGateway({ launcher: FAST });
    const cookie = await consoleLinkSession(gw);
    for (const upstream of ['unix:/var/run/docker.sock', 'UNIX:/var/run/docker.sock', ' unix:/run/docker.sock']) {
      const res = await call(gw, 'POST', '/api/v1/apps', cookie, { slug: 'docker', upstream });
      expect(res.status, upstream).toBeGreaterThanOrEqual(400);
      expect(res.status, upstream).toBeLessThan(500);
    }
    expect(gw.core.store.apps.list()).toEqual([]);
  });

  it('a stolen console session does not read the secrets in a run app environment', async () => {
    gw = await startGateway({
      apps: [toolApp('envy', { env: { GF_SECURITY_ADMIN_PASSWORD: 'hunter2' } })],
      launcher: FAST,
    });
    const cookie = await consoleLinkSession(gw);
    const list = await call(gw, 'GET', '/api/v1/apps', cookie);
    expect(list.body).not.toContain('hunter2');
    expect(list.json<{ data: { run: { env: Record<string, string> } }[] }>().data[0]?.run.env).toEqual({
      GF_SECURITY_ADMIN_PASSWORD: '(hidden)',
    });
    // The stored definition is untouched by an HTTP update of another field.
    await call(gw, 'POST', '/api/v1/apps/update', cookie, { slug: 'envy', name: 'Envy' });
    expect(gw.core.store.apps.list()[0]?.run?.env).toEqual({ GF_SECURITY_ADMIN_PASSWORD: 'hunter2' });
  });

  it('may start, stop and restart an app and read its logs', async () => {
    gw = await startGateway({ apps: [toolApp('tool', { start: 'manual' })], launcher: FAST });
    const cookie = await consoleLinkSession(gw);
    const started = await call(gw, 'POST', '/api/v1/apps/start', cookie, { slug: 'tool' });
    expect(started.status).toBe(200);
    expect(started.json<{ data: { state: string } }>().data.state).toBe('running');
    const list = await call(gw, 'GET', '/api/v1/apps', cookie);
    expect(list.json<{ data: { runStatus: { state: string } }[] }>().data[0]?.runStatus.state).toBe('running');
    const logs = await call(gw, 'GET', '/api/v1/apps/logs?slug=tool&lines=5', cookie);
    expect(logs.json<{ data: { lines: string[] } }>().data.lines.join('\n')).toMatch(/tool \d+ starting/);
    const restarted = await call(gw, 'POST', '/api/v1/apps/restart', cookie, { slug: 'tool' });
    expect(restarted.json<{ data: { state: string } }>().data.state).toBe('running');
    const stopped = await call(gw, 'POST', '/api/v1/apps/stop', cookie, { slug: 'tool' });
    expect(stopped.json<{ data: { state: string } }>().data.state).toBe('stopped');
    const audit = gw.core.store.audit.query({ kind: 'app', limit: 10, offset: 0 }).map((e) => e.kind);
    expect(audit).toEqual(expect.arrayContaining(['app.started', 'app.restarted', 'app.stopped']));
  });
});
