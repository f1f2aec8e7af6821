import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../../http/family';
import { promoDialect } from './dialect';
import { promoAccountRoutes } from './account/routes';
import { promoServiceRoutes } from './service-routes';
import { publicOrLoopback, publicUnicastOnly } from './crawl/guard';
import { ItemService } from './items/service';
import { itemRoutes } from './items/routes';
import { ownerPrefix, VideoService } from './videos/service';
import { videoRoutes } from './videos/routes';
import { TaskService } from './moviemaker/service';
import { moviemakerRoutes } from './moviemaker/routes';
import { registerWorkflow, type PromoOptions } from './moviemaker/workflow';
import { socialRoutes } from './social/routes';
import { PictureService } from './pictures/service';
import { StudioPainter } from './video/scene-painter';
import { pictureRoutes } from './pictures/routes';
import { OAuthSignIn } from '../../auth/oauth';

declare module 'fastify' {
  interface FastifyInstance {
    /** How the promo workflow crawls and renders; tests admit their loopback site and shrink the render here. */
    promo: PromoOptions;
  }
}

function promoServices(app: FastifyInstance) {
  const now = app.clock.now;
  const items = new ItemService(app.db, now);
  return {
    items,
    pictures: new PictureService(app.db, app.storage, items, now),
    videos: new VideoService(app.db, app.storage),
    tasks: new TaskService(app.db, app.jobs, now),
    signIn: new OAuthSignIn(app.db, app.auth, now),
  };
}

export type PromoServices = ReturnType<typeof promoServices>;

/** Promo-video family: /, /health, /auth/*, /social/google/**, /user/**, /moviemaker/**. */
export default defineFamily({
  dialect: promoDialect,
  // Everything no other family claims falls to promo, whose spec owns `/`.
  prefixes: ['/'],
  services: promoServices,
  setup(app, s) {
    app.decorate('promo', {
      crawl: {
        allow: app.config.promoDev.loopbackCrawl ? publicOrLoopback : publicUnicastOnly,
        maxExtraPages: 3,
        htmlMaxBytes: 5 * 1024 * 1024,
        imageMaxBytes: 15 * 1024 * 1024,
        timeoutMs: 10_000,
      },
      render: app.config.promoDev.quickRender
        ? { sizeDivisor: 6, fps: 10, form: 'short', minShortSide: 720, maxImages: 8 }
        : { sizeDivisor: 1, fps: 30, form: 'full', minShortSide: 720, maxImages: 8 },
      pictures: { minimum: 3, painter: (tier) => new StudioPainter(app.ai, app.config.dataDir, tier, app.promo.render.minShortSide) },
    } satisfies PromoOptions);
    registerWorkflow(app, { ...s, options: () => app.promo });
    app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));
  },
  async routes(app, s) {
    await promoServiceRoutes(app);
    await promoAccountRoutes(app);
    await itemRoutes(app, s.items);
    await videoRoutes(app, s.videos);
    await pictureRoutes(app, s.pictures, () => app.promo.render.minShortSide);
    await moviemakerRoutes(
      app,
      s.tasks,
      s.items,
      () => app.promo.crawl.allow,
      () => app.promo.render.form,
    );
    await socialRoutes(app, s.signIn);
  },
});
