// @vitest-environment jsdom
/// <reference lib="dom" />
import { fireEvent, screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import About from '../../renderer/src/console/screens/About.svelte';
import Apps from '../../renderer/src/console/screens/Apps.svelte';
import Audit from '../../renderer/src/console/screens/Audit.svelte';
import Bans from '../../renderer/src/console/screens/Bans.svelte';
import Tokens from '../../renderer/src/console/screens/Tokens.svelte';
import Users from '../../renderer/src/console/screens/Users.svelte';
import ViewAs from '../../renderer/src/console/screens/ViewAs.svelte';
import { toast } from '../../renderer/src/console/ui/toast.svelte.js';
import { answer, cleanup, config, failure, render, user, type Answers } from './dom.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(cleanup);

const props = { config: config(), refresh: async () => {} };
const app = {
  slug: 'grafana',
  name: 'Grafana',
  upstream: 'http://127.0.0.1:3000',
  url: 'http://grafana.localhost:7780/',
  allowRoles: [],
  allowUsers: [],
  publicPaths: ['/healthz'],
  headers: 'grafana' as const,
  preserveHost: true,
  allowedOrigins: [],
  healthPath: null,
  run: null,
  runStatus: null,
  listens: null,
  source: 'stored' as const,
};
const token = {
  id: 'abc123',
  username: 'rita',
  description: 'CI pipeline',
  createdBy: 'admin',
  createdAt: Date.UTC(2025, 0, 2),
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
};
const about = {
  version: '1.2.3',
  dataDir: '/home/dev/.local/share/latchkey',
  gatewayUrl: 'http://localhost:7780',
  consoleUrl: 'http://latchkey.localhost:7780/',
  licences: [{ name: 'zod', version: '4.0.0', license: 'MIT' }],
};

interface Case {
  name: string;
  component: typeof Apps;
  method: keyof Answers;
  /** Other methods the screen calls, answered the same in every state. */
  also?: Answers;
  loading: string;
  empty: { value: unknown; text: RegExp };
  filled: { value: unknown; text: RegExp };
  failed: RegExp;
}

const CASES: Case[] = [
  {
    name: 'Apps',
    component: Apps,
    method: 'apps.list',
    also: { 'apps.health': { grafana: 'up' } },
    loading: 'Loading the apps…',
    empty: { value: [], text: /No apps yet/ },
    filled: { value: [app], text: /Grafana/ },
    failed: /Loading the apps failed: The database cannot be read\./,
  },
  {
    name: 'Users',
    component: Users,
    method: 'users.list',
    loading: 'Loading the users…',
    empty: { value: [], text: /No users yet/ },
    filled: { value: [user('admin', 'Admin'), user('rita')], text: /rita@example\.test/ },
    failed: /Loading the users failed/,
  },
  {
    name: 'View as',
    component: ViewAs,
    method: 'viewAs.candidates',
    loading: 'Loading the users…',
    empty: { value: [], text: /No enabled users to view as/ },
    filled: { value: [user('rita')], text: /rita \(ReadOnly\)/ },
    failed: /Loading the users failed/,
  },
  {
    name: 'Service accounts',
    component: Tokens,
    method: 'tokens.list',
    also: { 'users.list': [user('rita')] },
    loading: 'Loading the tokens…',
    empty: { value: [], text: /No tokens yet/ },
    filled: { value: [token], text: /CI pipeline/ },
    failed: /Loading the service accounts failed/,
  },
  {
    name: 'Bans',
    component: Bans,
    method: 'bans.list',
    loading: 'Loading the bans…',
    empty: { value: [], text: /No active bans/ },
    filled: { value: [{ username: 'mallory', client: 'uid:1001', until: Date.UTC(2025, 0, 2) }], text: /OS user 1001/ },
    failed: /Loading the bans failed/,
  },
  {
    name: 'Audit log',
    component: Audit,
    method: 'audit.list',
    loading: 'Loading the audit log…',
    empty: { value: { entries: [], hasMore: false }, text: /Nothing has been recorded yet/ },
    filled: {
      value: {
        entries: [
          { id: 1, at: Date.UTC(2025, 0, 2), kind: 'user.created', actor: 'admin', subject: 'rita', detail: {} },
        ],
        hasMore: true,
      },
      text: /^rita$/,
    },
    failed: /Loading the audit log failed/,
  },
  {
    name: 'About',
    component: About,
    method: 'about.get',
    loading: 'Loading…',
    empty: { value: { ...about, licences: [] }, text: /No third-party components are listed/ },
    filled: { value: about, text: /\/home\/dev\/\.local\/share\/latchkey/ },
    failed: /Loading the version information failed/,
  },
];

describe.each(CASES)('$name screen', (c) => {
  const show = (value: unknown) => {
    answer({ ...c.also, [c.method]: value } as Answers);
    render(c.component, props);
  };

  it('says it is loading', () => {
    show('pending');
    expect(screen.getByRole('status').textContent).toBe(c.loading);
  });

  it('says when there is nothing to show', async () => {
    show(c.empty.value);
    expect(await screen.findByText(c.empty.text)).toBeTruthy();
  });

  it('shows what it loaded', async () => {
    show(c.filled.value);
    expect(await screen.findByText(c.filled.text)).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says what failed and offers to try again', async () => {
    show(failure());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(c.failed);
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('Apps', () => {
  it('opens app addresses in a new tab and shows live health', async () => {
    answer({ 'apps.list': [app], 'apps.health': { grafana: 'down' } });
    render(Apps, props);
    const open = await screen.findByRole('link', { name: 'Open Grafana' });
    expect(open.getAttribute('target')).toBe('_blank');
    expect(open.getAttribute('rel')).toBe('noopener');
    expect(await screen.findByLabelText('Health: Down')).toBeTruthy();
  });

  it('shows one action on a tile, Open; the rest are in a small menu that Escape closes', async () => {
    answer({ 'apps.list': [app], 'apps.health': { grafana: 'up' } });
    render(Apps, props);
    const tile = (await screen.findByRole('heading', { name: 'Grafana' })).closest('article') as HTMLElement;
    expect(
      within(tile)
        .getAllByRole('button')
        .map((b) => b.getAttribute('aria-label')),
    ).toEqual(['More actions for Grafana']);
    expect(within(tile).getAllByRole('link', { name: 'Open Grafana' })).toHaveLength(1);
    const more = within(tile).getByRole('button', { name: 'More actions for Grafana' });
    await fireEvent.click(more);
    expect(more.getAttribute('aria-expanded')).toBe('true');
    await vi.waitFor(() =>
      expect(document.activeElement).toBe(within(tile).getByRole('button', { name: 'Edit Grafana' })),
    );
    expect(within(tile).getByRole('button', { name: 'Remove Grafana' })).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(within(tile).queryByRole('button', { name: 'Edit Grafana' })).toBeNull();
    expect(document.activeElement).toBe(more);
  });

  it('the empty list has the action that fills it, and a removal says what changed', async () => {
    let apps = [app];
    answer({ 'apps.list': () => apps, 'apps.health': {}, 'apps.remove': () => ((apps = []), { removed: 'grafana' }) });
    render(Apps, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'More actions for Grafana' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove Grafana' }));
    await fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Remove app' }));
    expect(await screen.findByText('No apps yet. Add one to put a local tool behind Latchkey.')).toBeTruthy();
    const empty = screen.getByText(/No apps yet/).parentElement as HTMLElement;
    expect(within(empty).getByRole('button', { name: 'Add app' })).toBeTruthy();
    expect(toast.message).toBe('Grafana removed: http://grafana.localhost:7780/ no longer answers.');
  });
});

describe('Users', () => {
  it('explains the last-admin refusal', async () => {
    answer({
      'users.list': [user('admin', 'Admin')],
      'users.update': failure('LAST_ADMIN', 'the last enabled Admin cannot be disabled', 409),
    });
    render(Users, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Disable admin' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Disabling admin failed: The last enabled Admin cannot be disabled\./);
    expect(alert.textContent).toMatch(/Make another user an Admin first/);
  });

  it('asks before deleting; Escape closes the dialog and focus returns', async () => {
    answer({ 'users.list': [user('rita')] });
    render(Users, props);
    const remove = await screen.findByRole('button', { name: 'Delete rita' });
    remove.focus();
    await fireEvent.click(remove);
    const dialog = await screen.findByRole('dialog', { name: 'Delete rita?' });
    expect(within(dialog).getByRole('button', { name: 'Delete user' })).toBeTruthy();
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(remove);
  });

  it('searches by username', async () => {
    answer({ 'users.list': [user('ann'), user('rita')] });
    render(Users, props);
    await screen.findByText('rita');
    await fireEvent.input(screen.getByLabelText('Search users'), { target: { value: 'ann' } });
    expect(screen.queryByText('rita')).toBeNull();
    expect(screen.getByText('ann')).toBeTruthy();
  });

  it('shows a generated password once, with a copy button', async () => {
    answer({
      'users.list': [user('rita')],
      'users.resetPassword': { user: user('rita'), generatedPassword: 'Generated-Secret-1' },
    });
    render(Users, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Reset password of rita' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Reset password' }));
    const field = (await screen.findByLabelText('New password')) as HTMLInputElement;
    expect(field.value).toBe('Generated-Secret-1');
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(screen.getByText(/will not be shown again/)).toBeTruthy();
  });
});

describe('Service accounts', () => {
  it('shows a new token once, with a warning', async () => {
    answer({
      'tokens.list': [],
      'users.list': [user('rita')],
      'tokens.create': { token: 'abc123.secret-part', view: token },
    });
    render(Tokens, props);
    await screen.findByText(/No tokens yet/);
    await fireEvent.change(screen.getByRole('combobox', { name: 'User' }), { target: { value: 'rita' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    const field = (await screen.findByLabelText('Token for rita')) as HTMLInputElement;
    expect(field.value).toBe('abc123.secret-part');
    expect(screen.getByText(/it will not be shown again/)).toBeTruthy();
  });
});

describe('Audit log', () => {
  it('pages with Next and Previous', async () => {
    const seen: unknown[] = [];
    answer({
      'audit.list': (input) => {
        seen.push(input);
        return {
          entries: [{ id: seen.length, at: 0, kind: 'login', actor: 'ann', subject: 'ann', detail: {} }],
          hasMore: true,
        };
      },
    });
    render(Audit, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Next' }));
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toMatchObject({ offset: 50, limit: 50 });
  });
});

describe('Apps that Latchkey runs', () => {
  const runApp = {
    ...app,
    slug: 'nb',
    name: 'Notebook',
    upstream: '',
    url: 'http://nb.localhost:7780/',
    listens: 'socket' as const,
    run: {
      preset: 'jupyter' as const,
      command: null,
      args: [],
      cwd: null,
      env: {},
      listen: null,
      start: 'on-demand' as const,
      idleStopMs: null,
    },
  };
  const crashed = {
    state: 'crashed' as const,
    reason: 'Notebook exited with code 1; 8 crashes in a row, so it stays stopped',
    pid: null,
    retryAt: null,
    lastLines: ['<script>alert(1)</script> Running as root is not recommended'],
  };

  it('shows the state, the sticky reason and last lines of a crashed app (as text), and starts it', async () => {
    const calls: string[] = [];
    answer({
      'apps.list': [{ ...runApp, runStatus: crashed }],
      'apps.health': {},
      'apps.start': (input: unknown) => {
        calls.push(JSON.stringify(input));
        return { state: 'running', reason: null, pid: 42, retryAt: null, lastLines: [] };
      },
    });
    render(Apps, props);
    expect(await screen.findByLabelText('State: Crashed')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('8 crashes in a row');
    const lines = screen.getByLabelText('Last log lines of Notebook');
    expect(lines.textContent).toContain('<script>alert(1)</script>');
    expect(lines.querySelector('script')).toBeNull();
    expect(screen.getByText('Only through Latchkey (a Unix socket only you can open)')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'More actions for Notebook' }));
    expect(screen.queryByRole('button', { name: 'Edit Notebook' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Start Notebook' }));
    expect(await screen.findByLabelText('State: Running')).toBeTruthy();
    expect(calls).toEqual(['{"slug":"nb"}']);
    await fireEvent.click(screen.getByRole('button', { name: 'More actions for Notebook' }));
    expect(screen.getByRole('button', { name: 'Stop Notebook' })).toBeTruthy();
  });

  it('opens a searchable log panel', async () => {
    answer({
      'apps.list': [{ ...runApp, runStatus: { ...crashed, state: 'running', reason: null, lastLines: [] } }],
      'apps.health': {},
      'apps.logs': { lines: ['[I NotebookApp] Serving notebooks', '[W NotebookApp] All authentication is disabled'] },
    });
    render(Apps, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'More actions for Notebook' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Logs of Notebook' }));
    const dialog = await screen.findByRole('dialog', { name: 'Log of Notebook' });
    const log = within(dialog).getByLabelText('Log lines of Notebook');
    await vi.waitFor(() => expect(log.textContent).toContain('Serving notebooks'));
    await fireEvent.input(within(dialog).getByLabelText('Search the log of Notebook'), {
      target: { value: 'authentication' },
    });
    expect(log.textContent).toBe('[W NotebookApp] All authentication is disabled');
    // A pointer user has a button to leave it, not only Escape.
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog', { name: 'Log of Notebook' })).toBeNull());
  });
});
