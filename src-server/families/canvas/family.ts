import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../../http/family';
import { canvasDialect } from './dialect';
import { canvasAccountRoutes } from './account/routes';
import { canvasSocialRoutes } from './account/social';
import { OAuthSignIn } from '../../auth/oauth';
import { CreditService } from './credits/service';
import { creditRoutes } from './credits/routes';
import { ImageService, ownerPrefix } from './images/service';
import { imageRoutes } from './images/routes';
import { BoardService } from './boards/service';
import { boardRoutes } from './boards/routes';
import { ImageModelService } from './models/service';
import { modelRoutes } from './models/routes';
import { GenerateService } from './generate/service';
import { generateRoutes } from './generate/routes';
import { GenerationRequests } from './generate/requests';
import { queueRoutes } from './queue/routes';
import { storageRoutes } from './storage/routes';
import { WorkflowService } from './workflows/service';
import { workflowRoutes } from './workflows/routes';
import { tierRateLimit } from './plans/rate-limit';
import { LemonSqueezy } from './subscriptions/lemon-squeezy';
import { SubscriptionService } from './subscriptions/service';
import { subscriptionRoutes } from './subscriptions/routes';
import { WebhookService } from './webhooks/service';
import { webhookRoutes } from './webhooks/routes';

function canvasServices(app: FastifyInstance) {
  const now = app.clock.now;
  const credits = new CreditService(app.db, now);
  const images = new ImageService(app.db, app.storage, now);
  const boards = new BoardService(app.db, now);
  const models = new ImageModelService(app.config.dataDir);
  const billing = new LemonSqueezy(app.config.lemonSqueezy);
  const subscriptions = new SubscriptionService(app.db, credits, billing, now);
  const webhooks = new WebhookService(app.db, subscriptions, credits, billing, now, app.log);
  const generate = new GenerateService(app.db, app.storage, app.jobs, app.ai, credits, images, boards, now);
  const workflows = new WorkflowService(app.db, images, now);
  const signIn = new OAuthSignIn(app.db, app.auth, now);
  return { credits, images, boards, models, subscriptions, webhooks, generate, workflows, signIn };
}

export type CanvasServices = ReturnType<typeof canvasServices>;

/** Image studio family under /api/v1 (and the routes it shares with stories). */
export default defineFamily({
  dialect: canvasDialect,
  prefixes: ['/api/v1'],
  services: canvasServices,
  setup(app, { generate }) {
    generate.register();
    // After the queue's own crash recovery (registered earlier), release what ended unseen.
    app.addHook('onReady', () => generate.reconcile());
    // Rows went with the account through the foreign keys; its files are all under one folder.
    app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));
  },
  async routes(app, s) {
    // Before every route: the plan's requests a minute and its X-RateLimit-* headers.
    tierRateLimit(app, (user) => s.subscriptions.planNow(user.id));
    await canvasAccountRoutes(app, { credits: s.credits, images: s.images, subscriptions: s.subscriptions });
    await canvasSocialRoutes(app, s.signIn, (userId) => {
      const tier = s.subscriptions.planNow(userId);
      return { tier, credits: s.credits.balance(userId, tier).balance };
    });
    await creditRoutes(app, s.credits, s.images);
    await modelRoutes(app, s.models);
    // One request builder serves /generate/* and /generate/workflow, so both check and queue alike.
    const requests = new GenerationRequests(app, s.generate, s.models, s.images, s.boards);
    await generateRoutes(app, requests);
    await queueRoutes(app, s.credits, s.images);
    await imageRoutes(app, s.images, s.boards);
    await boardRoutes(app, s.boards, s.images);
    await storageRoutes(app, s.images);
    await workflowRoutes(app, s.workflows, s.images, requests);
    await subscriptionRoutes(app, s.subscriptions);
    await webhookRoutes(app, s.webhooks);
  },
});
