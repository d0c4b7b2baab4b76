import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  openConsole(): void;
  quit(): void;
}

/** The native menu: the usual roles, so copy and paste work in the console's fields. */
export function appMenuTemplate(
  platform: NodeJS.Platform,
  packaged: boolean,
  actions: AppMenuActions,
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Console', accelerator: 'CmdOrCtrl+O', click: () => actions.openConsole() },
        { type: 'separator' },
        { label: 'Close Window', role: 'close' },
        ...(mac ? [] : [{ label: 'Quit Latchkey', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() }]),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        // Developer tools only where the app is run from its sources.
        ...(packaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    ...(mac ? [] : [{ role: 'help' as const, submenu: [{ role: 'about' as const }] }]),
  ];
}
