// @vitest-environment jsdom
/// <reference lib="dom" />
import { fireEvent, screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { ApiError, call, globalConfig } from '../../renderer/src/api.js';
import Secret from '../../renderer/src/console/ui/Secret.svelte';
import App from '../../renderer/src/console/App.svelte';
import Account from '../../renderer/src/console/screens/Account.svelte';
import Identity from '../../renderer/src/console/screens/Identity.svelte';
import { answer, cleanup, config, render } from './dom.js';
import { emitChange } from './mock-api.js';
import Users from '../../renderer/src/console/screens/Users.svelte';
import Tokens from '../../renderer/src/console/screens/Tokens.svelte';
import Apps from '../../renderer/src/console/screens/Apps.svelte';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(() => {
  cleanup();
  location.hash = '';
});

const publicConfig = (tokenizer: boolean) => ({
  identN: {
    impersonation: { enabled: !tokenizer, source: 'default' as const },
    tokenizer: { enabled: tokenizer, source: 'default' as const },
    apikey: { enabled: false, source: 'default' as const },
  },
  signup: { enabled: false },
  version: '1.0.0',
});

describe('the console shell', () => {
  it('without a console session, explains how to open one, with a sign-in link when logins are on', async () => {
    answer({ 'config.get': new ApiError('SESSION_REQUIRED', 'open the console link', 401) });
    vi.mocked(globalConfig).mockResolvedValue(publicConfig(true));
    render(App, {});
    expect(await screen.findByRole('heading', { name: 'Open the console' })).toBeTruthy();
    expect(screen.getByText('latchkey console-link')).toBeTruthy();
    const link = await screen.findByRole('link', { name: 'sign in' });
    expect(link.getAttribute('href')).toBe('/.latchkey/login?rd=%2F');
  });

  it('without logins, offers no sign-in link', async () => {
    answer({ 'config.get': new ApiError('SESSION_REQUIRED', 'open the console link', 401) });
    vi.mocked(globalConfig).mockResolvedValue(publicConfig(false));
    render(App, {});
    await screen.findByRole('heading', { name: 'Open the console' });
    await Promise.resolve();
    expect(screen.queryByRole('link', { name: 'sign in' })).toBeNull();
  });

  it('shows the impersonation banner and every screen in the nav', async () => {
    answer({ 'config.get': config(), 'viewAs.get': null, 'apps.list': [], 'apps.health': {} });
    render(App, {});
    expect(await screen.findByText(/every request is admin — no sign-in/)).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Console' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual([
      'Home',
      'Apps',
      'Identity',
      'Users',
      'View as',
      'Service accounts',
      'Bans',
      'Audit log',
      'Account',
      'About',
    ]);
  });

  it('the impersonation banner never lies: a mode changed elsewhere (CLI) turns it without a reload', async () => {
    let impersonating = true;
    const logins = {
      impersonation: { enabled: false, source: 'default' as const },
      tokenizer: { enabled: true, source: 'default' as const },
      apikey: { enabled: false, source: 'default' as const },
    };
    answer({
      'config.get': () => (impersonating ? config() : config({ identn: logins, adminPasswordChosen: true })),
      'viewAs.get': null,
      'apps.list': [],
      'apps.health': {},
    });
    render(App, {});
    await screen.findByRole('note', { name: 'Impersonation mode' });
    impersonating = false;
    emitChange(['audit']);
    await Promise.resolve();
    expect(screen.queryByRole('note', { name: 'Impersonation mode' })).toBeTruthy();
    emitChange(['settings', 'audit']);
    await vi.waitFor(() => expect(screen.queryByRole('note', { name: 'Impersonation mode' })).toBeNull());
  });

  it('a session ended elsewhere while a password is shown once keeps it on screen until dismissed', async () => {
    let signedIn = true;
    answer({
      'config.get': () => (signedIn ? config() : new ApiError('SESSION_REQUIRED', 'open the console link', 401)),
      'viewAs.get': null,
      'apps.list': [],
      'apps.health': {},
    });
    vi.mocked(globalConfig).mockResolvedValue(publicConfig(false));
    render(App, {});
    await screen.findByRole('navigation', { name: 'Console' });
    const target = document.body.appendChild(document.createElement('div'));
    const secret = mount(Secret, { target, props: { label: 'New password', value: 'Once-Only-9' } });
    flushSync();
    signedIn = false;
    emitChange(['users']);
    await vi.waitFor(() => expect(vi.mocked(call).mock.calls.filter(([m]) => m === 'config.get').length).toBe(2));
    // The refused call settles, then its outcome reaches the page.
    await new Promise((settled) => setImmediate(settled));
    flushSync();
    expect(screen.getByRole('navigation', { name: 'Console' })).toBeTruthy();
    unmount(secret);
    flushSync();
    expect(await screen.findByRole('heading', { name: 'Open the console' })).toBeTruthy();
  });

  it('a screen fetches again when its kind changes anywhere, and only then', async () => {
    let users = [{ username: 'admin' }];
    answer({ 'users.list': () => users as never });
    render(Users, { config: config(), refresh: async () => undefined });
    await screen.findByText('admin');
    users = [{ username: 'admin' }, { username: 'grace' }] as never;
    emitChange(['apps']);
    await Promise.resolve();
    expect(screen.queryByText('grace')).toBeNull();
    emitChange(['users']);
    expect(await screen.findByText('grace')).toBeTruthy();
  });

  it('while viewing as someone, a banner offers to stop', async () => {
    let viewing: { username: string; until: number } | null = { username: 'rita', until: Date.UTC(2025, 0, 2) };
    answer({
      'config.get': () => config({ viewingAs: viewing }),
      'viewAs.get': null,
      'viewAs.stop': () => {
        viewing = null;
        return { stopped: 'rita' };
      },
      'apps.list': [],
      'apps.health': {},
    });
    render(App, {});
    const banner = await screen.findByRole('note', { name: 'Viewing as' });
    await fireEvent.click(within(banner).getByRole('button', { name: 'Stop viewing as' }));
    await vi.waitFor(() => expect(screen.queryByRole('note', { name: 'Viewing as' })).toBeNull());
  });

  it('a user who is not an Admin sees only their account', async () => {
    answer({
      'config.get': config({ caller: { kind: 'user', username: 'rita', role: 'ReadOnly' } }),
      'viewAs.get': new ApiError('FORBIDDEN', 'only an Admin may do this', 403),
    });
    render(App, {});
    expect(await screen.findByText(/Your account can change its own password/)).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Console' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Account']);
    expect(screen.getByRole('heading', { name: 'Change your password' })).toBeTruthy();
  });

  it('says what failed when the console cannot load', async () => {
    answer({ 'config.get': new ApiError('DB_UNAVAILABLE', 'the database cannot be read', 503) });
    render(App, {});
    expect((await screen.findByRole('alert')).textContent).toMatch(/Loading the console failed/);
  });
});

