import fs from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyRequest } from 'fastify';
import { openGraphTags, type OpenGraph } from '../../http/open-graph';
import { defaultWebRoot, resourcesDir } from '../../paths';

/** Says what one page of the UI shows, for link previews; null when it is nothing to preview. */
export type PageDescriber = (match: RegExpExecArray, request: FastifyRequest) => OpenGraph | null;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Link previews of the UI's own pages: a feature describes its shareable page (a concert
     * invite) and the served index.html carries its Open Graph tags, for chat apps that run no script.
     * Register from an onReady hook: this plugin loads after the families.
     */
    webPages: { describe(path: RegExp, describer: PageDescriber): void };
  }
}

const escapeText = (text: string) => text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

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
    const describers: { path: RegExp; describer: PageDescriber }[] = [];
    app.decorate('webPages', { describe: (path, describer) => void describers.push({ path, describer }) });
    let indexHtml: string | null = null;
    const described = (request: FastifyRequest, wanted: string): string | null => {
      for (const { path: pattern, describer } of describers) {
        const match = pattern.exec(`/${wanted}`);
        const og = match && describer(match, request);
        if (!og) continue;
        indexHtml ??= fs.readFileSync(index, 'utf8');
        const head = `<title>${escapeText(og.title)} · Atelier</title>\n${openGraphTags(og)}\n`;
        return indexHtml.replace(/<title>[^<]*<\/title>\s*/, '').replace('</head>', `${head}</head>`);
      }
      return null;
    };

    // Browsers ask every site for /favicon.ico, whatever the page links: the app's own icon.
    const icon = path.join(resourcesDir(), 'icon.ico');
    app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => {
      if (!fs.existsSync(icon)) return reply.status(404).type('text/plain; charset=utf-8').send('Not found: /favicon.ico');
      return reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(fs.createReadStream(icon));
    });

    app.register(async (scope) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        return payload;
      });
      if (!built) {
        // '/app/*' does not match '/app/' itself (nor '/app', the same route with ignoreTrailingSlash).
        for (const url of ['/app/', '/app/*']) {
          scope.get(url, { schema: { hide: true } }, async (_request, reply) =>
            reply
              .status(503)
              .type('text/html; charset=utf-8')
              .send(
                '<!doctype html><title>Atelier</title><p>The web UI has not been built. Run <code>npm run build</code>, then reload.</p>',
              ),
          );
        }
        return;
      }
      await scope.register(fastifyStatic, { root, prefix: '/app/', wildcard: false, index: ['index.html'] });
      // Client-side routes (/app/account, /app/concert/<id>) all load the single page; a missing
      // asset (a path with an extension) is a real 404, not HTML that the browser would misparse.
      scope.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
        const wanted = (request.params as { '*': string })['*'];
        if (path.extname(wanted) !== '') {
          return reply.status(404).type('text/plain; charset=utf-8').send(`Not found: /app/${wanted}`);
        }
        const page = described(request, wanted);
        if (page) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
        return reply.type('text/html; charset=utf-8').sendFile('index.html');
      });
    });
  },
  { name: 'web-ui', dependencies: ['config'] },
);
