import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AtelierConfig } from './config';
import configPlugin, { type Clock } from './plugins/app/config';
import dbPlugin from './plugins/app/db';
import dialectPlugin from './plugins/app/dialect';
import authPlugin from './plugins/app/auth';
import storagePlugin from './plugins/app/storage';
import jobsPlugin from './plugins/app/jobs';
import realtimePlugin from './plugins/app/realtime';
import aiPlugin from './plugins/app/ai';
import cookiePlugin from './plugins/external/cookie';
import rateLimitPlugin from './plugins/external/rate-limit';
import multipartPlugin from './plugins/external/multipart';
import swaggerPlugin from './plugins/external/swagger';
import limitsPlugin from './plugins/app/limits';
import lanPlugin from './plugins/app/lan';
import webUiPlugin from './plugins/external/web-ui';
import notFoundPlugin from './plugins/app/not-found';
import methodsPlugin from './plugins/app/methods';
import requestsPlugin from './plugins/app/requests';
import { coreError, familyPlugin, sendError } from './http/family';
import { dialectForPath, families } from './families/registry';
import { systemDialect } from './http/system-dialect';
import composerPlugin from './compose/plugin';
import { lazySchemaController } from './http/lazy-schemas';
import { consoleAndFile, RotatingLogFile } from './log-file';

export interface BuildOptions {
  config: AtelierConfig;
  clock?: Clock;
  /** Pino logger options or false; tests keep quiet. */
  logger?: boolean | Record<string, unknown>;
  /** Addresses LAN sharing listens on; defaults to this machine's non-loopback IPv4 addresses. */
  lanInterfaces?: () => string[];
}

export const JSON_BODY_LIMIT = 1024 * 1024;

// Clients send ids in paths; a trailing slash should not turn a route into a 404.
const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 500 };

/**
 * Builds the whole Atelier server without listening: Electron, the headless CLI and every test
 * call this same factory.
 */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    // Logs go to the console and roll by size in <data folder>/logs (log-file.ts).
    logger: options.logger ?? { level: config.logLevel, stream: consoleAndFile(new RotatingLogFile(path.join(config.dataDir, 'logs'))) },
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: ROUTER_OPTIONS,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    schemaController: lazySchemaController(),
    trustProxy: false,
    // Fastify answers a malformed URL (`/api/concert/%ZZ/info`) before any route or error handler
    // runs: give it the owning family's error body too.
    frameworkErrors: (error, request, reply) => {
      const dialect = dialectForPath(request.url);
      const status = error.statusCode ?? 400;
      const failure = status >= 500 ? 'internal' : 'validation';
      const message = status >= 500 ? undefined : `Malformed request URL: ${error.message}`;
      void sendError(reply as unknown as FastifyReply, dialect, coreError(dialect, failure, message));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(methodsPlugin, ROUTER_OPTIONS);
  await app.register(configPlugin, { config, clock: options.clock ?? { now: Date.now } });
  await app.register(dialectPlugin, { dialectFor: dialectForPath, fallback: systemDialect });
  await app.register(requestsPlugin);
  await app.register(dbPlugin);
  await app.register(authPlugin);
  await app.register(cookiePlugin);
  await app.register(lanPlugin, { interfaces: options.lanInterfaces });
  await app.register(rateLimitPlugin);
  await app.register(multipartPlugin);
  await app.register(swaggerPlugin);
  await app.register(limitsPlugin);
  await app.register(storagePlugin);
  await app.register(jobsPlugin);
  await app.register(realtimePlugin);
  await app.register(aiPlugin);

  for (const family of families) await app.register(familyPlugin(family));
  await app.register(composerPlugin);
  await app.register(webUiPlugin);
  await app.register(notFoundPlugin, { dialectFor: dialectForPath });

  return app as unknown as FastifyInstance;
}
