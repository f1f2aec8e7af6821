/// <reference types="vite/client" />

interface Window {
  /** Present only inside the Electron app (src-main/preload). */
  atelier?: import('../../src-shared/desktop').DesktopBridge;
}
