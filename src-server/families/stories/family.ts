import { defineFamily } from '../../http/family';
import { storiesDialect } from './dialect';
import { storiesAccountRoutes } from './account/routes';

/** Children's stories family: /api/v1/auth/token, /api/v1/stories/**, WebSocket /wss/v1/audio. */
export default defineFamily({
  dialect: storiesDialect,
  prefixes: ['/api/v1/stories', '/api/v1/auth/token', '/wss/v1', '/ws/v1'],
  services: () => ({}),
  async routes(app) {
    await storiesAccountRoutes(app);
  },
});
