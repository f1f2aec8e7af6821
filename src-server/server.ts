import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from './app';
import { listFfmpegs } from './media/ffmpeg';

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
  // Checked once at start-up so a feature no build has is named in the log, not by a failing job.
  void listFfmpegs().then(
    (builds) => {
      const [first] = builds;
      if (!first)
        return app.log.warn('ffmpeg was not found: songs, mixes and videos cannot be made (set ATELIER_FFMPEG_PATH or install ffmpeg)');
      app.log.info({ ffmpeg: builds }, `ffmpeg ${first.version} (${first.source})`);
      const nowhere = first.missing.filter((feature) => builds.every((b) => b.missing.includes(feature)));
      if (nowhere.length)
        app.log.warn(`no ffmpeg found has ${nowhere.join(', ')}: work that needs it will be refused (install ffmpeg 4.4 or later)`);
    },
    (err: unknown) => app.log.warn({ err }, 'could not check ffmpeg'),
  );
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
