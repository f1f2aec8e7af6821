import type { FastifyError } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Envelope, errorResponses, ok, pageOf, paged, PagedEnvelope, security, signedIn } from '../http';
import type { ImageService } from '../images/service';
import { GENERATE_ERRORS, generateSchema, type GenerationRequests, IMAGE_BODY_LIMIT } from '../generate/requests';
import { UpscaleBody } from '../generate/schemas';
import {
  checkLoader,
  graphToWorkflow,
  INVOKE_SCHEDULERS,
  mapWorkflow,
  SUPPORTED_NODE_TYPES,
  workflowRequest,
  type MappedWorkflow,
  type WorkflowInputs,
  type WorkflowRequest,
} from './invoke-graph';
import {
  CreateWorkflowBody,
  PatchWorkflowBody,
  RunWorkflowBody,
  WorkflowDetail,
  WorkflowImageToImageBody,
  WorkflowParams,
  WorkflowsQuery,
  WorkflowSummary,
  WorkflowTextToImageBody,
  type CreateWorkflow,
  type RunWorkflow,
} from './schemas';
import { MAX_DEFINITION_BYTES, type WorkflowRow, type WorkflowService } from './service';
import { errors } from '../errors';
import { AppError } from '../../../http/errors';

const tags = ['canvas'];

/** A definition of 1 MiB, with JSON's escaping and the other fields around it. */
const WORKFLOW_BODY_LIMIT = 2 * MAX_DEFINITION_BYTES;

const NOT_MINE = ['validation: not a workflow id', "FORBIDDEN: another account's workflow", 'NOT_FOUND'] as const;
const SAVE_ERRORS = [
  'validation: no or blank name, a name over 100 characters, a definition that is not a JSON object, an unknown field',
  "STORAGE_EXCEEDED: saving it would pass your plan's storage (`details.used_bytes`, `quota_bytes`, `required_bytes`)",
  `PAYLOAD_TOO_LARGE: a definition over ${MAX_DEFINITION_BYTES} bytes (\`details.bytes\`, \`details.max_bytes\`)` as const,
] as const;

/** Names the unknown field wherever it is (`inputs.hires_fix`), as the other generate routes do. */
const runConfig = {
  validationError: (message: string, validation: FastifyError['validation']) => {
    const first = validation?.[0];
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    if (!extra) return errors.error('INVALID_PARAMETERS', message);
    const field = first?.instancePath === '/inputs' ? `inputs.${extra}` : extra;
    return errors.error(
      'INVALID_PARAMETERS',
      field.startsWith('inputs.') ? `${field} is not an input of a workflow run` : `body.${field} is not a parameter of this endpoint`,
      { field },
    );
  },
  // A source image may come as base64 data, past the 10,000-character cap on text fields.
  longFields: ['inputs.image_id'],
};

/** Body fields whose input has another name. */
const INPUT_OF: Record<string, string> = { source_image: 'image_id', image: 'image_id' };

