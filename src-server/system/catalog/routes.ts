import { count } from 'drizzle-orm';
import { Type } from 'typebox';
import { users } from '../../db/schema';
import type { FamilyApp } from '../../http/family';
import { DataEnvelope } from '../../http/envelopes';
import { errorResponses, LAN_PEER } from '../http';
import { currentUser, requireUser } from '../../plugins/app/auth';
import { CatalogInstall, CatalogOverview } from '../../../src-shared/api/catalog';
import { checkMachine } from './machine';
import type { CatalogService } from './service';

const tags = ['system'];
const security = [{ bearerAuth: [] }];
/** /system/catalog/**: the model catalog, the machine check and installs from it; /system/setup: whether this is a first run. */
export async function catalogRoutes(app: FamilyApp, catalog: CatalogService): Promise<void> {
  const signedIn = requireUser();
  const queued = (job: { id: string; status: string; position: number | null; payload: { id: string } }) => ({
    job_id: job.id,
    id: job.payload.id,
    status: job.status,
    position: job.position,
  });

  app.get(
    '/system/setup',
    {
      schema: {
        tags,
        summary: 'Whether Atelier is on its first run: no local account yet (loopback only)',
        response: { 200: DataEnvelope(Type.Object({ first_run: Type.Boolean() })) },
      },
    },
    async () => {
      const accounts = app.db.select({ n: count() }).from(users).get()?.n ?? 0;
      return { success: true as const, data: { first_run: accounts === 0 } };
    },
  );

  app.get(
    '/system/catalog',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'The model catalog beside what is installed, the starter packs, and this machine (loopback only)',
        description:
          'Each entry names its Hugging Face repository and revision, licence, size and what it enables, with `status` (installed, installing with its `job_id`, available) and `misfit` (why it does not fit this machine).',
        response: {
          200: DataEnvelope(CatalogOverview),
          ...errorResponses([LAN_PEER]),
        },
      },
    },
    async () => {
      const machine = await checkMachine(app.config.dataDir, app.ai.providers);
      return {
        success: true as const,
        data: {
          version: catalog.file.version,
          updated: catalog.file.updated,
          base_url: catalog.baseUrl,
          machine,
          packs: catalog.packs(machine),
          entries: catalog.file.entries.map((e) => catalog.view(e, machine)),
        },
      };
    },
  );

  const installErrors = errorResponses([
    'CATALOG_ENTRY_NOT_FOUND',
    'MODEL_EXISTS: installed already',
    'INSTALL_IN_PROGRESS: downloading',
    'NOT_ENOUGH_SPACE: it does not fit on the disk; refused before the first byte',
    LAN_PEER,
  ]);

  app.post(
    '/system/catalog/entries/:id/install',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Download and install one catalog entry (202, a `system.model-install` job) (loopback only)',
        description:
          'Files come from `<base_url>/<repo>/resolve/<revision>/<path>`, resume from partial files, and are checked against the catalog sizes and sha256. Pause or cancel with POST /system/models/installs/{job_id}/cancel.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 202: DataEnvelope(CatalogInstall), ...installErrors },
      },
    },
    async (request, reply) => {
      const job = catalog.install(currentUser(request).id, request.params.id);
      return reply.status(202).send({ success: true as const, data: queued(job) });
    },
  );

  app.post(
    '/system/catalog/packs/:id/install',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Install every model of a starter pack not installed yet (202, one job each) (loopback only)',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 202: DataEnvelope(Type.Object({ installs: Type.Array(CatalogInstall) })), ...installErrors },
      },
    },
    async (request, reply) => {
      const jobs = catalog.installPack(currentUser(request).id, request.params.id);
      return reply.status(202).send({ success: true as const, data: { installs: jobs.map(queued) } });
    },
  );
}
