import { Type } from 'typebox';
import { PLAN_ORDER } from '../auth/plans';
import { defineFamily } from '../http/family';
import { DataEnvelope } from '../http/envelopes';
import fs from 'node:fs';
import path from 'node:path';
import { systemDialect } from '../http/system-dialect';
import { locateFfmpeg } from '../media/ffmpeg';
import { defaultWebRoot } from '../paths';
import { ModelCatalog } from '../ai/diffusion/catalog';
import { ModelAdminService } from './models/service';
import { loadModelCatalog } from './catalog/catalog';
import { catalogRoutes } from './catalog/routes';
import { dataRoutes } from './data/routes';
import { setFfmpegOverride } from '../media/ffmpeg';
import { CatalogService } from './catalog/service';
import { modelAdminRoutes } from './models/routes';
import { queueRoutes } from './queue-routes';
import { oauthSettingsRoutes } from '../auth/oauth-settings';
import { readSetting, writeSetting } from '../db/settings';
import { LanStatus, SystemInfo } from '../../src-shared/api/system';

const lanView = (s: ReturnType<import('fastify').FastifyInstance['lan']['status']>) => ({
  enabled: s.enabled,
  port: s.port,
  addresses: s.addresses,
  bound_to_all_interfaces: s.boundToAllInterfaces,
});

const VERSION = '0.1.0';

/** Atelier's own settings and status. LAN peers are refused here (see plugins/app/lan.ts). */
export default defineFamily({
  dialect: systemDialect,
  prefixes: ['/system', '/files'],
  services: (app) => {
    const models = new ModelAdminService(new ModelCatalog(app.config.dataDir, PLAN_ORDER), app.jobs, () => app.ai.providers);
    return { models, catalog: new CatalogService(loadModelCatalog(app.config.catalogFile), app.config.catalogUrl, models) };
  },
  setup(app, { models }) {
    models.register();
    // The ffmpeg chosen in Settings is tried first from the start.
    setFfmpegOverride(readSetting(app.db, 'ffmpeg').path);
  },
  async routes(app, { models, catalog }) {
    await modelAdminRoutes(app, models);
    await catalogRoutes(app, catalog);
    await dataRoutes(app, VERSION);
    await queueRoutes(app);
    await oauthSettingsRoutes(app);

    app.get(
      '/system/info',
      {
        schema: {
          tags: ['system'],
          summary: 'Version and data folder of this installation (loopback only)',
          response: {
            200: DataEnvelope(SystemInfo),
          },
        },
      },
      async () => {
        const ffmpeg = await locateFfmpeg();
        return {
          success: true as const,
          data: {
            version: VERSION,
            data_dir: app.config.dataDir,
            web_ui: fs.existsSync(path.join(app.config.webRoot ?? defaultWebRoot(), 'index.html')),
            ffmpeg: {
              found: !!ffmpeg,
              path: ffmpeg?.ffmpeg ?? null,
              version: ffmpeg?.version ?? null,
              source: ffmpeg?.source ?? null,
              missing: ffmpeg?.missing ?? [],
            },
          },
        };
      },
    );

    app.get(
      '/system/lan',
      {
        schema: {
          tags: ['system'],
          summary: 'LAN sharing state and the addresses peers use (loopback only)',
          response: { 200: DataEnvelope(LanStatus) },
        },
      },
      async () => ({ success: true as const, data: lanView(app.lan.status()) }),
    );

    app.put(
      '/system/lan',
      {
        schema: {
          tags: ['system'],
          summary: 'Turn LAN sharing on or off (loopback only)',
          description:
            "On: the API, web UI and socket.io become reachable on this machine's LAN addresses, same port. Settings routes stay loopback-only.",
          body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: DataEnvelope(LanStatus) },
        },
      },
      async (request) => ({ success: true as const, data: lanView(await app.lan.setEnabled(request.body.enabled)) }),
    );

    const ImageModelSetting = Type.Object({
      default: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], {
        description: 'A `name` from GET /api/v1/models (type main), or null for the best installed model each plan allows',
      }),
    });
    app.get(
      '/system/settings/image-model',
      {
        schema: {
          tags: ['system'],
          summary: 'The image model canvas generate requests without `model` use (loopback only)',
          response: { 200: DataEnvelope(ImageModelSetting) },
        },
      },
      async () => ({ success: true as const, data: readSetting(app.db, 'imageModel') }),
    );
    app.put(
      '/system/settings/image-model',
      {
        schema: {
          tags: ['system'],
          summary: 'Choose the image model canvas generate requests without `model` use (loopback only)',
          description:
            "When the chosen model is not installed or a caller's plan does not include it, that request gets the best installed model its plan allows.",
          body: ImageModelSetting,
          response: { 200: DataEnvelope(ImageModelSetting) },
        },
      },
      async (request) => {
        writeSetting(app.db, 'imageModel', { default: request.body.default }, app.clock.now());
        return { success: true as const, data: readSetting(app.db, 'imageModel') };
      },
    );
  },
});
