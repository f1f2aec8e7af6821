import fp from 'fastify-plugin';
import type { AtelierConfig } from '../../config';

export interface Clock {
  now: () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: AtelierConfig;
    clock: Clock;
  }
}

export default fp<{ config: AtelierConfig; clock: Clock }>(
  async (app, opts) => {
    app.decorate('config', opts.config);
    app.decorate('clock', opts.clock);
  },
  { name: 'config' },
);
