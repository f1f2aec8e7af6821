import { defineFamily } from '../../http/family';
import { storiesDialect } from './dialect';
import { storiesAccountRoutes } from './account/routes';

/** Children's stories family: /api/v1/auth/token, /api/v1/stories/**, WebSocket /wss/v1/audio. */
export default defineFamily(storiesDialect, async (app) => {
  await storiesAccountRoutes(app);
});
