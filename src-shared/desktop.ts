/** What the Electron preload exposes to the UI as `window.atelier`; absent in a LAN browser. */
export interface DesktopBridge {
  platform: string;
  versions: { electron: string; chrome: string; node: string };
  /** Opens an http(s) or mailto link in the OS's browser or mail app. */
  openExternal(url: string): Promise<void>;
}

/** IPC channel behind `openExternal`. */
export const OPEN_EXTERNAL_CHANNEL = 'atelier:open-external';
