import fp from 'fastify-plugin';
import { basicPitchModelPresent, CONVERT_COMMAND } from '../ai/basic-pitch/model';
import { ArrangerComposer } from './engine';

/**
 * Installs atelier-arranger as the studio's composing engine. Without the converted basic-pitch
 * model (npm install makes it) nothing is installed and the compose routes answer 503, saying so.
 */
export default fp(
  async (app) => {
    if (!basicPitchModelPresent()) {
      app.log.warn(`composing is off: the basic-pitch model is missing; run ${CONVERT_COMMAND}`);
      return;
    }
    app.studioComposer.install(new ArrangerComposer(app.ai));
  },
  { name: 'composer', dependencies: ['ai', 'studio'] },
);
