import { defineFamily } from '../../http/family';
import { studioDialect } from './dialect';
import { studioAccountRoutes } from './account/routes';

/** Recording studio family: /api/login, /api/users, /api/work/**, /api/song/**, /api/compose. */
export default defineFamily(studioDialect, async (app) => {
  await studioAccountRoutes(app);
});
