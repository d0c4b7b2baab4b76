// @vitest-environment jsdom
/// <reference lib="dom" />
import { screen } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_KINDS, SYSTEM_ACTORS } from '../../main/common/audit.js';
import Audit from '../../renderer/src/console/screens/Audit.svelte';
import {
  actorWords,
  detailWords,
  KIND_LABELS,
  kindLabel,
  SYSTEM_ACTOR_WORDS,
} from '../../renderer/src/console/ui/audit-words.js';
import { TICK_MS } from '../../renderer/src/console/ui/now.svelte.js';
import { answer, cleanup, render } from './dom.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

type Entry = { id: number; at: number; kind: string; actor: string | null; subject: string | null; detail: object };

async function showAudit(entries: Entry[]): Promise<HTMLElement[]> {
  answer({ 'audit.list': { entries: entries as never, hasMore: false } });
  render(Audit, {});
  await screen.findAllByRole('cell');
  return screen.getAllByRole('row').slice(1);
}

const cells = (row: HTMLElement) => [...row.querySelectorAll('td')].map((td) => td.textContent?.trim());

describe('the audit log says what happened', () => {
  it('shows kinds in words, not as login.failed', async () => {
    const [failed, added] = await showAudit([
      { id: 2, at: Date.now(), kind: 'login.failed', actor: null, subject: 'ann', detail: { client: 'uid:1000' } },
      {
        id: 1,
        at: Date.now(),
        kind: 'app.added',
        actor: '(cli)',
        subject: 'grafana',
        detail: { upstream: 'http://127.0.0.1:3000' },
      },
    ]);
    expect(cells(failed as HTMLElement)).toEqual(['just now', 'Sign-in failed', '—', 'ann', 'From OS user 1000']);
    expect(cells(added as HTMLElement)).toEqual([
      'just now',
      'App added',
      'the CLI',
      'grafana',
      'At http://127.0.0.1:3000',
    ]);
    expect(document.body.textContent).not.toContain('login.failed');
  });

  it('has words for every kind the core records; an unknown kind shows as it is', () => {
    expect(Object.keys(KIND_LABELS).sort()).toEqual([...AUDIT_KINDS].sort());
    expect(kindLabel('something.new')).toBe('something.new');
  });

  it('a password reset that left the account as it was does not read as "disabled"', () => {
    const left = detailWords({ kind: 'password.reset', detail: { enabled: false } });
    expect(left).not.toMatch(/disabled|false/i);
    expect(detailWords({ kind: 'password.reset', detail: { enabled: true } })).toBe('And the account enabled');
    // A flag of a kind this console does not know is a word too, never `false`.
    expect(detailWords({ kind: 'something.new', detail: { enabled: false } })).toBe('Enabled: no');
  });

  it('says who acted without a user: the console link, the CLI, the desktop app', () => {
    expect(actorWords(SYSTEM_ACTORS.consoleLink)).toBe('the console link');
    expect(actorWords(SYSTEM_ACTORS.cli)).toBe('the CLI');
    expect(actorWords(SYSTEM_ACTORS.desktop)).toBe('the desktop app');
    expect(detailWords({ kind: 'viewas.started', detail: { by: SYSTEM_ACTORS.consoleLink } })).toBe(
      'By the console link',
    );
    // Every marker the core writes has words here (the renderer keeps a copy).
    expect(Object.keys(SYSTEM_ACTOR_WORDS).sort()).toEqual(Object.values(SYSTEM_ACTORS).sort());
  });

  it('a user named "cli" is shown as that user, not as the command line (audit actor spoofing)', () => {
    expect(actorWords('cli')).toBe('cli');
    expect(actorWords('console')).toBe('console');
  });

  it('shows relative times with the exact time on hover, and keeps them current', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const at = Date.now() - 30_000;
    const [row] = await showAudit([{ id: 1, at, kind: 'logout', actor: 'ann', subject: 'ann', detail: {} }]);
    const time = (row as HTMLElement).querySelector('time') as HTMLTimeElement;
    expect(time.textContent).toBe('just now');
    expect(time.getAttribute('datetime')).toBe(new Date(at).toISOString());
    expect(time.title).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    vi.advanceTimersByTime(3 * 60_000 + TICK_MS);
    await vi.waitFor(() => expect(time.textContent).toBe('4 min ago'));
  });
});
