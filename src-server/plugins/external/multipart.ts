import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';

/** Per-route limits are set by each upload route; these are the outer bounds. */
export default fp(
  async (app) => {
    await app.register(multipart, {
      limits: { fileSize: 100 * 1024 * 1024, files: 4, fields: 32, fieldSize: 10_000, parts: 40 },
    });
  },
  { name: 'multipart' },
);
