import fp from 'fastify-plugin';
import { defineFamily } from '../../http/family';
import { studioDialect } from './dialect';
import { studioAccountRoutes } from './account/routes';
import { ownerPrefix } from './files';
import { StudioService } from './studios/service';
import { studioRoutes } from './studios/routes';
import { TrackService } from './tracks/service';
import { trackRoutes } from './tracks/routes';
import { SongService } from './songs/service';
import { songRoutes } from './songs/routes';
import { ComposerSlot } from './compose/composer';
import { ComposeService } from './compose/service';
import { composeRoutes } from './compose/routes';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where an AI composing engine plugs in; see families/studio/compose/composer.ts. */
    studioComposer: ComposerSlot;
  }
}

/**
 * Recording studio family: /api/login, /api/users, /api/work/**, /api/song/**, /api/compose.
 * The wrapper is not encapsulated so `app.studioComposer` reaches the whole server; the routes
 * stay inside the family's own plugin and error format.
 */
export default fp(
  async (app) => {
    const studios = new StudioService(app.db, app.storage, app.clock.now);
    const tracks = new TrackService(app.db, app.storage, app.clock.now);
    const songs = new SongService(app.db, app.storage, app.clock.now);
    const composer = new ComposerSlot();
    const compose = new ComposeService(app.db, app.storage, songs, composer, app.jobs);
    compose.register();

    app.decorate('studioComposer', composer);
    // Rows went with the account through the foreign keys; its files are all under one folder.
    app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));

    await app.register(
      defineFamily(studioDialect, async (family) => {
        await studioAccountRoutes(family);
        await studioRoutes(family, studios, tracks);
        await trackRoutes(family, studios, tracks);
        await songRoutes(family, songs, studios, tracks);
        await composeRoutes(family, compose, songs, studios);
      }),
    );
  },
  { name: 'studio', dependencies: ['config', 'db', 'auth', 'storage', 'jobs', 'multipart'] },
);
