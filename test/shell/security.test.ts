import { beforeEach, describe, expect, it, vi } from 'vitest';
import { denyPermissions, hardenWebContents, isAppUrl, openIfAppUrl } from '../../main/shell/security.js';
import { electron, fakeEvent, FakeWebContents, resetElectron } from './electron-mock.js';

vi.mock('electron', async () => (await import('./electron-mock.js')).electron);

const APPS = ['http://grafana.localhost:7780/', 'http://jupyter.localhost:7780/'];
const links = () => ({ appUrls: vi.fn(async () => APPS), openExternal: vi.fn(async (_url: string) => undefined) });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => resetElectron());

describe('links out of the app', () => {
  it.each([
    ['http://grafana.localhost:7780/', true],
    ['http://grafana.localhost:7780/d/abc?x=1#y', true],
    ['http://jupyter.localhost:7780/lab', true],
    ['https://grafana.localhost:7780/', false],
    ['http://grafana.localhost:7781/', false],
    ['http://evil.localhost:7780/', false],
    ['http://user:pw@grafana.localhost:7780/', false],
    ['https://example.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['latchkey-app://console/', false],
    ['not a url', false],
  ])('%s is an app address: %s', (url, allowed) => {
    expect(isAppUrl(url, APPS)).toBe(allowed);
  });

  it('opens only app addresses in the default browser', async () => {
    const l = links();
    expect(await openIfAppUrl('http://grafana.localhost:7780/', l)).toBe(true);
    expect(await openIfAppUrl('https://example.com/', l)).toBe(false);
    expect(l.openExternal.mock.calls).toEqual([['http://grafana.localhost:7780/']]);
  });
});

describe('every web contents', () => {
  it('denies window.open, and sends app links to the browser instead', async () => {
    const contents = new FakeWebContents();
    const l = links();
    hardenWebContents(contents as never, l);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://grafana.localhost:7780/' })).toEqual({ action: 'deny' });
    await settle();
    expect(l.openExternal.mock.calls).toEqual([['http://grafana.localhost:7780/']]);
  });

  it('prevents every navigation, to the web and within the app scheme alike', async () => {
    const contents = new FakeWebContents();
    const l = links();
    const log = vi.fn();
    hardenWebContents(contents as never, l, log);
    for (const url of ['https://example.com/', 'latchkey-app://console/other', 'http://grafana.localhost:7780/']) {
      const event = fakeEvent();
      contents.emit('will-navigate', event, url);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    const redirect = fakeEvent();
    contents.emit('will-redirect', redirect, 'https://example.com/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = fakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.preventDefault).toHaveBeenCalled();
    await settle();
    expect(l.openExternal.mock.calls).toEqual([['http://grafana.localhost:7780/']]);
    expect(log).toHaveBeenCalledWith('refused to open https://example.com/');
  });

  it('denies every permission request and check', () => {
    const session = electron.session.defaultSession;
    denyPermissions(session as never);
    const request = session.setPermissionRequestHandler.mock.calls[0]?.[0] as (...a: unknown[]) => void;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      request({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
    }
    const check = session.setPermissionCheckHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    expect(check({}, 'media', 'latchkey-app://console', {})).toBe(false);
    const device = session.setDevicePermissionHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    expect(device({})).toBe(false);
  });
});
