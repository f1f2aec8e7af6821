import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from './app';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL on loopback, e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds the app and listens; closing drains requests, stops jobs and workers, closes SQLite. */
export async function startServer(options: BuildOptions): Promise<RunningServer> {
  const app = await buildApp(options);
  try {
    await app.listen({ host: options.config.host, port: options.config.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  const host = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(options.config.host) ? '127.0.0.1' : options.config.host;
  let closing: Promise<void> | null = null;
  return {
    app,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => (closing ??= app.close()),
  };
}
