import { AsyncLocalStorage } from 'node:async_hooks';
import fp from 'fastify-plugin';
import { pruneFinishedJobs } from '../../jobs/prune';
import { AppError } from '../../http/errors';
import { JobQueue } from '../../jobs/queue';
import { localDay, peerComputeSeconds, spokenDuration } from '../../jobs/budget';
import { readSetting, SETTING_DEFAULTS, writeSetting, type SettingsShape } from '../../db/settings';
import { isOwnerRequest } from './owner';

export type QueueSharing = SettingsShape['queue'];

declare module 'fastify' {
  interface FastifyInstance {
    /** The durable job queue; see src-server/jobs/README.md. */
    jobs: JobQueue;
    /** The owner's rules for sharing the lanes with LAN peers (a Settings choice). */
    queueSharing: { get(): QueueSharing; set(next: QueueSharing): QueueSharing };
  }
}

const PRUNE_EVERY_MS = 6 * 3_600_000;

/**
 * `app.jobs`. Features register their kinds while the app builds; the queue starts once every
 * plugin is loaded (so crash recovery knows all kinds) and stops before SQLite closes.
 * A job enqueued while a request is handled is the owner's when that request came over loopback.
 */
export default fp(
  async (app) => {
    const fromOwner = new AsyncLocalStorage<boolean>();
    // The rest of the request runs inside this context, so enqueue() knows who asked without
    // every family passing it along.
    app.addHook('onRequest', (request, _reply, done) => fromOwner.run(isOwnerRequest(request), done));

    // Rows stored before a field existed get its default.
    let sharing: QueueSharing = { ...SETTING_DEFAULTS.queue, ...readSetting(app.db, 'queue') };
    const queue = new JobQueue({
      db: app.db,
      now: app.clock.now,
      log: app.log,
      policy: { ownerFirst: () => sharing.ownerFirst, currentIsOwner: () => fromOwner.getStore() },
    });
    queue.addAdmission((job, jobs) => {
      const max = sharing.peerMaxQueued;
      if (job.fromOwner || job.ownerId === null || max === null) return;
      if (jobs.count({ ownerId: job.ownerId, status: 'queued' }) < max) return;
      throw new AppError(
        429,
        'QUEUE_LIMIT',
        `This Atelier takes at most ${max} queued jobs per listener at once; wait for one of yours to start`,
        {
          limit: max,
        },
      );
    });
    queue.addAdmission((job) => {
      const budget = sharing.peerDailySeconds;
      if (job.fromOwner || job.ownerId === null || budget === null) return;
      const now = app.clock.now();
      const day = localDay(now);
      const used = peerComputeSeconds(app.db, job.ownerId, day.start, now);
      if (used < budget) return;
      const resetsAt = new Date(day.next);
      const clock = `${String(resetsAt.getHours()).padStart(2, '0')}:${String(resetsAt.getMinutes()).padStart(2, '0')}`;
      throw new AppError(
        429,
        'COMPUTE_BUDGET',
        `You have used today's ${spokenDuration(budget)} of compute on this Atelier; it resets at ${clock} (in ${spokenDuration((day.next - now) / 1000)})`,
        { limit_seconds: budget, used_seconds: Math.round(used), resets_at: resetsAt.toISOString() },
      );
    });
    app.decorate('jobs', queue);
    app.decorate('queueSharing', {
      get: () => sharing,
      set(next: QueueSharing) {
        writeSetting(app.db, 'queue', next, app.clock.now());
        sharing = next;
        queue.reorder();
        return sharing;
      },
    });
    // Rows go with the account through the foreign key; running handlers must stop too.
    app.auth.onAccountDeleted((userId) => queue.cancelOwnedBy(userId, 'The account was deleted'));
    app.addHook('onReady', async () => queue.start());
    app.addHook('onClose', async () => queue.stop());

    // Finished jobs past the retention period (Settings, else ATELIER_JOB_RETENTION_DAYS) go at
    // start-up and every few hours after; 0 keeps them all.
    const prune = () => {
      const days = readSetting(app.db, 'retention').days ?? app.config.jobRetentionDays;
      if (days <= 0) return;
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
  },
  { name: 'jobs', dependencies: ['config', 'db', 'auth'] },
);
