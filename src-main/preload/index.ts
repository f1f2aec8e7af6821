import { contextBridge, ipcRenderer } from 'electron';
import { OPEN_EXTERNAL_CHANNEL, type DesktopBridge } from '../../src-shared/desktop';

// The only bridge between the UI and the desktop: everything else goes over HTTP to the
// in-process server, exactly as it does for a LAN browser.
const desktop: DesktopBridge = {
  platform: process.platform,
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  },
  openExternal: (url) => ipcRenderer.invoke(OPEN_EXTERNAL_CHANNEL, url),
};

contextBridge.exposeInMainWorld('atelier', desktop);
