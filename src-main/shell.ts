// What the window shows from the moment it opens until the in-process server answers: the app's
// frame (its colours, a sidebar and a header) with "Starting Atelier…", so a launch shows the app at
// once rather than nothing for the second the server takes to start. No Electron import: tested as is.

/** The shell as a self-contained page: no script, no request, nothing it could be made to load. */
export function shellPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Atelier</title>
<style>
:root { color-scheme: dark light; --bg: #0f1116; --raised: #151821; --line: #2a3040; --text: #e8eaf0; --muted: #98a1b3; }
@media (prefers-color-scheme: light) { :root { --bg: #f5f6fa; --raised: #ffffff; --line: #d9dce6; --text: #171a22; --muted: #5a6275; } }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--text);
  font: 14px system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
body { display: grid; grid-template-columns: 220px 1fr; grid-template-rows: 56px 1fr; }
nav { grid-row: 1 / 3; background: var(--raised); border-right: 1px solid var(--line); padding: 18px 16px; font-weight: 600; }
header { border-bottom: 1px solid var(--line); }
main { display: grid; place-items: center; color: var(--muted); }
</style></head>
<body><nav>Atelier</nav><header></header><main role="status">Starting Atelier…</main></body></html>`;
}

export const shellUrl = (): string => `data:text/html;charset=utf-8,${encodeURIComponent(shellPage())}`;

export interface StartupSteps<Server> {
  /** Opens the window on the shell. */
  showShell(): void;
  startServer(): Promise<Server>;
  /** Moves the window to the server's UI. */
  showUi(server: Server): void;
}

/** The window first, the server behind it: the shell is on screen while the server starts. */
export async function startBehindShell<Server>(steps: StartupSteps<Server>): Promise<Server> {
  steps.showShell();
  const server = await steps.startServer();
  steps.showUi(server);
  return server;
}
