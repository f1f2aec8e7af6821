import path from 'node:path';
import type { FamilyApp } from '../../../http/family';
import { AppError } from '../../../http/errors';
import { currentUser } from '../../../plugins/app/auth';
import { sendStoredFile } from '../../../storage/range';
import { FileBytes, IdParams, blank, errorResponses, idErrors, precheck, security, signedIn, type StageFailure } from '../http';
import { multipartForm, readMultipart } from '../../../http/multipart';
import { MiB, readAtMost } from '../../../storage/streams';
import { MODEL_MAX_BYTES, THUMBNAIL_MAX_BYTES, type Model3dService, type ReceivedModel } from './service';
import { MODEL_CONTENT_TYPES, type ModelFormat } from './sniff';
import { Deleted, ModelList, ModelOne, RegisterBody, Registered, UpdateBody, Updated, UploadForm, Uploaded, modelView } from './schemas';
import { errors } from '../errors';

const tags = ['stage'];

const failure: StageFailure = { code: 'INTERNAL_SERVER_ERROR', message: 'Server error', database: true };
const uploadFailure: StageFailure = { code: 'UPLOAD_ERROR', message: 'Failed to upload model file', database: true };

const validationError = idErrors('model');
const wrongType = (message: string) => errors.error('INVALID_INPUT_TYPE', message);
const isText = (value: unknown) => value === undefined || value === null || typeof value === 'string';
const isSize = (value: unknown) => value === undefined || value === null || typeof value === 'number';

const MODEL_NAME_MAX = 200;

/** `file_size` and `thumbnail_path` of a register or update body, type-checked as the client sent them. */
function optionalTypes(body: Record<string, unknown>): AppError | null {
  if (!isSize(body.file_size)) return wrongType('file_size must be a number');
  if (!isText(body.thumbnail_path)) return wrongType('thumbnail_path must be a string');
  return null;
}

const FAILED = ['DATABASE_ERROR', 'internal'] as const;
const idCodes = ['INVALID_ID', "MODEL_NOT_FOUND: also for another account's model", ...FAILED] as const;

