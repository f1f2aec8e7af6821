import fp from 'fastify-plugin';
import { openDatabase, type Db } from '../../db/client';
import { applyPendingImport } from '../../library';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export default fp(
  async (app) => {
    // A library import waiting since the last run goes in before the database opens (library.ts).
    if (applyPendingImport(app.config.dataDir)) app.log.info('opened the imported library; the previous one is in .before-import-*');
    const db = openDatabase(app.config.dataDir);
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      db.$client.close();
    });
  },
  { name: 'db', dependencies: ['config'] },
);
