import type { Session, WebContents } from 'electron';

/**
 * Deny by default (Podman Desktop's security-restrictions.ts, without its exceptions):
 * no navigation away from the console, no new windows, no permissions. The only way
 * out is the default browser, and only to an app address Latchkey built.
 */

/**
 * Whether `url` is one of the app addresses Latchkey built (`http://<slug>.localhost:<port>/`
 * from apps.list): http(s), same origin as one of them. Anything else stays unopened.
 */
export function isAppUrl(url: string, appUrls: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return false;
  if (target.username || target.password) return false;
  return appUrls.some((appUrl) => {
    try {
      return new URL(appUrl).origin === target.origin;
    } catch {
      return false;
    }
  });
}

export interface ExternalLinks {
  /** The app addresses of the moment (apps.list). */
  appUrls(): Promise<readonly string[]>;
  /** shell.openExternal. */
  openExternal(url: string): Promise<void>;
}

/** Opens `url` in the default browser if it is an app address; says whether it did. */
export async function openIfAppUrl(url: string, links: ExternalLinks): Promise<boolean> {
  if (!isAppUrl(url, await links.appUrls())) return false;
  await links.openExternal(url);
  return true;
}

/** Every web contents: no window.open, no navigation, no webview; app links go to the browser. */
export function hardenWebContents(
  contents: Pick<WebContents, 'setWindowOpenHandler' | 'on'>,
  links: ExternalLinks,
  log: (message: string) => void = () => undefined,
): void {
  const outside = (url: string) =>
    void openIfAppUrl(url, links).then(
      (opened) => opened || log(`refused to open ${url}`),
      () => log(`could not open ${url}`),
    );
  contents.setWindowOpenHandler(({ url }) => {
    outside(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    outside(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** No camera, microphone, notifications, geolocation, clipboard, HID, serial, USB… */
export function denyPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
