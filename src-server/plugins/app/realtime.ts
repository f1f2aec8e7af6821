import fp from 'fastify-plugin';
import type { JobSnapshot } from '../../../src-shared/events';
import { createRealtime, type Realtime } from '../../realtime/server';
import { identifyToken } from './auth';

declare module 'fastify' {
  interface FastifyInstance {
    /** socket.io at /socket.io/; see src-server/realtime/server.ts. */
    realtime: Realtime;
  }
}

/**
 * `app.realtime`: socket.io on the app's HTTP server, signed in with the same access tokens as
 * the HTTP API. Every job snapshot goes to its owner's room as `job:update`.
 */
export default fp(
  async (app) => {
    const realtime = createRealtime(app.server, {
      now: app.clock.now,
      authenticate: (token) => {
        const found = identifyToken(app.auth, token);
        if ('user' in found) return { userId: found.user.id, sessionId: found.sessionId };
        return { refusal: found.reason === 'expired' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN' };
      },
    });
    app.decorate('realtime', realtime);
    // A socket must not outlive the sign-in that opened it: logout ends it, and so does deleting the account.
    app.auth.onSessionRevoked((sessionId) => realtime.disconnectSession(sessionId));
    app.auth.onAccountDeleted((userId) => realtime.disconnectUser(userId));

    const forward = (job: JobSnapshot) => {
      if (job.ownerId !== null) realtime.toUser(job.ownerId, 'job:update', job);
    };
    app.jobs.on('update', forward);

    // Fastify's close waits for every open connection, sockets included: end them first.
    app.addHook('preClose', async () => {
      app.jobs.off('update', forward);
      realtime.close();
    });
  },
  { name: 'realtime', dependencies: ['config', 'db', 'auth', 'jobs'] },
);
