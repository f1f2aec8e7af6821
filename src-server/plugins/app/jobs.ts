import fp from 'fastify-plugin';
import { JobQueue } from '../../jobs/queue';

declare module 'fastify' {
  interface FastifyInstance {
    /** The durable job queue; see src-server/jobs/README.md. */
    jobs: JobQueue;
  }
}

/**
 * `app.jobs`. Features register their kinds while the app builds; the queue starts once every
 * plugin is loaded (so crash recovery knows all kinds) and stops before SQLite closes.
 */
export default fp(
  async (app) => {
    const queue = new JobQueue({ db: app.db, now: app.clock.now, log: app.log });
    app.decorate('jobs', queue);
    // Rows go with the account through the foreign key; running handlers must stop too.
    app.auth.onAccountDeleted((userId) => queue.cancelOwnedBy(userId, 'The account was deleted'));
    app.addHook('onReady', async () => queue.start());
    app.addHook('onClose', async () => queue.stop());
  },
  { name: 'jobs', dependencies: ['config', 'db', 'auth'] },
);
