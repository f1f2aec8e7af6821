import { defineFamily } from '../../http/family';
import { promoDialect } from './dialect';
import { promoAccountRoutes } from './account/routes';
import { promoServiceRoutes } from './service-routes';

/** Promo-video family: /, /health, /auth/*, /social/google/**, /user/**, /moviemaker/**. */
export default defineFamily({
  dialect: promoDialect,
  // Everything no other family claims falls to promo, whose spec owns `/`.
  prefixes: ['/'],
  services: () => ({}),
  async routes(app) {
    await promoServiceRoutes(app);
    await promoAccountRoutes(app);
  },
});
