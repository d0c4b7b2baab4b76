import { app, type BrowserWindow } from 'electron';
import type { Core } from '../core/index.js';
import { hardenWebContents, type ExternalLinks } from './security.js';
import type { TrayController } from './tray-controller.js';
import { showWindow } from './window.js';

/** What the app's life holds as it goes: set as each part starts, read by the handlers. */
export interface Life {
  core?: Core | undefined;
  win?: BrowserWindow;
  tray?: TrayController;
  /** A quit is under way: closing the window then really closes it. */
  quitting: boolean;
}

type Log = (message: string, error?: unknown) => void;

/**
 * The app's events, registered before ready: a second instance brings the window to the
 * front, closing the window leaves the gateway in the tray, and quitting closes the core
 * (the gateway and the store) before the process goes.
 */
export function handleAppEvents(life: Life, links: ExternalLinks, log: Log): void {
  app.on('second-instance', () => {
    if (life.win) showWindow(life.win);
  });
  // Closing the window leaves the gateway running in the tray.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => {
    if (life.win) showWindow(life.win);
  });
  app.on('before-quit', () => {
    life.quitting = true;
  });
  app.on('will-quit', (event) => {
    if (!life.core) return;
    // Stop the gateway and close the store before the process goes.
    event.preventDefault();
    const closing = life.core;
    life.core = undefined;
    life.tray?.destroy();
    void closing
      .close()
      .catch((error: unknown) => log('closing the core failed', error))
      .finally(() => app.quit());
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, links, log));
}