/** Checks the body a workflow makes with the target route's own schema, naming where a bad value came from. */
function checked<S extends TSchema>(schema: S, req: WorkflowRequest, inputs: WorkflowInputs): Static<S> {
  if (Value.Check(schema, req.body)) return req.body as Static<S>;
  const [e] = [...Value.Errors(schema, req.body)];
  const params = (e?.params ?? {}) as { requiredProperties?: string[]; additionalProperties?: string[] };
  const key = e?.instancePath.replace(/^\//, '') || params.requiredProperties?.[0] || '';
  const input = INPUT_OF[key] ?? key;
  const fromInputs = Object.hasOwn(inputs, input);
  if (e?.keyword === 'required') {
    throw errors.error('INVALID_PARAMETERS', `The workflow sets no ${key}; pass inputs.${input}`, {
      field: `inputs.${input}`,
      source: 'workflow',
    });
  }
  const where = fromInputs ? `inputs.${input}` : `The workflow's ${key} (${JSON.stringify(req.body[key])})`;
  throw errors.error('INVALID_PARAMETERS', `${where} ${e?.message ?? 'is invalid'}`, {
    field: fromInputs ? `inputs.${input}` : key,
    source: fromInputs ? 'inputs' : 'workflow',
  });
}

/** A create body's fields, from `{name, definition}` or InvokeAI's `{workflow}` (its name and description unless given beside it). */
function createFields(b: CreateWorkflow): { name: string; description: string | null; definition: Record<string, unknown> } {
  if (b.workflow !== undefined && b.definition !== undefined) {
    throw new AppError(400, 'VALIDATION_ERROR', "Send the workflow as `definition` or as InvokeAI's `workflow`, not both");
  }
  const definition = b.definition ?? b.workflow;
  if (definition === undefined) {
    throw new AppError(
      400,
      'VALIDATION_ERROR',
      'body.definition is required: send {"name", "definition": <InvokeAI workflow>} or InvokeAI\'s {"workflow": <workflow>}',
    );
  }
  const fromFile = b.workflow ?? {};
  const rawName = b.name ?? (typeof fromFile.name === 'string' ? fromFile.name : undefined);
  const name = rawName?.trim() ?? '';
  if (name === '' || name.length > 100) {
    throw new AppError(
      400,
      'VALIDATION_ERROR',
      b.name === undefined && b.workflow !== undefined
        ? 'The workflow has no usable name (1-100 characters); send `name` beside it'
        : 'body.name is required (1-100 characters)',
    );
  }
  const rawDescription =
    b.description !== undefined ? b.description : typeof fromFile.description === 'string' ? fromFile.description.slice(0, 1000) : null;
  return { name, description: rawDescription?.trim() || null, definition };
}

/** What a run body asks to run: a saved workflow, an inline one, or InvokeAI's graph (bare or as `enqueue_batch` wraps it). */
function runDefinition(
  body: RunWorkflow,
  saved: (id: string) => WorkflowRow,
): { definition: unknown; workflowId: string | null; pngText: Record<string, string> } {
  const given = (['workflow_id', 'workflow', 'graph', 'batch'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw new AppError(
      400,
      'INVALID_PARAMETERS',
      given.length === 0
        ? 'Say what to run: {"workflow_id": "<saved workflow id>"}, {"workflow": <an InvokeAI workflow>}, {"graph": <an InvokeAI graph>} or InvokeAI\'s {"batch": {"graph": ...}}'
        : `Send one of workflow_id, workflow, graph or batch, not ${given.join(' and ')}`,
      { field: given[1] ?? 'workflow_id', expected: ['workflow_id', 'workflow', 'graph', 'batch'] },
    );
  }
  // The images carry what ran, as InvokeAI's own images do, so InvokeAI can load it back.
  if (body.workflow_id !== undefined) {
    const row = saved(body.workflow_id);
    return { definition: row.definition, workflowId: row.id, pngText: { invokeai_workflow: JSON.stringify(row.definition) } };
  }
  if (body.workflow !== undefined)
    return { definition: body.workflow, workflowId: null, pngText: { invokeai_workflow: JSON.stringify(body.workflow) } };
  if (body.graph !== undefined)
    return { definition: graphToWorkflow(body.graph), workflowId: null, pngText: { invokeai_graph: JSON.stringify(body.graph) } };
  const batch = body.batch!;
  if ((batch.runs ?? 1) !== 1)
    throw errors.error('INVALID_PARAMETERS', 'batch.runs must be 1; for more images set inputs.batch_size', { field: 'batch.runs' });
  if (batch.data?.length)
    throw errors.error('INVALID_PARAMETERS', 'Batch substitutions (batch.data) are not supported; send one graph per run', {
      field: 'batch.data',
    });
  const sentWorkflow = (batch as { workflow?: unknown }).workflow;
  return {
    definition: graphToWorkflow(batch.graph, 'batch.graph'),
    workflowId: null,
    pngText: {
      invokeai_graph: JSON.stringify(batch.graph),
      ...(sentWorkflow && typeof sentWorkflow === 'object' ? { invokeai_workflow: JSON.stringify(sentWorkflow) } : {}),
    },
  };
}

/**
 * Runs an enqueue, naming the workflow's node and `inputs.<side>` when the size it set is out of
 * the model's range (the generate routes' own message says plain `width`).
 */
function sizeNamed(mapped: MappedWorkflow, inputs: WorkflowInputs, body: Record<string, unknown>) {
  return async <T>(enqueue: () => Promise<T>): Promise<T> => {
    try {
      return await enqueue();
    } catch (err) {
      const field = err instanceof AppError ? err.details?.field : undefined;
      if (
        !(err instanceof AppError) ||
        (field !== 'width' && field !== 'height') ||
        inputs[field] !== undefined ||
        mapped.sizeNode === null
      )
        throw err;
      throw new AppError(
        400,
        err.code,
        `The workflow's node ${mapped.sizeNode} sets ${field} ${JSON.stringify(body[field])}: ${err.message}; change it there or pass inputs.${field}`,
        {
          ...err.details,
          field: `inputs.${field}`,
          node_id: mapped.sizeNode,
          source: 'workflow',
        },
      );
    }
  };
}

const RUN_DESCRIPTION =
  'Runs an InvokeAI workflow as one generation: a saved one (`workflow_id`, yours or a public one), one sent inline (`workflow`, the editor format), ' +
  "or InvokeAI's execution graph (`graph`, or `batch.graph` exactly as its `enqueue_batch` sends it). The graph must end in one image: " +
  '`l2i` after `denoise_latents` (text to image; image to image when its latents come from `i2l`, strength = 1 - `denoising_start`), or an upscaler (`esrgan`, `spandrel_image_to_image`). ' +
  "Its noise may take its size from `i2l` (InvokeAI's image-to-image wiring); `sdxl_compel_prompt` sets SDXL's size conditioning (original, crop, target); an empty prompt runs, as in InvokeAI. " +
  `Node types run: ${SUPPORTED_NODE_TYPES.join(', ')} (and notes); any other is refused with \`INVALID_PARAMETERS\` and \`details.unsupported_node_types\`. ` +
  `Schedulers: ${Object.entries(INVOKE_SCHEDULERS)
    .map(([k, v]) => (k === v ? k : `${k} (as ${v})`))
    .join(', ')}. ` +
  "The model is the loader's model name as installed here (GET /models); `inputs` replace what the workflow sets and are checked like the fields of the matching generate route. " +
  'The job and its images record the workflow id (`params.workflow_id`, `metadata.workflow_id`).';

/** /workflows/** (saved InvokeAI workflows) and POST /generate/workflow (running one). */
export async function workflowRoutes(
  app: FamilyApp,
  workflows: WorkflowService,
  images: ImageService,
  requests: GenerationRequests,
): Promise<void> {
  const summary = (r: WorkflowRow, me: string) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    is_public: r.isPublic,
    is_mine: r.userId === me,
    owner_id: r.userId,
    definition_size: r.definitionSize,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  });
  const detail = (r: WorkflowRow, me: string) => ({ ...summary(r, me), definition: r.definition });

  app.get(
    '/api/v1/workflows',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Your workflows and other accounts' public ones, newest first (워크플로우 목록)",
        description: 'Items leave out `definition` (GET /workflows/{workflow_id} has it); `mine=true` lists only yours.',
        querystring: WorkflowsQuery,
        response: {
          200: PagedEnvelope(Type.Array(WorkflowSummary)),
          ...errorResponses(['validation: per_page over 100...']),
        },
      },
    },
    async (request) => {
      const me = currentUser(request).id;
      const { page, perPage, offset } = pageOf(request.query);
      const { rows, total } = workflows.list(me, { mineOnly: request.query.mine ?? false, limit: perPage, offset });
      return paged(
        rows.map((r) => summary(r, me)),
        { page, per_page: perPage, total },
      );
    },
  );

  app.post(
    '/api/v1/workflows',
    {
      onRequest: signedIn,
      bodyLimit: WORKFLOW_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Save an InvokeAI workflow (워크플로우 생성)',
        description:
          'The definition is stored as sent and counts against your storage. It is not checked for what the engine runs until POST /generate/workflow.',
        body: CreateWorkflowBody,
        response: { 201: Envelope(WorkflowDetail), ...errorResponses(SAVE_ERRORS) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      const { name, description, definition } = createFields(b);
      const row = workflows.create(user, { name, description, definition, isPublic: b.is_public ?? false });
      return reply.code(201).send(ok(detail(row, user.id)));
    },
  );

  app.get(
    '/api/v1/workflows/:workflow_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'One workflow with its definition (워크플로우 상세): yours or a public one',
        params: WorkflowParams,
        response: {
          200: Envelope(WorkflowDetail),
          ...errorResponses([...NOT_MINE, "FORBIDDEN: another account's private workflow"]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request).id;
      return ok(detail(workflows.visible(me, request.params.workflow_id), me));
    },
  );

  app.patch(
    '/api/v1/workflows/:workflow_id',
    {
      onRequest: signedIn,
      bodyLimit: WORKFLOW_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Rename, describe, replace the definition of or publish one of your workflows (워크플로우 수정)',
        params: WorkflowParams,
        body: PatchWorkflowBody,
        response: {
          200: Envelope(WorkflowDetail),
          ...errorResponses([
            ...SAVE_ERRORS,
            'validation: nothing to change',
            "FORBIDDEN: another account's workflow (public ones too)",
            'NOT_FOUND',
          ]),
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const row = workflows.owned(user.id, request.params.workflow_id);
      const b = request.body;
      const updated = workflows.update(user, row, {
        name: b.name?.trim(),
        description: b.description === undefined ? undefined : b.description?.trim() || null,
        definition: b.definition,
        isPublic: b.is_public,
      });
      return ok(detail(updated, user.id));
    },
  );

  app.delete(
    '/api/v1/workflows/:workflow_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete one of your workflows (워크플로우 삭제); images made with it stay',
        params: WorkflowParams,
        response: {
          200: Envelope(Type.Object({ id: Type.String(), deleted: Type.Literal(true) })),
          ...errorResponses([...NOT_MINE, "FORBIDDEN: another account's workflow (public ones too)"]),
        },
      },
    },
    async (request) => {
      const row = workflows.owned(currentUser(request).id, request.params.workflow_id);
      workflows.delete(row);
      return ok({ id: row.id, deleted: true as const });
    },
  );

  app.post(
    '/api/v1/generate/workflow',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config: runConfig,
      schema: generateSchema('Run a saved workflow (워크플로우 실행)', RUN_DESCRIPTION, RunWorkflowBody, [
        ...GENERATE_ERRORS,
        "INVALID_PARAMETERS: a workflow the engine cannot run: node types it does not run (`details.unsupported_node_types`), an unsupported scheduler or setting (`details.node_id`, `details.field`), an empty model or prompt with no input to fill it, an input that does not apply to the workflow's kind",
        "FORBIDDEN: another account's private workflow",
        'NOT_FOUND: no such workflow, or the image its image node names is not in your gallery (`details.field`: `inputs.image_id`)',
      ]),
    },
    async (request, reply) => {
      const user = currentUser(request);
      const inputs = (request.body.inputs ?? {}) as WorkflowInputs;
      const { definition, workflowId, pngText } = runDefinition(request.body, (id) => workflows.visible(user.id, id));
      const mapped = mapWorkflow(definition);
      const req = workflowRequest(mapped, inputs);
      // An image the workflow names by id (InvokeAI's `<uuid>.png`) that this gallery lacks: say where it came from.
      const named = inputs.image_id === undefined ? (req.body.source_image ?? req.body.image) : undefined;
      if (typeof named === 'string' && !images.get(named)) {
        throw errors.error(
          'NOT_FOUND',
          `The workflow's image node names image ${named}, which is not in your gallery; pass inputs.image_id`,
          { field: 'inputs.image_id', image_id: named },
        );
      }
      const origin = workflowId
        ? { workflowId, params: { workflow_id: workflowId }, pngText }
        : { params: { workflow: 'inline' }, pngText };
      if (req.mode === 'upscale')
        return requests.accept(request, reply, await requests.upscale(user, checked(UpscaleBody, req, inputs), origin));
      const enqueue = sizeNamed(mapped, inputs, req.body);
      if (req.mode === 'image_to_image') {
        const body = checked(WorkflowImageToImageBody, req, inputs);
        checkLoader(req.loader, requests.mainModel(user, body.model));
        const chained = req.upscaleFirst ? { ...origin, upscaleFirst: req.upscaleFirst } : origin;
        return requests.accept(request, reply, await enqueue(() => requests.imageToImage(user, body, chained)));
      }
      const body = checked(WorkflowTextToImageBody, req, inputs);
      checkLoader(req.loader, requests.mainModel(user, body.model));
      return requests.accept(request, reply, await enqueue(() => requests.textToImage(user, body, origin)));
    },
  );
}
