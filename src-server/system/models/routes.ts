import { Type } from 'typebox';
import type { CatalogEntry } from '../../ai/diffusion/catalog';
import type { FamilyApp } from '../../http/family';
import { DataEnvelope } from '../../http/envelopes';
import { currentUser, requireUser } from '../../plugins/app/auth';
import type { ModelAdminService } from './service';
import { ModelTypeSchema, ModelsOverview, InstalledModel, UrlInstallAccepted } from '../../../src-shared/api/system';
import { musicModels } from './music';
import { errors } from '../errors';
import { errorResponses as documented } from '../http';

const tags = ['system'];
const security = [{ bearerAuth: [] }];

/** A route's error responses from the codes it names, plus the sign-in failures and the LAN peer's 403 every route here has. */
const errorResponses = (codes: Parameters<typeof documented>[0]) =>
  documented([...codes, 'OWNER_ONLY: a LAN peer (only this computer may manage models)']);

const FileSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 300, description: 'Where it goes in the model folder, e.g. `unet/model.onnx`' }),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Default: `path` under the base URL' })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const InstallBody = Type.Object(
  {
    source: Type.Enum(['folder', 'url'], { description: '`folder`: copy a folder (or .onnx file) on this computer; `url`: download' }),
    path: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'folder: an absolute path (or ~/...) on this computer' }),
    ),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'url: a manifest (`{"files":[{"path","url?","sha256?","size?"}], "display_name?"}`, file URLs relative to it), an upscaler `.onnx`, or with `files` a base URL',
      }),
    ),
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The model id (folder name). folder: defaults to the folder name; url: required',
      }),
    ),
    type: Type.Optional(ModelTypeSchema),
    files: Type.Optional(Type.Array(FileSchema, { minItems: 1, maxItems: 200, description: 'url: the files under the base URL' })),
    sha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F]{64}$',
        description: 'url without files: the sha256 of what `url` answers (the .onnx, or the manifest)',
      }),
    ),
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const modelView = (e: CatalogEntry) => ({
  id: e.id,
  type: e.type,
  display_name: e.display_name,
  description: e.description,
  base: e.base,
  precision: e.precision,
  inpainting: e.inpainting,
  sample_size: e.sample_size,
  scale: e.scale,
  min_tier: e.min_tier,
  size_bytes: e.size_bytes,
  is_available: e.is_available,
  problem: e.problem,
  license: e.license,
  path: e.path,
});

