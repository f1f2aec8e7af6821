import { defineFamily } from '../../http/family';
import { stageDialect } from './dialect';
import { stageAccountRoutes } from './account/routes';

/** Stage family: /health/resource, /api/auth/login, /api/audio/**, /api/accessory-presets/**, /api/models/**, /api/concert/**. */
export default defineFamily(stageDialect, async (app) => {
  await stageAccountRoutes(app);
});
