import { defineFamily } from '../../http/family';
import { canvasDialect } from './dialect';
import { canvasAccountRoutes } from './account/routes';
import { CreditService } from './credits/service';
import { creditRoutes } from './credits/routes';
import { ImageService, ownerPrefix } from './images/service';
import { imageRoutes } from './images/routes';
import { BoardService } from './boards/service';
import { boardRoutes } from './boards/routes';
import { ModelService } from './models/service';
import { modelRoutes } from './models/routes';
import { GenerateService } from './generate/service';
import { generateRoutes } from './generate/routes';
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

/** Image studio family under /api/v1 (and the routes it shares with stories). */
export default defineFamily(canvasDialect, async (app) => {
  const now = app.clock.now;
  const credits = new CreditService(app.db, now);
  const images = new ImageService(app.db, app.storage, now);
  const boards = new BoardService(app.db, now);
  const models = new ModelService(app.config.dataDir);
  const billing = new LemonSqueezy(app.config.lemonSqueezy);
  const subscriptions = new SubscriptionService(app.db, credits, billing, now);
  const webhooks = new WebhookService(app.db, subscriptions, credits, billing, now, app.log);
  const generate = new GenerateService(app.db, app.storage, app.jobs, app.ai, credits, images, boards, now);
  generate.register();
  // After the queue's own crash recovery (registered earlier), release what ended unseen.
  app.addHook('onReady', () => generate.reconcile());
  // Rows went with the account through the foreign keys; its files are all under one folder.
  app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));

  // Before every route: the plan's requests a minute and its X-RateLimit-* headers.
  tierRateLimit(app, (user) => subscriptions.planNow(user.id));
  await canvasAccountRoutes(app, { credits, images, subscriptions });
  await creditRoutes(app, credits, images);
  await modelRoutes(app, models);
  await generateRoutes(app, generate, models, images, boards);
  await queueRoutes(app, credits, images);
  await imageRoutes(app, images, boards);
  await boardRoutes(app, boards, images);
  await storageRoutes(app, images);
  await workflowRoutes(app, new WorkflowService(app.db, images, now), generate, models, images, boards);
  await subscriptionRoutes(app, subscriptions);
  await webhookRoutes(app, webhooks);
});
