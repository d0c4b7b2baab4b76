// @vitest-environment jsdom
/// <reference lib="dom" />
import { fireEvent, screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Home from '../../renderer/src/console/screens/Home.svelte';
import { answer, cleanup, config, render } from './dom.js';
import { emitChange } from './mock-api.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(cleanup);

const grafana = {
  slug: 'grafana',
  name: 'Grafana',
  upstream: 'http://127.0.0.1:3000',
  url: 'http://grafana.localhost:7780/',
  allowRoles: [],
  allowUsers: [],
  publicPaths: [],
  headers: 'grafana' as const,
  preserveHost: true,
  allowedOrigins: [],
  healthPath: null,
  run: null,
  runStatus: null,
  listens: null,
  source: 'stored' as const,
};
const logins = {
  impersonation: { enabled: false, source: 'default' as const },
  tokenizer: { enabled: true, source: 'default' as const },
  apikey: { enabled: false, source: 'default' as const },
};
const entry = (id: number, kind: string, actor: string | null, subject: string | null) => ({
  id,
  at: Date.now() - 3 * 60_000,
  kind,
  actor,
  subject,
  detail: {},
});

describe('the home screen', () => {
  it('says the mode and what it means: impersonation makes every request the root admin', async () => {
    answer({ 'apps.list': [grafana], 'apps.health': { grafana: 'up' }, 'audit.list': { entries: [], hasMore: false } });
    render(Home, { config: config({ adminPasswordChosen: true }), refresh: async () => {} });
    const mode = screen.getByRole('region', { name: 'Impersonation mode' });
    expect(mode.textContent).toMatch(/Every request is the root admin, admin, with no sign-in/);
    expect(within(mode).getByRole('link', { name: 'Change in Identity' }).getAttribute('href')).toBe('#/identity');
  });

  it('with logins on, says who may open what', async () => {
    answer({ 'apps.list': [grafana], 'apps.health': {}, 'audit.list': { entries: [], hasMore: false } });
    render(Home, { config: config({ identn: logins, adminPasswordChosen: true }), refresh: async () => {} });
    const mode = screen.getByRole('region', { name: 'Logins' });
    expect(mode.textContent).toMatch(/each app lets in only the roles and users it names/);
  });

  it('shows each app with its health at a glance, and opens it in a new tab', async () => {
    answer({
      'apps.list': [grafana],
      'apps.health': { grafana: 'down' },
      'audit.list': { entries: [], hasMore: false },
    });
    render(Home, { config: config({ adminPasswordChosen: true }), refresh: async () => {} });
    expect(await screen.findByLabelText('Grafana: Health Down')).toBeTruthy();
    const open = screen.getByRole('link', { name: 'Open Grafana' });
    expect(open.getAttribute('href')).toBe(grafana.url);
    expect(open.getAttribute('target')).toBe('_blank');
  });

  it('offers the next steps where one is needed: choose the admin password, add a first app', async () => {
    answer({ 'apps.list': [], 'apps.health': {}, 'audit.list': { entries: [], hasMore: false } });
    render(Home, { config: config(), refresh: async () => {} });
    const next = await screen.findByRole('region', { name: 'Next steps' });
    await within(next).findByText('Add a first app.');
    expect(within(next).getByText('Choose the admin password.')).toBeTruthy();
    expect(within(next).getByRole('link', { name: 'Choose it' }).getAttribute('href')).toBe('#/identity');
    // The empty apps list has the action that fills it.
    const apps = screen.getByRole('region', { name: 'Apps' });
    expect(within(apps).getByText('No apps yet.')).toBeTruthy();
    await fireEvent.click(within(apps).getByRole('button', { name: 'Add app' }));
    expect(await screen.findByRole('dialog')).toBeTruthy();
  });

  it('offers no next step when there is none', async () => {
    answer({ 'apps.list': [grafana], 'apps.health': {}, 'audit.list': { entries: [], hasMore: false } });
    render(Home, { config: config({ adminPasswordChosen: true }), refresh: async () => {} });
    await screen.findByRole('link', { name: 'Open Grafana' });
    expect(screen.queryByRole('region', { name: 'Next steps' })).toBeNull();
  });

  it('shows what changed recently in words, and what changes elsewhere as it happens', async () => {
    let entries = [entry(1, 'app.added', '(cli)', 'grafana')];
    answer({
      'apps.list': [grafana],
      'apps.health': {},
      'audit.list': () => ({ entries, hasMore: false }),
    });
    render(Home, { config: config({ adminPasswordChosen: true }), refresh: async () => {} });
    const recent = screen.getByRole('region', { name: 'Recent changes' });
    expect(await within(recent).findByText('App added: grafana, by the CLI')).toBeTruthy();
    expect(within(recent).getByText('3 min ago')).toBeTruthy();

    entries = [entry(2, 'login.failed', null, 'ann'), ...entries];
    emitChange(['audit']);
    expect(await within(recent).findByText('Sign-in failed: ann')).toBeTruthy();
  });
});
