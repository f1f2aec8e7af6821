import { app, BrowserWindow, dialog, ipcMain, Menu } from 'electron';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src-server/config';
import { LOCATION_FILE, readDataLocation } from '../src-server/data-location';
import { paths } from '../src-server/paths';
import { startServer, type RunningServer } from '../src-server/server';
import { OPEN_EXTERNAL_CHANNEL } from '../src-shared/desktop';
import { buildMenu } from './menu';
import { startUpdates } from './updates';
import { startBehindShell } from './shell';
import { createMainWindow, openExternally, sameOrigin, type MainWindow } from './window';

// Before anything asks for userData: the folder is named after the app, as on the headless side.
app.setName('Atelier');

let server: RunningServer | null = null;
let mainWindow: BrowserWindow | null = null;

/** The configured PORT when it is free; when another program holds it, any free port (the window follows the server). */
async function startInProcessServer(): Promise<RunningServer> {
  // ATELIER_DATA_DIR wins; else the folder Settings moved it to (data-location.ts); else userData.
  const chosen = process.env.ATELIER_DATA_DIR || null;
  const locationFile = path.join(app.getPath('userData'), LOCATION_FILE);
  const dataDir = chosen ?? readDataLocation(locationFile) ?? app.getPath('userData');
  const config = loadConfig({ ...process.env, ATELIER_DATA_DIR: dataDir }, { dataLocationFile: chosen ? null : locationFile });
  try {
    return await startServer({ config });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return startServer({ config: { ...config, port: 0 } });
  }
}

function openWindow(): MainWindow {
  const opened = createMainWindow(paths().preload);
  mainWindow = opened.window;
  opened.window.on('closed', () => (mainWindow = null));
  return opened;
}

const uiUrl = (running: RunningServer) => `${running.url}/app/`;

async function main(): Promise<void> {
  await app.whenReady();
  let shown: MainWindow | null = null;
  try {
    server = await startBehindShell({
      showShell: () => void (shown = openWindow()),
      startServer: startInProcessServer,
      // Closed while the server started: a later activate opens a window on the UI itself.
      showUi: (running) => void (mainWindow && shown?.showUi(uiUrl(running))),
    });
  } catch (err) {
    const detail = err instanceof ConfigError ? `Invalid configuration: ${err.message}` : err instanceof Error ? err.message : String(err);
    dialog.showErrorBox('Atelier could not start', detail);
    app.exit(1);
    return;
  }
  const running = server;
  const origin = new URL(running.url).origin;

  ipcMain.handle(OPEN_EXTERNAL_CHANNEL, (event, url: unknown) => {
    if (typeof url === 'string' && event.senderFrame && sameOrigin(event.senderFrame.url, origin)) openExternally(url);
  });
  Menu.setApplicationMenu(buildMenu(running.url, running.app.config.dataDir));
  startUpdates(running).catch((err: unknown) => running.app.log.warn({ err }, 'updates could not start'));

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow().showUi(uiUrl(running));
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another Atelier owns the data folder and the port: it gets focused instead (second-instance).
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quitting waits for the server to drain requests, stop jobs and workers and close SQLite.
  let serverClosed = false;
  app.on('before-quit', (event) => {
    if (!server || serverClosed) return;
    event.preventDefault();
    server
      .close()
      .catch((err: unknown) => console.error('Atelier: error while shutting down the server', err))
      .finally(() => {
        serverClosed = true;
        app.quit();
      });
  });

  // Ctrl-C in the terminal that ran `npm start` quits the same graceful way.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  main().catch((err: unknown) => {
    dialog.showErrorBox('Atelier could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}
