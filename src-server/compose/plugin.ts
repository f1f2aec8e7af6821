import fp from 'fastify-plugin';
import { basicPitchModelPresent, CONVERT_COMMAND } from '../ai/basic-pitch/model';
import { ArrangerComposer } from './engine';
import { MusicgenComposer } from './musicgen';

/**
 * Installs the studio's composing engines: atelier-arranger (the default) when the converted
 * basic-pitch model is there (npm install makes it), and MusicGen, which reads the data folder's
 * models/musicgen/ on each request. A missing engine makes the compose routes answer 503, saying
 * what is missing.
 */
export default fp(
  async (app) => {
    app.studioComposer.install(new MusicgenComposer(app.ai, app.config.dataDir), 'musicgen');
    if (!basicPitchModelPresent()) {
      app.log.warn(`composing with atelier-arranger is off: the basic-pitch model is missing; run ${CONVERT_COMMAND}`);
      return;
    }
    app.studioComposer.install(new ArrangerComposer(app.ai), 'arranger');
  },
  { name: 'composer', dependencies: ['ai', 'studio'] },
);
