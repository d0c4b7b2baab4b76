// @vitest-environment jsdom
/// <reference lib="dom" />
import { screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call } from '../../renderer/src/api.js';
import Banners from '../../renderer/src/console/Banners.svelte';
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
    answer({ 'users.list': [user('admin', 'Admin'), user('rita')] });
    render(ViewAs, {
      config: config({ identn: logins, viewAsRefused: 'with logins on, view-as belongs to an Admin session' }),
      refresh,
    });
    const note = await screen.findByRole('note', { name: 'View as is not available' });
    expect(note.textContent).toMatch(/Sign in as an Admin/);
    expect(screen.queryByRole('button', { name: 'Start viewing as' })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(vi.mocked(call).mock.calls.map(([m]) => m)).not.toContain('users.list');
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

  it('where it works, the form is there', async () => {
    answer({ 'users.list': [user('admin', 'Admin'), user('rita')] });
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
      expect(reason?.textContent).toMatch(/last enabled Admin.*Make another user an Admin first/);
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