/** /system/models/**: the Models area (loopback only, like every /system route, and signed in). */
export async function modelAdminRoutes(app: FamilyApp, models: ModelAdminService): Promise<void> {
  const signedIn = requireUser();

  app.get(
    '/system/models',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Installed models and upscalers, this machine's execution providers and your downloads in progress (loopback only)",
        description:
          "Every folder in `<data folder>/models/diffusion/` and `models/upscalers/`, broken ones too, with their `problem`; and under `music`, the composing engines' models: " +
          'MusicGen folders in `models/musicgen/` and the bundled basic-pitch and Silero VAD.',
        response: {
          200: DataEnvelope(ModelsOverview),
          ...errorResponses([]),
        },
      },
    },
    async (request) => {
      const p = models.executionProviders();
      return {
        success: true as const,
        data: {
          models: models.list().map(modelView),
          music: musicModels(app.config.dataDir),
          execution_providers: { available: p.available, preferred: p.preferred, forced: p.forced },
          installs: models.installs(currentUser(request).id),
        },
      };
    },
  );

  app.post(
    '/system/models/install',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Install a model from a folder on this computer (201, done) or from a URL (202, a download job) (loopback only)',
        description:
          'folder: `{source:"folder", path, id?, type?}`, checked in place, then copied; answers the installed model. url: `{source:"url", url, id, type, files?, sha256?}` queues a download in the `downloads` lane; progress comes as `job:update` (`stage` "download", `message` "<file> (<n>/<files>): <received>/<total> bytes"). A dropped connection is resumed with HTTP Range; a cancelled or failed download resumes from its partial files when the same type and id are installed again. A failed job\'s `errorCode` is `DOWNLOAD_FAILED`, `CHECKSUM_MISMATCH` or `INVALID_MODEL`.',
        body: InstallBody,
        response: {
          201: DataEnvelope(InstalledModel),
          202: DataEnvelope(UrlInstallAccepted),
          ...errorResponses([
            'VALIDATION_ERROR: a missing or wrong field, a relative path, a bad id or URL',
            'PATH_NOT_FOUND: the folder does not exist',
            'MODEL_EXISTS: that type and id is installed',
            'INSTALL_IN_PROGRESS: it is being installed',
            'NOT_ENOUGH_SPACE: the files do not fit on the disk',
            'NOT_A_MODEL: the path is no model folder',
            'INVALID_MODEL: a broken or incomplete model (the message lists what)',
            'DOWNLOAD_FAILED: the URL is unreachable or answered an error',
            'INVALID_MANIFEST',
            'CHECKSUM_MISMATCH: the manifest or file does not match `sha256`',
          ]),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const missing = (field: string) => errors.error('VALIDATION_ERROR', `body.${field} is required with source "${b.source}"`);
      const unused = (fields: (keyof typeof b)[]) => {
        const extra = fields.filter((f) => b[f] !== undefined);
        if (extra.length)
          throw errors.error(
            'VALIDATION_ERROR',
            `body.${extra.join(', body.')} ${extra.length > 1 ? 'do' : 'does'} not apply to source "${b.source}"`,
          );
      };
      if (b.source === 'folder') {
        if (!b.path) throw missing('path');
        unused(['url', 'files', 'sha256']);
        const entry = await models.installFromFolder({ path: b.path, id: b.id, type: b.type });
        return reply.status(201).send({ success: true as const, data: modelView(entry) });
      }
      if (!b.url) throw missing('url');
      if (!b.id) throw missing('id');
      if (!b.type) throw missing('type');
      unused(['path']);
      const job = await models.requestUrlInstall(currentUser(request).id, {
        url: b.url,
        id: b.id,
        type: b.type,
        files: b.files,
        sha256: b.sha256,
        display_name: b.display_name,
      });
      return reply
        .status(202)
        .send({ success: true as const, data: { job_id: job.id, id: b.id, type: b.type, status: job.status, position: job.position } });
    },
  );

  app.post(
    '/system/models/installs/:job_id/cancel',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Pause or cancel a download (loopback only)',
        description:
          'Without `discard` it pauses: the partial files stay, so installing the same model again resumes it. With `discard: true` the partial files are deleted.',
        params: Type.Object({ job_id: Type.String({ format: 'uuid' }) }),
        body: Type.Optional(Type.Object({ discard: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
        response: {
          200: DataEnvelope(Type.Object({ job_id: Type.String(), status: Type.String() })),
          ...errorResponses([
            'VALIDATION_ERROR: not a job id',
            'FORBIDDEN: another account started it',
            'INSTALL_NOT_FOUND',
            'INSTALL_FINISHED: it already completed, failed or was cancelled',
          ]),
        },
      },
    },
    async (request) => {
      const job = models.cancel(currentUser(request).id, request.params.job_id, request.body?.discard === true);
      return { success: true as const, data: { job_id: job.id, status: job.status } };
    },
  );

  app.delete(
    '/system/models/:type/:id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Remove an installed model or upscaler, broken ones included (loopback only)',
        params: Type.Object({ type: ModelTypeSchema, id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: {
          200: DataEnvelope(Type.Object({ id: Type.String(), type: ModelTypeSchema, removed: Type.Literal(true) })),
          ...errorResponses([
            'VALIDATION_ERROR: an unknown type or a malformed id',
            'MODEL_NOT_FOUND',
            'INSTALL_IN_PROGRESS: it is downloading; cancel that first',
          ]),
        },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      await models.remove(type, id);
      return { success: true as const, data: { id, type, removed: true as const } };
    },
  );
}
