import { BrowserWindow, shell } from 'electron';
import { shellUrl } from './shell';

const EXTERNAL_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Hands a link to the OS (browser, mail app); anything but http(s) and mailto is dropped. */
export function openExternally(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  if (EXTERNAL_PROTOCOLS.has(parsed.protocol)) void shell.openExternal(parsed.href);
}

export const sameOrigin = (url: string, origin: string): boolean => {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
};

export interface MainWindow {
  window: BrowserWindow;
  /** Leaves the start-up shell for the server's UI; from then on the window keeps to that origin. */
  showUi(uiUrl: string): void;
}

/**
 * The one window: it opens on the start-up shell (shell.ts) and then shows the web UI served by the
 * in-process server, sandboxed like any web page. It may only ever show pages of that server; other
 * links open in the OS's browser.
 */
export function createMainWindow(preloadPath: string): MainWindow {
  // No page of the shell's (an opaque data: origin) ever matches: nothing is granted before the UI.
  let origin = '';
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    title: 'Atelier',
    show: false,
    backgroundColor: '#0f1116',
    autoHideMenuBar: process.platform !== 'darwin',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webviewTag: false,
      spellcheck: false,
    },
  });

  win.once('ready-to-show', () => win.show());

  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    if (sameOrigin(url, origin)) return;
    event.preventDefault();
    openExternally(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!sameOrigin(url, origin)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });

  // Recording needs the microphone; nothing else a web page can ask for is granted.
  const allowed = new Set(['media', 'clipboard-sanitized-write', 'fullscreen']);
  contents.session.setPermissionRequestHandler((requester, permission, callback) => {
    callback(allowed.has(permission) && sameOrigin(requester.getURL(), origin));
  });
  contents.session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) => allowed.has(permission) && sameOrigin(requestingOrigin, origin),
  );

  void win.loadURL(shellUrl());
  return {
    window: win,
    showUi(uiUrl) {
      origin = new URL(uiUrl).origin;
      void win.loadURL(uiUrl);
    },
  };
}
