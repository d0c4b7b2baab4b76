// @vitest-environment jsdom
/// <reference lib="dom" />
import { fireEvent, screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, call } from '../../renderer/src/api.js';
import App from '../../renderer/src/console/App.svelte';
import Banners from '../../renderer/src/console/Banners.svelte';
import Login from '../../renderer/src/login/Login.svelte';
import AppForm from '../../renderer/src/console/screens/AppForm.svelte';
import CreateToken from '../../renderer/src/console/screens/CreateToken.svelte';
import CreateUser from '../../renderer/src/console/screens/CreateUser.svelte';
import Identity from '../../renderer/src/console/screens/Identity.svelte';
import ResetPassword from '../../renderer/src/console/screens/ResetPassword.svelte';
import Users from '../../renderer/src/console/screens/Users.svelte';
import ViewAs from '../../renderer/src/console/screens/ViewAs.svelte';
import type { ConfigDto } from '../../main/common/api.js';
import { answer, cleanup, config, render, user } from './dom.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(cleanup);

const refresh = async () => {};
const logins: ConfigDto['identn'] = {
  impersonation: { enabled: false, source: 'default' },
  tokenizer: { enabled: true, source: 'default' },
  apikey: { enabled: false, source: 'default' },
};

describe('view as is offered only where it will work', () => {
  it('a console-link session with logins on gets no form the service would refuse, and is told why', async () => {
    answer({ 'viewAs.candidates': [user('rita')] });
    render(ViewAs, {
      config: config({ identn: logins, viewAsRefused: 'with logins on, view-as belongs to an Admin session' }),
      refresh,
    });
    const note = await screen.findByRole('note', { name: 'View as is not available' });
    expect(note.textContent).toMatch(/Sign in as an Admin/);
    expect(screen.queryByRole('button', { name: 'Start viewing as' })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(vi.mocked(call).mock.calls.map(([m]) => m)).not.toContain('viewAs.candidates');
  });

  it('a view already running can still be stopped where a new one cannot start', async () => {
    render(ViewAs, {
      config: config({
        identn: logins,
        viewAsRefused: 'with logins on, view-as belongs to an Admin session',
        viewingAs: { username: 'rita', until: Date.UTC(2025, 0, 2) },
      }),
      refresh,
    });
    expect(await screen.findByRole('button', { name: 'Stop viewing as' })).toBeTruthy();
  });

  it('while viewing as someone, no second start is offered (the service refuses it): stop first', async () => {
    answer({ 'viewAs.candidates': [user('rita'), user('sam')] });
    render(ViewAs, { config: config({ viewingAs: { username: 'rita', until: Date.UTC(2025, 0, 2) } }), refresh });
    expect(await screen.findByRole('button', { name: 'Stop viewing as' })).toBeTruthy();
    expect(screen.getByText('To view as someone else, stop this first.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Start viewing as' })).toBeNull();
  });

  it('where it works, the form is there', async () => {
    answer({ 'viewAs.candidates': [user('rita')] });
    render(ViewAs, { config: config(), refresh });
    expect(await screen.findByRole('button', { name: 'Start viewing as' })).toBeTruthy();
    expect(screen.queryByRole('note', { name: 'View as is not available' })).toBeNull();
  });
});

