import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { defineFamily, type FamilyApp } from '../../http/family';
import { stageDialect } from './dialect';
import { stageAccountRoutes } from './account/routes';
import { AudioService } from './audio/service';
import { audioRoutes } from './audio/routes';
import { PresetService } from './presets/service';
import { presetRoutes } from './presets/routes';
import { Model3dService } from './models/service';
import { modelRoutes } from './models/routes';
import { ConcertService } from './concerts/service';
import { concertRoutes } from './concerts/routes';
import { attachConcertSync } from './concerts/realtime';
import { stageViews } from './concerts/stage';
import { removeOrphanedFiles } from './account/cleanup';
import { stageFailureHandler } from './http';

declare module 'fastify' {
  interface FastifyInstance {
    /** Concert rooms and their `concert:changed` events, for the realtime layer; see families/stage/README.md. */
    concerts: ConcertService;
  }
}

function stageServices(app: FastifyInstance) {
  const audio = new AudioService(app.db, app.storage, app.clock.now);
  const presets = new PresetService(app.db, app.storage, app.clock.now);
  const models = new Model3dService(app.db, app.storage, app.clock.now);
  const concerts = new ConcertService(
    app.db,
    (id) => audio.exists(id),
    app.clock.now,
    app.log,
    (id) => audio.get(id)?.duration ?? null,
    (ownerSeq, modelId) => {
      const placed = models.placed(ownerSeq, modelId);
      return placed === null ? null : placed.stored ? 'stored' : 'elsewhere';
    },
  );
  return { audio, presets, models, concerts, stage: stageViews(models, app.urlSigner) };
}

/**
 * Stage family: /health/resource, /api/auth/login, /api/audio/**, /api/accessory-presets/**,
 * /api/models/**, /api/concert/**.
 */
export default defineFamily({
  dialect: stageDialect,
  prefixes: ['/health/resource', '/api/auth', '/api/audio', '/api/accessory-presets', '/api/models', '/api/concert'],
  dependencies: ['config', 'db', 'auth', 'storage', 'multipart', 'realtime'],
  services: stageServices,
  setup(app, { audio, concerts, stage }) {
    app.decorate('concerts', concerts);
    app.addHook('onReady', async () => concerts.start());
    // A pasted invite link unfurls with the concert's name (the page is the web UI's).
    app.addHook('onReady', async () =>
      app.webPages.describe(/^\/concert\/([^/]+)$/, (match, request) => {
        let roomId: string;
        try {
          roomId = decodeURIComponent(match[1]!);
        } catch {
          return null;
        }
        const invite = concerts.invite(roomId);
        if (!invite || invite.roomId !== roomId) return null;
        return {
          type: 'website',
          title: invite.concertName,
          description: `A live concert by ${invite.studioName} on Atelier. Join with ${invite.allowGuests ? 'just your name' : 'your account'}.`,
          url: `${request.protocol}://${request.host}/app/concert/${match[1]}`,
        };
      }),
    );
    const detachConcertSync = attachConcertSync(app, concerts, audio, stage);
    app.addHook('onClose', async () => {
      concerts.stop();
      detachConcertSync();
    });
    app.auth.onAccountDeleted(() => removeOrphanedFiles(app.db, app.storage, audio));
    app.auth.beforeAccountDeleted((userId) => concerts.removeAccount(userId));
  },
  async routes(family, s) {
    await stageAccountRoutes(family);
    await family.register(async (scope) => {
      // Unexpected failures get the spec section's own code (SAVE_FAILED, STREAMING_ERROR...).
      scope.setErrorHandler(stageFailureHandler);
      const routes = scope.withTypeProvider<TypeBoxTypeProvider>() as unknown as FamilyApp;
      await audioRoutes(routes, s.audio);
      await presetRoutes(routes, s.presets);
      await modelRoutes(routes, s.models);
      await concertRoutes(routes, s.concerts, s.stage);
    });
  },
});