describe('Identity', () => {
  const refresh = vi.fn(async () => {});

  it('asks for an admin password before turning impersonation off, and sends it', async () => {
    const sent: unknown[] = [];
    answer({
      'identn.set': (input) => {
        sent.push(input);
        return config().identn;
      },
    });
    render(Identity, { config: config(), refresh });
    await fireEvent.click(screen.getByRole('switch', { name: 'Impersonation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Choose the admin password' });
    await fireEvent.input(within(dialog).getByLabelText(/^Admin password/), { target: { value: 'a good password' } });
    await fireEvent.input(within(dialog).getByLabelText('Repeat the password'), {
      target: { value: 'a good password' },
    });
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement);
    await vi.waitFor(() => expect(sent).toEqual([{ impersonation: false, adminPassword: 'a good password' }]));
  });

  it('turning impersonation on (dropping every lock) asks first, says what it drops, then what changed', async () => {
    const logins = {
      impersonation: { enabled: false, source: 'default' as const },
      tokenizer: { enabled: true, source: 'default' as const },
      apikey: { enabled: true, source: 'default' as const },
    };
    const sent: unknown[] = [];
    answer({
      'identn.set': (input) => {
        sent.push(input);
        return config().identn;
      },
    });
    render(Identity, { config: config({ identn: logins, adminPasswordChosen: true }), refresh: async () => undefined });
    await fireEvent.click(screen.getByRole('switch', { name: 'Impersonation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Turn impersonation on?' });
    expect(dialog.textContent).toMatch(/Sign-in and service account tokens turn off/);
    expect(sent).toEqual([]);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(sent).toEqual([]);
    await fireEvent.click(screen.getByRole('switch', { name: 'Impersonation' }));
    const again = await screen.findByRole('dialog', { name: 'Turn impersonation on?' });
    await fireEvent.click(within(again).getByRole('button', { name: 'Turn impersonation on' }));
    await vi.waitFor(() => expect(sent).toEqual([{ impersonation: true }]));
    await vi.waitFor(() =>
      expect(screen.getByRole('status').textContent).toMatch(
        /Impersonation is on: sign-in and service account tokens are off/,
      ),
    );
  });

  it('shows the generated admin password with the advice to choose one, and not once one is chosen', () => {
    render(Identity, { config: config({ initialAdminPassword: 'Gen3rated-Pass' }), refresh: async () => undefined });
    expect((screen.getByLabelText('Generated admin password') as HTMLInputElement).value).toBe('Gen3rated-Pass');
    expect(screen.getByText(/Choose your own/)).toBeTruthy();
    cleanup();
    render(Identity, { config: config({ adminPasswordChosen: true }), refresh: async () => undefined });
    expect(screen.queryByLabelText('Generated admin password')).toBeNull();
  });

  it('locks a pinned setting and names what pins it', () => {
    const pinned = config({
      identn: {
        impersonation: { enabled: true, source: 'env', pinnedBy: 'LATCHKEY_IDENTN_IMPERSONATION_ENABLED' },
        tokenizer: { enabled: false, source: 'default' },
        apikey: { enabled: false, source: 'default' },
      },
    });
    render(Identity, { config: pinned, refresh });
    expect((screen.getByRole('switch', { name: 'Impersonation' }) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/Pinned by LATCHKEY_IDENTN_IMPERSONATION_ENABLED/)).toBeTruthy();
  });

  it('warns that impersonation is for single-user machines when the OS cannot tell who connects', () => {
    render(Identity, { config: config({ peerCheck: false }), refresh });
    expect(screen.getByText(/single-user machines/)).toBeTruthy();
  });

  it('has a Reset admin password action', async () => {
    render(Identity, { config: config(), refresh });
    await fireEvent.click(screen.getByRole('button', { name: 'Reset admin password' }));
    expect(screen.getByRole('dialog', { name: 'Reset the password of admin' })).toBeTruthy();
  });
});

describe('Account', () => {
  it('explains that a console link has no account', () => {
    render(Account, { config: config(), refresh: async () => {} });
    expect(screen.getByText(/not an account/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Change password' })).toBeNull();
  });

  it('changes the signed-in user’s password', async () => {
    const sent: unknown[] = [];
    answer({
      'account.changePassword': (input) => {
        sent.push(input);
        return { changed: true };
      },
    });
    render(Account, {
      config: config({ caller: { kind: 'user', username: 'rita', role: 'ReadOnly' } }),
      refresh: async () => {},
    });
    await fireEvent.input(screen.getByLabelText('Current password'), { target: { value: 'old password' } });
    await fireEvent.input(screen.getByLabelText(/^New password/), { target: { value: 'new password' } });
    await fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: 'new password' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Your password was changed.')).toBeTruthy();
    expect(sent).toEqual([{ currentPassword: 'old password', newPassword: 'new password' }]);
  });
});

describe('Service accounts', () => {
  const logins = (apikey: boolean, pinnedBy?: string) => ({
    impersonation: { enabled: false, source: 'default' as const },
    tokenizer: { enabled: true, source: 'default' as const },
    apikey: {
      enabled: apikey,
      source: pinnedBy ? ('env' as const) : ('default' as const),
      ...(pinnedBy ? { pinnedBy } : {}),
    },
  });

  it('a token made while tokens are off would answer 401: the screen says so and offers the switch', async () => {
    const sent: unknown[] = [];
    let refreshed = 0;
    answer({
      'tokens.list': [],
      'users.list': [],
      'identn.set': (input) => {
        sent.push(input);
        return logins(true);
      },
    });
    render(Tokens, {
      config: config({ identn: logins(false), adminPasswordChosen: true }),
      refresh: async () => void (refreshed += 1),
    });
    const note = screen.getByRole('note', { name: 'Tokens are off' });
    expect(note.textContent).toMatch(/refuses every token/);
    await fireEvent.click(within(note).getByRole('button', { name: 'Turn service account tokens on' }));
    await vi.waitFor(() => expect(sent).toEqual([{ apikey: true }]));
    await vi.waitFor(() => expect(refreshed).toBe(1));
  });

  it('with tokens on, says nothing; pinned off, names the pin and offers no switch', () => {
    answer({ 'tokens.list': [], 'users.list': [] });
    render(Tokens, { config: config({ identn: logins(true) }), refresh: async () => undefined });
    expect(screen.queryByRole('note', { name: 'Tokens are off' })).toBeNull();
    cleanup();
    answer({ 'tokens.list': [], 'users.list': [] });
    render(Tokens, {
      config: config({ identn: logins(false, 'LATCHKEY_IDENTN_APIKEY_ENABLED') }),
      refresh: async () => undefined,
    });
    const note = screen.getByRole('note', { name: 'Tokens are off' });
    expect(note.textContent).toMatch(/LATCHKEY_IDENTN_APIKEY_ENABLED/);
    expect(within(note).queryByRole('button')).toBeNull();
  });
});

describe('Apps follow the change feed', () => {
  const runApp = {
    slug: 'nb',
    name: 'Notebook',
    upstream: '',
    url: 'http://nb.localhost:7780/',
    allowRoles: [],
    allowUsers: [],
    publicPaths: [],
    headers: 'generic' as const,
    preserveHost: true,
    allowedOrigins: [],
    healthPath: null,
    listens: 'socket' as const,
    source: 'stored' as const,
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
  const status = (state: 'stopped' | 'running') => ({ state, reason: null, pid: null, retryAt: null, lastLines: [] });

  it('a run state the launcher wrote (started from the CLI or the tray) shows without waiting for a poll', async () => {
    let state: 'stopped' | 'running' = 'stopped';
    answer({ 'apps.list': () => [{ ...runApp, runStatus: status(state) }] as never, 'apps.health': {} });
    render(Apps, { config: config(), refresh: async () => undefined });
    expect(await screen.findByLabelText('State: Stopped')).toBeTruthy();
    state = 'running';
    emitChange(['apps']);
    expect(await screen.findByLabelText('State: Running')).toBeTruthy();
  });
});