describe('the last enabled Admin is not offered what would lock everybody out', () => {
  it('Disable, Delete and the role are disabled on the last enabled Admin, with the reason next to them', async () => {
    answer({ 'users.list': [user('admin', 'Admin'), user('rita'), user('old', 'Admin', false)] });
    render(Users, { config: config(), refresh });
    const disable = await screen.findByRole('button', { name: 'Disable admin' });
    const remove = screen.getByRole('button', { name: 'Delete admin' });
    const role = screen.getByRole('combobox', { name: 'Role of admin' });
    for (const control of [disable, remove, role]) {
      expect((control as HTMLButtonElement).disabled, control.getAttribute('aria-label') ?? '').toBe(true);
      const reason = document.getElementById(control.getAttribute('aria-describedby') ?? '');
      expect(reason?.textContent).toMatch(
        /last enabled Admin: make another user an Admin before disabling, deleting or demoting/,
      );
    }
    // Everyone else keeps every action.
    expect((screen.getByRole('button', { name: 'Delete rita' }) as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Enable old' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('with two enabled Admins, each may be demoted, disabled or deleted', async () => {
    answer({ 'users.list': [user('admin', 'Admin'), user('ann', 'Admin')] });
    render(Users, { config: config(), refresh });
    for (const name of ['Disable admin', 'Delete admin', 'Disable ann', 'Delete ann']) {
      expect(((await screen.findByRole('button', { name })) as HTMLButtonElement).disabled, name).toBe(false);
    }
  });

  it('signed in as the last Admin: the reason shown is the last-Admin one, which holds every action', async () => {
    answer({ 'users.list': [user('admin', 'Admin'), user('rita')] });
    render(Users, {
      config: config({ identn: logins, caller: { kind: 'user', username: 'admin', role: 'Admin' } }),
      refresh,
    });
    const disable = (await screen.findByRole('button', { name: 'Disable admin' })) as HTMLButtonElement;
    for (const control of [disable, screen.getByRole('button', { name: 'Delete admin' })]) {
      expect((control as HTMLButtonElement).disabled).toBe(true);
      expect(document.getElementById(control.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
        /last enabled Admin/,
      );
    }
    expect(screen.queryByText(/another Admin can delete it/)).toBeNull();
  });

  it('a signed-in Admin is not offered to delete itself (the service refuses it), and is told why', async () => {
    answer({ 'users.list': [user('admin', 'Admin'), user('ann', 'Admin')] });
    render(Users, {
      config: config({ identn: logins, caller: { kind: 'user', username: 'ann', role: 'Admin' } }),
      refresh,
    });
    const remove = (await screen.findByRole('button', { name: 'Delete ann' })) as HTMLButtonElement;
    expect(remove.disabled).toBe(true);
    expect(document.getElementById(remove.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /signed in as this user/,
    );
    expect((screen.getByRole('button', { name: 'Delete admin' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('one banner while viewing as someone', () => {
  it('in impersonation mode it says both, never "every request is admin" beside "viewing as"', () => {
    render(Banners, { config: config({ viewingAs: { username: 'rita', until: Date.UTC(2025, 0, 2) } }), refresh });
    const notes = screen.getAllByRole('note');
    expect(notes).toHaveLength(1);
    const banner = screen.getByRole('note', { name: 'Viewing as' });
    expect(banner.textContent).toMatch(/Impersonation mode, viewing as rita/);
    expect(banner.textContent).toMatch(/every request is\s+rita/);
    expect(banner.textContent).not.toMatch(/every request is admin/);
    expect(within(banner).getByRole('button', { name: 'Stop viewing as' })).toBeTruthy();
  });

  it('without viewing as, the impersonation banner names the root admin', () => {
    render(Banners, { config: config({ rootUsername: 'root' }), refresh });
    expect(screen.getByRole('note', { name: 'Impersonation mode' }).textContent).toMatch(/every request is root/);
  });
});

describe('one "choose a password" dialog, in both places a password is chosen', () => {
  const refuseMismatch = async (dialog: HTMLElement, label: RegExp) => {
    await fireEvent.input(within(dialog).getByLabelText(label), { target: { value: 'a good password' } });
    await fireEvent.input(within(dialog).getByLabelText('Repeat the password'), {
      target: { value: 'a typo password' },
    });
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement);
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'The two passwords differ. Type the same password twice.',
    );
  };

  it("Identity's admin password before logins: typed twice, a mismatch refused before anything is sent", async () => {
    answer({});
    render(Identity, { config: config(), refresh });
    await fireEvent.click(screen.getByRole('switch', { name: 'Impersonation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Choose the admin password' });
    await refuseMismatch(dialog, /^Admin password/);
    expect(vi.mocked(call)).not.toHaveBeenCalled();
  });

  it("a user's reset, typed: the same two fields and the same refusal", async () => {
    answer({});
    render(ResetPassword, { username: 'rita', onclose: () => {} });
    const dialog = screen.getByRole('dialog', { name: 'Reset the password of rita' });
    await fireEvent.click(within(dialog).getByLabelText('Type one'));
    await refuseMismatch(dialog, /^Password/);
    expect(vi.mocked(call)).not.toHaveBeenCalled();
  });

  it('a refusal from Latchkey shows in the dialog, which stays open', async () => {
    answer({ 'users.resetPassword': new ApiError('PASSWORD_INVALID', 'the password is too common', 400) });
    render(ResetPassword, { username: 'rita', onclose: () => {} });
    const dialog = screen.getByRole('dialog', { name: 'Reset the password of rita' });
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement);
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(
      /Resetting the password failed: The password is too common/,
    );
  });
});

describe('usernames as they will be stored', () => {
  it('upper-case letters are lower-cased as they are typed, and the rule is said next to the field', async () => {
    const sent: unknown[] = [];
    answer({
      'users.create': (input) => {
        sent.push(input);
        return user('grace');
      },
    });
    render(CreateUser, { oncreated: () => {}, onclose: () => {} });
    const field = screen.getByLabelText(/^Username/) as HTMLInputElement;
    await fireEvent.input(field, { target: { value: 'Grace.HOPPER' } });
    await vi.waitFor(() => expect(field.value).toBe('grace.hopper'));
    expect(document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /Lower-case a-z, 0-9, “\.”, “_” or “-”, starting with a letter or digit/,
    );
    await fireEvent.input(screen.getByLabelText(/^Password/), { target: { value: 'a good password' } });
    await fireEvent.submit(field.closest('form') as HTMLFormElement);
    await vi.waitFor(() => expect(sent).toMatchObject([{ username: 'grace.hopper' }]));
  });
});

describe('usernames on the sign-in page', () => {
  it('are lower-cased as typed and signed in with as shown; creating an account says the rule', async () => {
    const signIn = vi.fn(async () => undefined);
    render(Login, { next: '/', signIn, signUp: signIn, signupEnabled: true, onSignedIn: () => {} });
    const field = screen.getByLabelText(/^Username/) as HTMLInputElement;
    await fireEvent.input(field, { target: { value: 'RITA' } });
    await vi.waitFor(() => expect(field.value).toBe('rita'));
    await fireEvent.input(screen.getByLabelText(/^Password/), { target: { value: 'rita password' } });
    await fireEvent.submit(field.closest('form') as HTMLFormElement);
    await vi.waitFor(() => expect(signIn).toHaveBeenCalledWith('rita', 'rita password'));
    expect(document.getElementById('username-rule')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Create one' }));
    expect(document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /Lower-case a-z, 0-9/,
    );
  });
});

describe('hints with the port', () => {
  it("the new app's address carries the gateway's port", async () => {
    render(AppForm, { port: 41234, onsaved: () => {}, onclose: () => {} });
    await fireEvent.input(screen.getByLabelText(/^Slug/), { target: { value: 'grafana' } });
    expect(screen.getByText(/The app's address becomes/).textContent).toBe(
      "The app's address becomes http://grafana.localhost:41234/",
    );
  });

  it("the token hint's example address carries it too", async () => {
    answer({ 'tokens.create': { token: 'tok_en', view: { username: 'rita' } as never } });
    render(CreateToken, { users: [user('rita')], port: 41234, oncreated: () => {} });
    await fireEvent.change(screen.getByRole('combobox', { name: 'User' }), { target: { value: 'rita' } });
    await fireEvent.submit(screen.getByRole('button', { name: 'Create token' }).closest('form') as HTMLFormElement);
    expect((await screen.findByText(/^curl/)).textContent).toMatch(/http:\/\/<app>\.localhost:41234\//);
  });
});

describe('a token for a disabled user', () => {
  it('is marked in the list and said to be refused where it is used, before it is made', async () => {
    render(CreateToken, { users: [user('rita'), user('old', 'ReadOnly', false)], port: 7780, oncreated: () => {} });
    const select = screen.getByRole('combobox', { name: 'User' });
    expect(within(select).getByRole('option', { name: 'old (disabled)' })).toBeTruthy();
    await fireEvent.change(select, { target: { value: 'old' } });
    expect((await screen.findByRole('note')).textContent).toMatch(/old is disabled: Latchkey refuses its tokens/);
    await fireEvent.change(select, { target: { value: 'rita' } });
    await vi.waitFor(() => expect(screen.queryByRole('note')).toBeNull());
  });
});

describe('the desktop window', () => {
  afterEach(() => {
    delete (globalThis as { latchkey?: unknown }).latchkey;
  });

  it('offers no Sign out: no session opened it, and the sign-out address does not exist there', async () => {
    (globalThis as { latchkey?: unknown }).latchkey = { onChange: () => () => undefined };
    answer({ 'config.get': config(), 'apps.list': [], 'apps.health': {} });
    render(App, {});
    const nav = await screen.findByRole('navigation', { name: 'Console' });
    expect(within(nav).queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(within(nav).getByText('The desktop app')).toBeTruthy();
  });

  it('in a browser, the console link session can be signed out of', async () => {
    answer({ 'config.get': config(), 'apps.list': [], 'apps.health': {} });
    render(App, {});
    const nav = await screen.findByRole('navigation', { name: 'Console' });
    expect(within(nav).getByRole('button', { name: 'Sign out' })).toBeTruthy();
  });
});
