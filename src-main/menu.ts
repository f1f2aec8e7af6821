import { Menu, shell, type MenuItemConstructorOptions } from 'electron';
import { openExternally } from './window';

/** The application menu: the platform's standard roles plus shortcuts to the API docs and the data folder. */
export function buildMenu(serverUrl: string, dataDir: string): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'API documentation', click: () => openExternally(`${serverUrl}/docs`) },
        { label: 'Open data folder', click: () => void shell.openPath(dataDir) },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
