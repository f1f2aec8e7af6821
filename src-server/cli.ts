import { ConfigError, loadConfig, type AtelierConfig } from './config';
import { startServer, type RunningServer } from './server';

/** Headless entry (`npm run serve`, `node out/main/serve.js`): the same server Electron runs in-process. */

function fail(message: string): never {
  console.error(`Atelier: ${message}`);
  process.exit(1);
}

function describeListenError(err: unknown, config: AtelierConfig): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return `port ${config.port} is already in use on ${config.host}; stop the other program or choose another PORT`;
  if (code === 'EACCES') return `not allowed to listen on ${where}; choose a PORT above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `HOST ${config.host} is not an address of this machine`;
  return null;
}

async function main(): Promise<void> {
  let config: AtelierConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`);
    throw err;
  }

  let server: RunningServer;
  try {
    server = await startServer({ config });
  } catch (err) {
    const known = describeListenError(err, config);
    if (known) fail(known);
    throw err;
  }
  console.log(`Atelier listening on ${server.url} — web UI ${server.url}/app/`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second Ctrl-C means "now": do not wait for jobs and workers to wind down.
    if (stopping) process.exit(130);
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Atelier: error while shutting down', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('Atelier failed to start:', err);
  process.exit(1);
});
