import { defineFamily } from '../../http/family';
import { canvasDialect } from './dialect';
import { canvasAccountRoutes } from './account/routes';

/** Image studio family under /api/v1 (and the routes it shares with stories). */
export default defineFamily(canvasDialect, async (app) => {
  await canvasAccountRoutes(app);
});