/** /api/models/**: each account's own 3D models; nobody else sees them. */
export async function modelRoutes(app: FamilyApp, models: Model3dService): Promise<void> {
  app.get(
    '/api/models/list',
    {
      onRequest: signedIn,
      config: { failure },
      schema: {
        tags,
        security,
        summary: 'List my 3D models',
        description: 'Newest first.',
        response: { 200: ModelList, ...errorResponses(FAILED) },
      },
    },
    async (request) => {
      const rows = models.list(currentUser(request).id);
      return { success: true as const, count: rows.length, models: rows.map(modelView) };
    },
  );

  app.post(
    '/api/models/register',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (blank(body.model_name) || blank(body.file_path)) return errors.error('MISSING_FIELDS', 'model_name and file_path are required');
        if (typeof body.model_name !== 'string' || typeof body.file_path !== 'string')
          return wrongType('model_name and file_path must be strings');
        return optionalTypes(body);
      }),
      config: { failure },
      schema: {
        tags,
        security,
        summary: "Register a 3D model's metadata",
        description:
          'Records a model kept anywhere: `file_path` is taken as given. Use `POST /api/models/upload` to store the file on this server. ' +
          'Model names are unique per account.',
        body: RegisterBody,
        response: {
          201: Registered,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_INPUT_TYPE: model_name/file_path not strings, file_size not a number',
            'INVALID_INPUT: too long, negative size',
            'DUPLICATE_MODEL_NAME',
            ...FAILED,
          ]),
        },
      },
    },
    async (request, reply) => {
      const { model_name, file_path, file_size, thumbnail_path } = request.body;
      const row = models.register(currentUser(request).id, {
        modelName: model_name.trim(),
        filePath: file_path.trim(),
        fileSize: file_size ?? null,
        thumbnailPath: thumbnail_path ?? null,
      });
      // The answer's schema leaves out updated_at, as the spec shows it.
      return reply.code(201).send({ success: true as const, message: 'Model registered successfully', model: modelView(row) });
    },
  );

  app.post(
    '/api/models/upload',
    {
      onRequest: signedIn,
      ...multipartForm,
      config: { failure: uploadFailure },
      schema: {
        tags,
        security,
        summary: 'Upload a 3D model file (and a thumbnail)',
        description:
          'multipart/form-data with `model` (the file), `model_name` and an optional `thumbnail`, in any order. The model type is recognised from its bytes: ' +
          'GLB (`glTF` magic, version 2, matching length), glTF JSON (`asset.version` 2.x) or FBX (binary `Kaydara FBX Binary` or ASCII `; FBX` header), at most 100 MB; ' +
          'it is stored at `models/<user>/<ms>-<rand>.<glb|gltf|fbx>`. The thumbnail (PNG, JPEG or WebP, at most 10 MB) is stored as a PNG of at most 512×512 at ' +
          '`thumbnails/<user>/<ms>-<rand>.png`. A refused upload leaves nothing stored.',
        consumes: ['multipart/form-data'],
        body: UploadForm,
        response: {
          201: Uploaded,
          ...errorResponses([
            'NO_FILE',
            'MISSING_FIELDS: model_name',
            'INVALID_FILE_TYPE: not GLB/glTF/FBX',
            'INVALID_THUMBNAIL',
            'INVALID_INPUT: model_name over 200 characters',
            'DUPLICATE_MODEL_NAME',
            'FILE_TOO_LARGE: model over 100 MB or thumbnail over 10 MB',
            'UPLOAD_ERROR',
            'DATABASE_ERROR',
          ]),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const owner = { id: user.id, seq: user.seq };
      let model: ReceivedModel | null = null;
      let thumbnail: string | null = null;
      try {
        const fields = await readMultipart(request, reply, {
          maxFileBytes: MODEL_MAX_BYTES,
          notMultipart: () => errors.error('NO_FILE', 'No model file provided'),
          files: {
            model: async (file) => void (model = await models.receiveModel(owner, file)),
            thumbnail: async (file) => {
              const image = await readAtMost(file, THUMBNAIL_MAX_BYTES);
              if (!image) throw errors.error('FILE_TOO_LARGE', `Thumbnails may be at most ${THUMBNAIL_MAX_BYTES / MiB} MB`);
              thumbnail = await models.receiveThumbnail(owner, image);
            },
          },
        });
        if (!model) throw errors.error('NO_FILE', 'No model file provided');
        const name = fields.model_name?.trim();
        if (!name) throw errors.error('MISSING_FIELDS', 'model_name is required');
        if (name.length > MODEL_NAME_MAX) throw errors.error('INVALID_INPUT', `model_name must be at most ${MODEL_NAME_MAX} characters`);
        const row = models.createUploaded(owner, name, model, thumbnail);
        return reply.code(201).send({ success: true as const, message: 'Model uploaded successfully', model: modelView(row) });
      } catch (err) {
        await models.discard([(model as ReceivedModel | null)?.key ?? null, thumbnail]);
        throw err;
      }
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/models/file/:id',
    onRequest: signedIn,
    config: { validationError, failure },
    schema: {
      tags,
      security,
      summary: "Download my model's file (Range supported)",
      description:
        "Only the owner may download. Serves files uploaded through `POST /api/models/upload` (a registered path that is not one of this account's stored files is " +
        '`FILE_NOT_FOUND`), as an attachment named after the model, with `Accept-Ranges`, 206 for one range, 416 past the end.',
      params: IdParams,
      response: {
        200: FileBytes('The whole file'),
        206: FileBytes('The requested byte range'),
        ...errorResponses([...idCodes, 'FILE_NOT_FOUND', 'range_not_satisfiable']),
      },
    },
    handler: async (request, reply) => {
      const user = currentUser(request);
      const row = models.owned(request.params.id, user.id);
      const fileNotFound = () => errors.error('FILE_NOT_FOUND', 'Model file not found on server');
      if (!models.ownsKey({ id: user.id, seq: user.seq }, row.filePath)) throw fileNotFound();
      const ext = path.extname(row.filePath).slice(1) as ModelFormat;
      return sendStoredFile(request, reply, app.storage, row.filePath, {
        contentType: MODEL_CONTENT_TYPES[ext] ?? 'application/octet-stream',
        downloadName: `${row.modelName}.${ext}`,
        missing: fileNotFound,
      });
    },
  });

  app.get(
    '/api/models/:id',
    {
      onRequest: signedIn,
      config: { validationError, failure },
      schema: {
        tags,
        security,
        summary: 'Get one of my models',
        params: IdParams,
        response: { 200: ModelOne, ...errorResponses(idCodes) },
      },
    },
    async (request) => ({ success: true as const, model: modelView(models.owned(request.params.id, currentUser(request).id)) }),
  );

  app.put(
    '/api/models/:id',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (!['model_name', 'file_path', 'file_size', 'thumbnail_path'].some((field) => body[field] !== undefined)) {
          return errors.error('NO_UPDATE_FIELDS', 'No fields to update');
        }
        if (!isText(body.model_name) || !isText(body.file_path)) return wrongType('model_name and file_path must be strings');
        if ((body.model_name !== undefined && blank(body.model_name)) || (body.file_path !== undefined && blank(body.file_path))) {
          return errors.error('MISSING_FIELDS', 'model_name and file_path cannot be empty');
        }
        return optionalTypes(body);
      }),
      config: { validationError, failure },
      schema: {
        tags,
        security,
        summary: 'Update one of my models (only the fields sent)',
        description:
          'A stored file or thumbnail the model no longer names is deleted. `thumbnail_path` and `file_size` may be set to null.',
        params: IdParams,
        body: UpdateBody,
        response: {
          200: Updated,
          ...errorResponses([
            ...idCodes,
            'NO_UPDATE_FIELDS',
            'INVALID_INPUT_TYPE',
            'MISSING_FIELDS: empty model_name/file_path',
            'INVALID_INPUT',
            'DUPLICATE_MODEL_NAME',
          ]),
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { model_name, file_path, file_size, thumbnail_path } = request.body;
      const row = await models.update(
        request.params.id,
        { id: user.id, seq: user.seq },
        { modelName: model_name?.trim(), filePath: file_path?.trim(), fileSize: file_size, thumbnailPath: thumbnail_path },
      );
      // The answer's schema leaves out created_at, as the spec shows it.
      return { success: true as const, message: 'Model updated successfully', model: modelView(row) };
    },
  );

  app.delete(
    '/api/models/:id',
    {
      onRequest: signedIn,
      config: { validationError, failure },
      schema: {
        tags,
        security,
        summary: 'Delete one of my models and its stored files',
        params: IdParams,
        response: { 200: Deleted, ...errorResponses(idCodes) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const row = await models.remove(request.params.id, { id: user.id, seq: user.seq });
      return { success: true as const, message: 'Model deleted successfully', deleted_model: { id: row.id, model_name: row.modelName } };
    },
  );
}
