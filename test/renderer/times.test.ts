// @vitest-environment jsdom
/// <reference lib="dom" />
import { screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Tokens from '../../renderer/src/console/screens/Tokens.svelte';
import Users from '../../renderer/src/console/screens/Users.svelte';
import { TICK_MS } from '../../renderer/src/console/ui/now.svelte.js';
import { exact } from '../../renderer/src/console/ui/relative-time.js';
import { answer, cleanup, config, render, user } from './dom.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const props = { config: config(), refresh: async () => {} };

/** The cell of a column in a row, by the column's name (data-label). */
const cell = (row: HTMLElement, label: string) => row.querySelector(`td[data-label="${label}"]`) as HTMLElement;

/** Each <time> in a cell: what it says, and the exact moment on hover and for assistive technology. */
const times = (el: HTMLElement) =>
  [...el.querySelectorAll('time')].map((t) => ({ text: t.textContent, title: t.title, datetime: t.dateTime }));
const moment = (text: string, ms: number) => ({ text, title: exact(ms), datetime: new Date(ms).toISOString() });

describe('Users and Tokens say when in words, with the exact time on hover', () => {
  it('Users: last sign-in and created as relative times; a user who never signed in says never', async () => {
    const now = Date.now();
    const signedIn = now - 5 * MINUTE;
    const created = now - 3 * DAY;
    answer({
      'users.list': [
        { ...user('admin', 'Admin'), lastLoginAt: signedIn, createdAt: created },
        { ...user('rita'), createdAt: now - 2 * HOUR },
      ],
    });
    render(Users, props);
    const [admin, rita] = (await screen.findAllByRole('row')).slice(1) as [HTMLElement, HTMLElement];
    expect(times(cell(admin, 'Last sign-in'))).toEqual([moment('5 min ago', signedIn), moment('3 days ago', created)]);
    expect(cell(admin, 'Last sign-in').textContent).toMatch(/^\s*5 min ago\s*created 3 days ago\s*$/);
    expect(cell(rita, 'Last sign-in').textContent).toMatch(/^\s*never\s*created 2 h ago\s*$/);
    // No absolute date in the cell: the exact one is on hover.
    expect(cell(admin, 'Last sign-in').textContent).not.toMatch(/\d{4}/);
  });

  it('Tokens: expires, last used and created as relative times, kept current; no expiry and no use say never', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const now = Date.now();
    const token = {
      id: 'abc123',
      username: 'rita',
      description: 'CI pipeline',
      createdBy: 'admin',
      revokedAt: null,
    };
    const used = now - 30_000;
    const created = now - 2 * HOUR;
    const expires = now + 5 * DAY;
    answer({
      'tokens.list': [
        { ...token, createdAt: created, expiresAt: expires, lastUsedAt: used },
        { ...token, id: 'def456', description: 'nightly', createdAt: created, expiresAt: null, lastUsedAt: null },
      ],
      'users.list': [user('rita')],
    });
    render(Tokens, props);
    await screen.findByText('CI pipeline');
    const [ci, nightly] = screen.getAllByRole('row').slice(1) as [HTMLElement, HTMLElement];
    expect(times(cell(ci, 'Expires'))).toEqual([moment('in 5 days', expires)]);
    expect(times(cell(ci, 'Last used'))).toEqual([moment('just now', used)]);
    expect(times(cell(ci, 'Created'))).toEqual([moment('2 h ago', created)]);
    expect(cell(ci, 'Created').textContent).toContain('by admin');
    expect(cell(nightly, 'Expires').textContent?.trim()).toBe('never');
    expect(cell(nightly, 'Last used').textContent?.trim()).toBe('never');
    // The words move on with the clock, without a reload.
    vi.advanceTimersByTime(3 * MINUTE + TICK_MS);
    await vi.waitFor(() => expect(cell(ci, 'Last used').textContent?.trim()).toBe('4 min ago'));
  });

  it('a long token description shows two lines in the table, and the whole of it on hover', async () => {
    const long = 'deploy-'.repeat(25);
    answer({
      'tokens.list': [
        {
          id: 'abc123',
          username: 'rita',
          description: long,
          createdBy: 'admin',
          createdAt: Date.now(),
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
        },
      ],
      'users.list': [user('rita')],
    });
    render(Tokens, props);
    const shown = await screen.findByText(long);
    expect(shown.classList.contains('clamp')).toBe(true);
    expect(shown.title).toBe(long);
  });
});

describe('the main action of a screen carries an icon, and keeps its name', () => {
  it('Users: Create user', async () => {
    answer({ 'users.list': [user('admin', 'Admin')] });
    render(Users, props);
    const button = screen.getByRole('button', { name: 'Create user' });
    expect(button.querySelector('svg')?.getAttribute('aria-hidden')).toBe('true');
  });

  it('Tokens: Create token', async () => {
    answer({ 'tokens.list': [], 'users.list': [user('rita')] });
    render(Tokens, props);
    const form = await screen.findByRole('button', { name: 'Create token' });
    expect(within(form).getByText('Create token', { exact: false })).toBeTruthy();
    expect(form.querySelector('svg')?.getAttribute('aria-hidden')).toBe('true');
  });
});

describe('a time that is not one', () => {
  it('a user row without a creation time still shows, the rest of the screen with it', async () => {
    answer({ 'users.list': [{ ...user('admin', 'Admin'), createdAt: undefined as unknown as number }] });
    render(Users, props);
    const [admin] = (await screen.findAllByRole('row')).slice(1) as [HTMLElement];
    expect(cell(admin, 'Last sign-in').querySelector('time')).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete admin' })).toBeTruthy();
  });
});
