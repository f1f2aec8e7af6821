import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';

const require = createRequire(import.meta.url);

const TAGS = [
  {
    name: 'studio',
    description: 'Recording studio: studios, tracks, songs, AI compose, covers, sharing. Errors `{success:false, error:{code,message}}`.',
  },
  { name: 'promo', description: 'Promo-video maker. Bare bodies; errors `{error_code, error_message}`; session cookie or Bearer.' },
  { name: 'stories', description: "Children's stories. `{success, message, data}`; errors `{success:false, error:{code,message}}`." },
  {
    name: 'stage',
    description:
      'Audio library, accessory presets, 3D models, LAN concerts. Errors `{success:false, error:"CODE", message}`; a missing or malformed Authorization header is 403.',
  },
  {
    name: 'canvas',
    description: 'AI image generation under /api/v1. `{success, data, meta?}`; errors `{success:false, error:{code,message,details?}}`.',
  },
  { name: 'system', description: "Atelier's own settings and status (loopback only where noted)." },
  { name: 'files', description: 'Signed, expiring download and upload URLs handed out by the families.' },
];

/** Response headers the answering server sets itself. */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * Swagger UI at /docs, built on its first visit: @fastify/swagger-ui and its YAML writer and static
 * file server are a good part of the server's start-up, and nobody needs them for the first answer.
 * It runs on a Fastify instance of its own, given the finished document, and this app passes its
 * answers on; what it does not have is this app's own 404.
 */
function swaggerUiOnDemand(document: () => unknown) {
  let ui: Promise<FastifyInstance> | null = null;
  const build = async () => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const docs = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
    await docs.register(swagger, { mode: 'static', specification: { document: document() as never } });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
    await docs.ready();
    return docs;
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    ui ??= build().catch((err: unknown) => {
      ui = null;
      throw err;
    });
    const answer = await (await ui).inject({ method: request.method as 'GET', url: request.url, headers: request.headers });
    if (answer.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(answer.headers))
      if (!HOP_HEADERS.has(name) && value !== undefined) reply.header(name, value);
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
}

/** One OpenAPI document generated from the route schemas: /openapi.json, Swagger UI at /docs, ReDoc at /redoc. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Atelier API',
          version: '0.1.0',
          description:
            "Five API families on one local server, one account system. A token from any family's login works on every family's routes. Access tokens last one hour; refresh tokens rotate and are single-use.",
        },
        tags: TAGS,
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            cookieAuth: { type: 'apiKey', in: 'cookie', name: 'atelier_session' },
          },
        },
      },
    });
    const docsUi = swaggerUiOnDemand(() => app.swagger());
    app.get('/docs', { schema: { hide: true } }, docsUi);
    app.get('/docs/*', { schema: { hide: true } }, docsUi);

    app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());

    const redocBundle = path.join(path.dirname(require.resolve('redoc')), 'redoc.standalone.js');
    app.get('/redoc', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html><head><meta charset="utf-8"><title>Atelier API — ReDoc</title>' +
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>' +
            '<body style="margin:0"><redoc spec-url="/openapi.json"></redoc>' +
            '<script src="/redoc/redoc.standalone.js"></script></body></html>',
        ),
    );
    app.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400')
        .send(fs.createReadStream(redocBundle)),
    );
  },
  { name: 'swagger' },
);
