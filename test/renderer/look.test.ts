// @vitest-environment jsdom
/// <reference lib="dom" />
import { fireEvent, screen, within } from '@testing-library/dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Nav from '../../renderer/src/console/Nav.svelte';
import { SCREENS } from '../../renderer/src/console/screens.js';
import Bans from '../../renderer/src/console/screens/Bans.svelte';
import Toast from '../../renderer/src/console/ui/Toast.svelte';
import { confirmChange, dismissToast, toast } from '../../renderer/src/console/ui/toast.svelte.js';
import { answer, cleanup, render } from './dom.js';

vi.mock('svelte', () => import(/* @vite-ignore */ `${'/node_modules/svelte/src/index-client.js'}`));
vi.mock('../../renderer/src/api.js', async (original) => (await import('./mock-api.js')).mockApi(original));

afterEach(() => {
  dismissToast();
  cleanup();
});

describe("a desktop tool's look", () => {
  it('the nav carries the Latchkey mark and an icon per screen, bundled inline, and the links keep their names', () => {
    render(Nav, {
      screens: SCREENS,
      current: 'home',
      caller: { kind: 'console-link', username: null, role: 'Admin' },
      onsignout: () => {},
    });
    const nav = screen.getByRole('navigation', { name: 'Console' });
    expect(nav.querySelector('.brand svg.mark')?.getAttribute('aria-hidden')).toBe('true');
    for (const s of SCREENS) {
      const link = within(nav).getByRole('link', { name: s.label });
      const icon = link.querySelector('svg');
      expect(icon, `${s.label} has an icon`).not.toBeNull();
      expect(icon?.getAttribute('aria-hidden')).toBe('true');
    }
    // Nothing is fetched from elsewhere: no image, stylesheet or font by URL.
    expect(document.querySelectorAll('img, link, use[href], image').length).toBe(0);
  });

  it('a confirmation says what changed, and can be dismissed', async () => {
    render(Toast, {});
    confirmChange('Grafana removed: http://grafana.localhost:7780/ no longer answers.');
    expect(await screen.findByText('Grafana removed: http://grafana.localhost:7780/ no longer answers.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(toast.message).toBe('');
  });

  it('lifting a ban says so', async () => {
    answer({
      'bans.list': [{ username: 'mallory', client: 'uid:1001', until: Date.UTC(2030, 0, 2) }],
      'bans.lift': { lifted: true },
    });
    render(Bans, {});
    await fireEvent.click(await screen.findByRole('button', { name: /Lift/ }));
    await fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Lift ban' }));
    await vi.waitFor(() => expect(toast.message).toBe('The ban on mallory is lifted: they can sign in again.'));
  });
});
