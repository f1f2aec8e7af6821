import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { accessoriesNotArray, invalidAccessories } from './accessories';
import { IdParams, blank, errorResponses, fieldErrors, invalidId, precheck, security, signedIn, type StageFailure } from '../http';
import type { PresetService } from './service';
import { Deleted, ListQuery, PresetList, PresetOne, PresetWithAccessories, SaveBody, UpdateBody, presetView } from './schemas';
import { errors } from '../errors';

const tags = ['stage'];

const saveFailure: StageFailure = { code: 'SAVE_FAILED', message: 'Failed to save preset' };
const listFailure: StageFailure = { code: 'LIST_FAILED', message: 'Failed to list presets' };

const missingFields = (message: string) => errors.error('MISSING_FIELDS', message);

const validationError = fieldErrors({
  id: invalidId('preset'),
  accessories: invalidAccessories,
  presetName: (issue) =>
    issue.keyword === 'minLength' ? missingFields('presetName cannot be empty') : errors.error('INVALID_INPUT', issue.text),
});

const UPDATABLE = ['presetName', 'description', 'accessories', 'isPublic'];

const idCodes = ['INVALID_ID', 'ACCESS_DENIED', 'PRESET_NOT_FOUND'] as const;

/** /api/accessory-presets/**: saved sets of avatar accessories, private or shared with every account. */
export async function presetRoutes(app: FamilyApp, presets: PresetService): Promise<void> {
  app.post(
    '/api/accessory-presets/save',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (blank(body.presetName) || body.accessories === undefined || body.accessories === null) {
          return missingFields('presetName and accessories are required');
        }
        return Array.isArray(body.accessories) ? null : accessoriesNotArray();
      }),
      config: { validationError, failure: saveFailure },
      schema: {
        tags,
        security,
        summary: 'Save an accessory preset',
        description:
          'The accessories are written to a JSON file under the data folder (`file_path`); each needs `socketName`, `relativeLocation {x,y,z}`, ' +
          '`relativeRotation {pitch,yaw,roll}` and `modelUrl`; other properties are not kept. Preset names are unique per account. Answers 200 as the spec shows.',
        body: SaveBody,
        response: {
          200: PresetOne,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_ACCESSORIES: not an array, or an item lacks a field or has a wrong type',
            'INVALID_INPUT',
            'DUPLICATE_PRESET_NAME',
            'SAVE_FAILED',
          ]),
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { presetName, accessories, description, isPublic } = request.body;
      const row = await presets.save(
        { id: user.id, seq: user.seq },
        { presetName: presetName.trim(), accessories, description: description ?? null, isPublic: isPublic ?? false },
      );
      return { success: true as const, preset: presetView(row) };
    },
  );

  app.get(
    '/api/accessory-presets/list',
    {
      onRequest: signedIn,
      config: { failure: listFailure },
      schema: {
        tags,
        security,
        summary: 'List my presets (and public ones)',
        description:
          "The caller's presets; with `includePublic=true` also every other account's public presets. Newest first; `accessories` are left out (get one preset for them).",
        querystring: ListQuery,
        response: { 200: PresetList, ...errorResponses(['INVALID_INPUT: includePublic is not true/false', 'LIST_FAILED']) },
      },
    },
    async (request) => {
      const rows = presets.list(currentUser(request).id, request.query.includePublic ?? false);
      return { success: true as const, count: rows.length, presets: rows.map(presetView) };
    },
  );

  app.get(
    '/api/accessory-presets/:id',
    {
      onRequest: signedIn,
      config: { validationError },
      schema: {
        tags,
        security,
        summary: 'Get a preset with its accessories',
        description: "Readable by its owner, and by everyone when public; someone else's private preset is `ACCESS_DENIED`.",
        params: IdParams,
        response: {
          200: PresetWithAccessories,
          ...errorResponses([...idCodes, 'FILE_NOT_FOUND: its JSON file is missing']),
        },
      },
    },
    async (request) => {
      const row = presets.readable(request.params.id, currentUser(request).id);
      return { success: true as const, preset: { ...presetView(row), accessories: await presets.accessories(row) } };
    },
  );

  app.put(
    '/api/accessory-presets/:id',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (!UPDATABLE.some((field) => body[field] !== undefined)) {
          return missingFields('Nothing to update: send presetName, description, accessories or isPublic');
        }
        if (body.presetName !== undefined && blank(body.presetName)) return missingFields('presetName cannot be empty');
        return body.accessories === undefined || Array.isArray(body.accessories) ? null : accessoriesNotArray();
      }),
      config: { validationError, failure: saveFailure },
      schema: {
        tags,
        security,
        summary: 'Update a preset (only the fields sent)',
        description:
          'Only the owner may change a preset, public or not (`ACCESS_DENIED` otherwise). New `accessories` replace the JSON file in place: `file_path` stays. ' +
          'A body with none of the four fields is `MISSING_FIELDS`.',
        params: IdParams,
        body: UpdateBody,
        response: {
          200: PresetOne,
          ...errorResponses([...idCodes, 'MISSING_FIELDS', 'INVALID_ACCESSORIES', 'INVALID_INPUT', 'DUPLICATE_PRESET_NAME', 'SAVE_FAILED']),
        },
      },
    },
    async (request) => {
      const { presetName, ...rest } = request.body;
      const row = await presets.update(request.params.id, currentUser(request).id, { ...rest, presetName: presetName?.trim() });
      return { success: true as const, preset: presetView(row) };
    },
  );

  app.delete(
    '/api/accessory-presets/:id',
    {
      onRequest: signedIn,
      config: { validationError },
      schema: {
        tags,
        security,
        summary: 'Delete a preset and its JSON file',
        description: 'Only the owner may delete a preset (`ACCESS_DENIED` otherwise).',
        params: IdParams,
        response: { 200: Deleted, ...errorResponses(idCodes) },
      },
    },
    async (request) => {
      await presets.remove(request.params.id, currentUser(request).id);
      return { success: true as const, message: 'Preset deleted successfully' };
    },
  );
}
