import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../../http/family';
import { studioDialect } from './dialect';
import { studioAccountRoutes } from './account/routes';
import { ownerPrefix } from './files/store';
import { StudioService } from './studios/service';
import { studioRoutes } from './studios/routes';
import { TrackService } from './tracks/service';
import { trackRoutes } from './tracks/routes';
import { SongService } from './songs/service';
import { CoverService } from './songs/cover-service';
import { SongFinisher } from './songs/finish';
import { songRoutes } from './songs/routes';
import { ComposerSlot } from '../../compose/composer';
import { ComposeService } from './compose/service';
import { composeRoutes } from './compose/routes';
import { ArrangementService } from './arrangement/service';
import { arrangementRoutes } from './arrangement/routes';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where an AI composing engine plugs in; see compose/composer.ts. */
    studioComposer: ComposerSlot;
  }
}

function studioServices(app: FastifyInstance) {
  const studios = new StudioService(app.db, app.storage, app.clock.now);
  const tracks = new TrackService(app.db, app.storage, app.clock.now);
  const songs = new SongService(app.db, app.storage, app.clock.now);
  const arrangements = new ArrangementService(app.db, app.storage, app.clock.now);
  const finisher = new SongFinisher(songs, tracks);
  const covers = new CoverService(app.storage, app.jobs, app.ai, app.config.dataDir);
  const composer = new ComposerSlot();
  const compose = new ComposeService(app.db, app.storage, songs, composer, app.jobs);
  return { studios, tracks, arrangements, songs, finisher, covers, composer, compose };
}

export type StudioServices = ReturnType<typeof studioServices>;

/** Recording studio family: /api/login, /api/users, /api/work/**, /api/song/**, /api/compose. */
export default defineFamily({
  dialect: studioDialect,
  // Stage's /api/... prefixes are longer and win; the rest of /api is the studio's.
  prefixes: ['/api'],
  dependencies: ['config', 'db', 'auth', 'storage', 'jobs', 'multipart'],
  services: studioServices,
  setup(app, { covers, compose, composer }) {
    covers.register();
    // In-flight cover requests hold the server's close: answer them with their job (202) instead of waiting on.
    app.addHook('preClose', async () => covers.wakeAll());
    compose.register();
    app.decorate('studioComposer', composer);
    // Rows went with the account through the foreign keys; its files are all under one folder.
    app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));
  },
  async routes(family, s) {
    await studioAccountRoutes(family);
    await studioRoutes(family, s.studios, s.tracks);
    await trackRoutes(family, s.studios, s.tracks);
    await arrangementRoutes(family, s, s.arrangements);
    await songRoutes(family, s);
    await composeRoutes(family, s.compose, s.songs, s.studios);
  },
});
