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

/** Image studio family under /api/v1 (and the routes it shares with stories). */
export default defineFamily(canvasDialect, async (app) => {
  const now = app.clock.now;
  const credits = new CreditService(app.db, now);
  const images = new ImageService(app.db, app.storage, now);
  const boards = new BoardService(app.db, now);
  const models = new ModelService(app.config.dataDir);
  const generate = new GenerateService(app.db, app.storage, app.jobs, app.ai, credits, images, boards, now);
  generate.register();
  // After the queue's own crash recovery (registered earlier), release what ended unseen.
  app.addHook('onReady', () => generate.reconcile());
  // Rows went with the account through the foreign keys; its files are all under one folder.
  app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(ownerPrefix(userId)));

  await canvasAccountRoutes(app, { credits, images });
  await creditRoutes(app, credits, images);
  await modelRoutes(app, models);
  await generateRoutes(app, generate, models, images, boards);
  await queueRoutes(app, credits, images);
  await imageRoutes(app, images, boards);
  await boardRoutes(app, boards, images);
  await storageRoutes(app, images);
});
