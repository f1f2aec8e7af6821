import fp from 'fastify-plugin';
import { pruneFinishedJobs } from '../../jobs/prune';
import { JobQueue } from '../../jobs/queue';

declare module 'fastify' {
  interface FastifyInstance {
    /** The durable job queue; see src-server/jobs/README.md. */
    jobs: JobQueue;
  }
}

const PRUNE_EVERY_MS = 6 * 3_600_000;

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

    // Finished jobs past the retention period go at start-up and every few hours after.
    const days = app.config.jobRetentionDays;
    if (days > 0) {
      const prune = () => {
        try {
          const { deleted, kept } = pruneFinishedJobs(app.db.$client, app.clock.now() - days * 86_400_000);
          if (deleted) app.log.info({ deleted, kept }, `pruned finished jobs older than ${days} days`);
        } catch (err) {
          app.log.warn({ err }, 'could not prune finished jobs');
        }
      };
      const timer = setInterval(prune, PRUNE_EVERY_MS).unref();
      app.addHook('onReady', async () => prune());
      app.addHook('onClose', async () => clearInterval(timer));
    }
  },
  { name: 'jobs', dependencies: ['config', 'db', 'auth'] },
);
