import fs from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { defaultWebRoot } from '../../paths';

/** What the UI may load: only this server, plus websocket for socket.io. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; media-src 'self' blob:; " +
  "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/** Serves the built web UI at /app/ (Electron's window and LAN browsers load the same pages). */
export default fp(
  async (app) => {
    const root = app.config.webRoot ?? defaultWebRoot();
    const index = path.join(root, 'index.html');
    const built = fs.existsSync(index);

    app.register(async (scope) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        return payload;
      });
      if (!built) {
        scope.get('/app/*', { schema: { hide: true } }, async (_request, reply) =>
          reply
            .status(503)
            .type('text/html; charset=utf-8')
            .send('<!doctype html><title>Atelier</title><p>The web UI has not been built. Run <code>npm run build</code>, then reload.</p>'),
        );
        return;
      }
      await scope.register(fastifyStatic, { root, prefix: '/app/', wildcard: false, index: ['index.html'] });
      // Client-side routes (/app/account, /app/concert/<id>) all load the single page.
      scope.get('/app/*', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html'));
    });
    app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 301));
  },
  { name: 'web-ui', dependencies: ['config'] },
);
