import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { canvasWorkflows, users } from '../../src-server/db/schema';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { readPngText } from '../../src-server/families/canvas/images/png-text';
import { errorOf, pathOf, settled, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

type Workflow = {
  nodes: { id: string; data: { type: string; label?: string; inputs: Record<string, { name: string; value?: unknown }> } }[];
  edges: { source: string; target: string; targetHandle?: string }[];
} & Record<string, unknown>;

const fixture = (name: string): Workflow => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', name), 'utf8'));
const setValue = (w: Workflow, type: string, field: string, value: unknown) => {
  w.nodes.find((n) => n.data.type === type)!.data.inputs[field] = { name: field, value };
  return w;
};

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
const { as, models } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

async function saved(user: CanvasUser, definition: object, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await as(user).post('/api/v1/workflows', { name: 'Workflow', definition, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.id;
}

const run = (user: CanvasUser | null, body: Record<string, unknown>) => as(user).post('/api/v1/generate/workflow', body);

/** The SD 1.5 text-to-image fixture on the tiny model, small and with a fixed seed. */
function tinySd15(): Workflow {
  const w = fixture('text-to-image-sd15.json');
  setValue(w, 'main_model_loader', 'model', { key: 'tiny-sd1', hash: 'random', name: 'tiny-sd1', base: 'sd-1', type: 'main' });
  setValue(w, 'noise', 'width', 64);
  setValue(w, 'noise', 'height', 48);
  setValue(w, 'noise', 'seed', 4321);
  setValue(w, 'denoise_latents', 'steps', 3);
  const seedNode = w.nodes.find((n) => n.data.type === 'rand_int')!;
  w.edges = w.edges.filter((e) => e.source !== seedNode.id);
  return w;
}

/** A 202 with the other generate routes' body; the job is cancelled so the next request is not over the Free plan's queue. */
async function queued(res: LightMyRequestResponse, user: CanvasUser) {
  expect(res.statusCode, res.body).toBe(202);
  const data = res.json().data;
  expect(data).toEqual({
    job_id: expect.any(String),
    status: 'queued',
    queue_position: expect.any(Number),
    estimated_wait_seconds: expect.any(Number),
    estimated_credits: expect.any(Number),
    websocket_channel: `user:${user.id}`,
    model: expect.any(String),
  });
  const detail = (await as(user).get(`/api/v1/queue/items/${data.job_id}`)).json().data;
  await as(user).delete(`/api/v1/queue/items/${data.job_id}`);
  t.clock.advance(61_000);
  return detail;
}

const bad = (res: LightMyRequestResponse, details?: unknown) => {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', details));
  return res.json().error.message as string;
};

describe('POST /generate/workflow', () => {
  it('runs the saved SD 1.5 default workflow unchanged (DPM++ SDE Karras) to a finished image with its seed, steps, size and scheduler, and its id', async () => {
    const id = await saved(alice, tinySd15());
    const res = await run(alice, { workflow_id: id, inputs: { prompt: 'a red fox in the snow' } });
    expect(res.statusCode, res.body).toBe(202);
    const jobId = res.json().data.job_id;
    expect(res.json().data).toMatchObject({ status: 'queued', queue_position: 1, websocket_channel: `user:${alice.id}` });
    const job = await settled(t.app, jobId);
    expect(job.status, job.error ?? '').toBe('completed');

    const detail = (await as(alice).get(`/api/v1/queue/items/${jobId}`)).json().data;
    expect(detail).toMatchObject({
      job_type: 'text_to_image',
      params: {
        workflow_id: id,
        prompt: 'a red fox in the snow',
        negative_prompt: 'blurry, low quality, watermark',
        model: 'tiny-sd1',
        seed: 4321,
        steps: 3,
        width: 64,
        height: 48,
        sampler: 'dpmpp_sde_karras',
        cfg_scale: 7.5,
      },
    });
    const image = (await as(alice).get(`/api/v1/images/${detail.result.image_id}`)).json().data;
    expect(image).toMatchObject({
      width: 64,
      height: 48,
      metadata: { workflow_id: id, seed: 4321, steps: 3, sampler: 'dpmpp_sde_karras', prompt: 'a red fox in the snow', model: 'tiny-sd1' },
    });
    const png = (await t.app.inject({ method: 'GET', url: pathOf(detail.result.image_url) })).rawPayload;
    expect((await sharp(png).metadata()).width).toBe(64);
    const text = readPngText(png);
    expect(text.parameters).toContain('Steps: 3, Sampler: DPM++ SDE Karras, CFG scale: 7.5, Seed: 4321, Size: 64x48, Model: tiny-sd1');
    // InvokeAI opens it with its settings and the workflow that made it.
    expect(JSON.parse(text.invokeai_metadata!)).toMatchObject({
      generation_mode: 'txt2img',
      positive_prompt: 'a red fox in the snow',
      seed: 4321,
      steps: 3,
      scheduler: 'dpmpp_sde_k',
      width: 64,
      height: 48,
    });
    expect(JSON.parse(text.invokeai_workflow!)).toEqual(tinySd15());
    // Charged like any generation.
    const credits = (await as(alice).get('/api/v1/users/me/credits')).json().data;
    expect([credits.reserved, credits.balance]).toEqual([0, 500 - detail.credits_used]);
  });

  it('maps image-to-image and upscale workflows onto their routes, with a base64 image_id past the text cap', async () => {
    const hold = t.holdGpu();
    // Pseudo-random pixels (a fixed LCG) do not compress: a base64 PNG well past 10,000 characters.
    let state = 12345;
    const noise = () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
    const noisy = await sharp(Buffer.from(Array.from({ length: 200 * 100 * 3 }, noise)), { raw: { width: 200, height: 100, channels: 3 } })
      .png()
      .toBuffer();
    const b64 = noisy.toString('base64');
    expect(b64.length).toBeGreaterThan(10_000);

    const i2i = setValue(
      setValue(
        setValue(fixture('image-to-image-sd15.json'), 'main_model_loader', 'model', { name: 'tiny-sd1' }),
        'img_resize',
        'width',
        64,
      ),
      'img_resize',
      'height',
      32,
    );
    setValue(i2i, 'noise', 'width', 64);
    const i2iId = await saved(alice, i2i);
    // The image node names an InvokeAI image, not one of this gallery.
    let res = await run(alice, { workflow_id: i2iId });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('NOT_FOUND', { field: 'inputs.image_id', image_id: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c' }));
    let detail = await queued(await run(alice, { workflow_id: i2iId, inputs: { image_id: b64 } }), alice);
    expect(detail).toMatchObject({
      job_type: 'image_to_image',
      params: {
        workflow_id: i2iId,
        strength: 0.65,
        width: 64,
        height: 32,
        seed: 424242,
        sampler: 'ddim',
        source_image: `base64 (${noisy.length} bytes)`,
      },
    });

    const upId = await saved(alice, fixture('upscale-esrgan.json'));
    res = await run(alice, { workflow_id: upId, inputs: { image_id: b64 } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'RealESRGAN_x2plus' }));
    detail = await queued(await run(alice, { workflow_id: upId, inputs: { image_id: b64, model: 'tiny-x2' } }), alice);
    expect(detail).toMatchObject({ job_type: 'upscale', params: { workflow_id: upId, scale: 2, model: 'tiny-x2' } });
    bad(await run(alice, { workflow_id: upId, inputs: { image_id: b64, model: 'tiny-x2', steps: 20 } }), {
      field: 'inputs.steps',
      mode: 'upscale',
    });
    res = await run(alice, { workflow_id: upId, inputs: { image_id: b64, model: 'tiny-sd1' } });
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'model' }));
    hold.release();
  });

  it('refuses unsupported node types, unknown inputs, bad values from the workflow or the inputs, a mismatched loader', async () => {
    const hold = t.holdGpu();
    // InvokeAI's own SDXL default loads its VAE separately.
    const withVae = fixture('text-to-image-sdxl.json');
    withVae.nodes.push({ id: 'lora', data: { type: 'ip_adapter', inputs: {} }, type: 'invocation' } as Workflow['nodes'][number]);
    const vaeId = await saved(alice, withVae);
    const message = bad(await run(alice, { workflow_id: vaeId }), {
      unsupported_node_types: ['ip_adapter'],
      supported_node_types: expect.arrayContaining(['denoise_latents', 'esrgan', 'vae_loader']),
    });
    expect(message).toMatch(/ip_adapter/);

    const sd15 = await saved(alice, fixture('text-to-image-sd15.json'));
    let res = await run(alice, { workflow_id: sd15 });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'stable-diffusion-v1-5' }));
    // The workflow's 512×768 is out of the tiny model's bounds: the same size check as text-to-image.
    // Named where it comes from: the noise node, and the input that would replace it.
    const noiseId = fixture('text-to-image-sd15.json').nodes.find((n) => n.data.type === 'noise')!.id;
    expect(
      bad(await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1' } }), {
        field: 'inputs.width',
        node_id: noiseId,
        source: 'workflow',
        min: 32,
        max: 128,
        multiple_of: 8,
      }),
    ).toMatch(new RegExp(`node ${noiseId} sets width 512: .*pass inputs\\.width`));
    bad(await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1', width: 4096 } }), {
      field: 'width',
      min: 32,
      max: 128,
      multiple_of: 8,
    });
    const detail = await queued(
      await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1', width: 64, height: 64, seed: 99 } }),
      alice,
    );
    expect(detail.params).toMatchObject({ workflow_id: sd15, seed: 99, steps: 30 });

    // Fields the spec does not have are ignored (as the seed's Pydantic did): the next problem is the workflow's size.
    bad(await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1', hires_fix: true } }), {
      field: 'inputs.width',
      node_id: noiseId,
      source: 'workflow',
      min: 32,
      max: 128,
      multiple_of: 8,
    });
    bad(await run(alice, { workflow_id: sd15, extra: 1, inputs: { model: 'tiny-sd1' } }), {
      field: 'inputs.width',
      node_id: noiseId,
      source: 'workflow',
      min: 32,
      max: 128,
      multiple_of: 8,
    });
    expect(bad(await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1', steps: 0 } }))).toMatch(/steps/);
    bad(await run(alice, { workflow_id: sd15, inputs: { model: 'tiny-sd1', strength: 0.5 } }), {
      field: 'inputs.strength',
      mode: 'text_to_image',
    });
    const tooMany = await saved(alice, setValue(tinySd15(), 'denoise_latents', 'steps', 500));
    expect(bad(await run(alice, { workflow_id: tooMany }), { field: 'steps', source: 'workflow' })).toMatch(/The workflow's steps \(500\)/);
    const noNegative = await saved(alice, setValue(tinySd15(), 'compel', 'prompt', ''));
    // The first compel node is the negative prompt; blank the positive one.
    const positive = fixture('text-to-image-sd15.json').nodes.find((n) => n.data.label === 'Positive Compel Prompt');
    const noPrompt = tinySd15();
    noPrompt.nodes.find((n) => n.id === positive!.id)!.data.inputs.prompt = { name: 'prompt', value: '  ' };
    const noPromptId = await saved(alice, noPrompt);
    // InvokeAI runs a blank prompt (unconditioned by text); so does the engine.
    expect((await queued(await run(alice, { workflow_id: noPromptId }), alice)).params).toMatchObject({ prompt: '  ' });
    await queued(await run(alice, { workflow_id: noPromptId, inputs: { prompt: 'a fox' } }), alice);
    await queued(await run(alice, { workflow_id: noNegative }), alice);
    const kdpm = await saved(alice, setValue(tinySd15(), 'denoise_latents', 'scheduler', 'kdpm_2_a'));
    bad(await run(alice, { workflow_id: kdpm }), expect.objectContaining({ field: 'scheduler', value: 'kdpm_2_a' }));

    const sdxl = await saved(alice, setValue(fixture('text-to-image-sdxl.json'), 'sdxl_model_loader', 'model', { name: 'tiny-sd1' }));
    expect(bad(await run(alice, { workflow_id: sdxl }), { field: 'model', loader: 'sdxl_model_loader' })).toMatch(/SDXL/);
    const sdxlTiny = await saved(alice, setValue(fixture('text-to-image-sdxl.json'), 'sdxl_model_loader', 'model', { name: 'tiny-sdxl' }));
    res = await run(alice, { workflow_id: sdxlTiny, inputs: { width: 128, height: 128 } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('MODEL_NOT_AVAILABLE', { model: 'tiny-sdxl', min_tier: 'starter', tier: 'free' }));
    t.app.db.update(users).set({ tier: 'starter' }).where(eq(users.id, alice.id)).run();
    const sdxlDetail = await queued(await run(alice, { workflow_id: sdxlTiny, inputs: { width: 128, height: 128, steps: 2 } }), alice);
    expect(sdxlDetail.params).toMatchObject({
      prompt: 'Super cute tiger cub, fierce, traditional chinese watercolor',
      negative_prompt: 'photograph',
      sampler: 'euler',
      cfg_scale: 6,
      seed: -1,
    });
    hold.release();
  });

  it("runs others' public workflows but not their private ones; NOT_FOUND, 401, STORAGE_EXCEEDED as the other routes", async () => {
    const hold = t.holdGpu();
    const pub = await saved(bob, tinySd15(), { is_public: true });
    const priv = await saved(bob, tinySd15());
    const detail = await queued(await run(alice, { workflow_id: pub }), alice);
    expect(detail.params.workflow_id).toBe(pub);
    let res = await run(alice, { workflow_id: priv });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    res = await run(alice, { workflow_id: '00000000-0000-4000-8000-000000000000' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('NOT_FOUND'));
    const nothing = (await run(alice, {})).json();
    expect(nothing).toEqual(
      errorOf('INVALID_PARAMETERS', { field: 'workflow_id', expected: ['workflow_id', 'workflow', 'graph', 'batch'] }),
    );
    expect(nothing.error.message).toMatch(/"workflow_id".*"workflow".*"graph".*"batch"/);
    expect((await run(null, { workflow_id: pub })).statusCode).toBe(401);

    // Workflows fill the storage that generations need too.
    t.app.db
      .update(canvasWorkflows)
      .set({ definitionSize: 5 * 1024 ** 3 })
      .where(eq(canvasWorkflows.id, priv))
      .run();
    res = await run(bob, { workflow_id: priv });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('STORAGE_EXCEEDED');
    expect((await as(bob).get('/api/v1/storage/usage')).json().data.used_percentage).toBeGreaterThanOrEqual(100);
    hold.release();
  });

  it("takes InvokeAI's own request shapes: an inline workflow, its execution graph, its enqueue_batch body, and {workflow} on save", async () => {
    const hold = t.holdGpu();
    const w = tinySd15();
    const graph = {
      nodes: Object.fromEntries(
        w.nodes.map((n) => [
          n.id,
          {
            id: n.id,
            type: n.data.type,
            ...Object.fromEntries(
              Object.entries(n.data.inputs)
                .filter(([, f]) => f.value !== undefined)
                .map(([k, f]) => [k, f.value]),
            ),
          },
        ]),
      ),
      edges: (w.edges as { source: string; target: string; sourceHandle?: string; targetHandle?: string; type?: string }[])
        .filter((e) => e.type !== 'collapsed')
        .map((e) => ({ source: { node_id: e.source, field: e.sourceHandle }, destination: { node_id: e.target, field: e.targetHandle } })),
    };
    const expected = { model: 'tiny-sd1', seed: 4321, steps: 3, width: 64, height: 48, sampler: 'dpmpp_sde_karras', workflow: 'inline' };
    expect((await queued(await run(alice, { workflow: w }), alice)).params).toMatchObject(expected);
    expect((await queued(await run(alice, { graph }), alice)).params).toMatchObject(expected);
    const batch = { graph, runs: 1, workflow: w, origin: 'workflows', destination: 'gallery' };
    expect((await queued(await run(alice, { batch, inputs: { seed: 5 } }), alice)).params).toMatchObject({ ...expected, seed: 5 });
    expect(bad(await run(alice, { batch: { ...batch, runs: 3 } }), { field: 'batch.runs' })).toMatch(/inputs\.batch_size/);
    expect(
      bad(await run(alice, { batch: { ...batch, data: [[{ node_path: 'x', field_name: 'seed', items: [1, 2] }]] } }), {
        field: 'batch.data',
      }),
    ).toMatch(/substitutions/);
    expect(bad(await run(alice, { graph: { nodes: [] } }), { field: 'graph' })).toMatch(/InvokeAI graph/);
    const id = await saved(alice, w);
    bad(await run(alice, { workflow_id: id, workflow: w }), { field: 'workflow', expected: ['workflow_id', 'workflow', 'graph', 'batch'] });

    // InvokeAI's POST /workflows body is {workflow}: its name and description come along.
    let res = await as(alice).post('/api/v1/workflows', { workflow: { ...w, name: 'Tiger cub', description: 'From InvokeAI' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({
      name: 'Tiger cub',
      description: 'From InvokeAI',
      definition: { name: 'Tiger cub', nodes: w.nodes },
    });
    res = await as(alice).post('/api/v1/workflows', { name: 'Renamed', workflow: { ...w, name: 'Tiger cub' } });
    expect(res.json().data.name).toBe('Renamed');
    res = await as(alice).post('/api/v1/workflows', { workflow: { ...w, name: '' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/no usable name.*send `name`/);
    res = await as(alice).post('/api/v1/workflows', { name: 'Nothing' });
    expect(res.json().error.message).toMatch(/"definition".*"workflow"/);
    hold.release();
  });

  it('decodes with a separately installed VAE: listed as type vae, chosen per generation or by a vae_loader, named in the image', async () => {
    // A standalone VAE: the tiny model's decoder on its own, as an AutoencoderKL export lays it out.
    const vaeDir = path.join(models().dir, 'vae-only');
    fs.cpSync(path.join(models().sd1, 'vae_decoder'), path.join(vaeDir, 'vae_decoder'), { recursive: true });
    await new ModelCatalog(t.app.config.dataDir, PLAN_ORDER).installFromFolder(vaeDir, { id: 'tiny-vae', type: 'vae' });
    const listed = (await as(alice).get('/api/v1/models?type=vae')).json().data;
    expect(listed).toEqual([expect.objectContaining({ name: 'tiny-vae', type: 'vae', is_available: true })]);

    const res = await as(alice).post('/api/v1/generate/text-to-image', {
      prompt: 'a fox',
      model: 'tiny-sd1',
      vae: 'tiny-vae',
      width: 64,
      height: 64,
      steps: 2,
      seed: 5,
    });
    expect(res.statusCode, res.body).toBe(202);
    const job = await settled(t.app, res.json().data.job_id);
    expect(job.status, job.error ?? '').toBe('completed');
    const detail = (await as(alice).get(`/api/v1/queue/items/${job.id}`)).json().data;
    const image = (await as(alice).get(`/api/v1/images/${detail.result.image_id}`)).json().data;
    expect(image.metadata).toMatchObject({ vae: 'tiny-vae' });
    const text = readPngText((await t.app.inject({ method: 'GET', url: pathOf(detail.result.image_url) })).rawPayload);
    expect(text.parameters).toContain('VAE: tiny-vae');
    expect(JSON.parse(text.invokeai_metadata!).vae).toMatchObject({ name: 'tiny-vae', type: 'vae' });
    t.clock.advance(61_000);

    let bad404 = await as(alice).post('/api/v1/generate/text-to-image', { prompt: 'a fox', model: 'tiny-sd1', vae: 'no-such-vae' });
    expect(bad404.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'no-such-vae' }));
    bad404 = await as(alice).post('/api/v1/generate/text-to-image', { prompt: 'a fox', model: 'tiny-sd1', vae: 'tiny-sd1' });
    expect(bad404.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'vae' }));
    expect(bad404.json().error.message).toMatch(/is an image model; this endpoint needs a VAE/);
  });

  it('conditions SDXL on the size a workflow or a request sets, and refuses those fields for SD 1.x', async () => {
    const hold = t.holdGpu();
    t.app.db.update(users).set({ tier: 'starter' }).where(eq(users.id, alice.id)).run();
    const sdxl = setValue(fixture('text-to-image-sdxl.json'), 'sdxl_model_loader', 'model', { name: 'tiny-sdxl' });
    for (const n of sdxl.nodes.filter((x) => x.data.type === 'sdxl_compel_prompt'))
      n.data.inputs.original_width = { name: 'original_width', value: 2048 };
    const detail = await queued(
      await run(alice, { workflow_id: await saved(alice, sdxl), inputs: { width: 128, height: 128, steps: 2 } }),
      alice,
    );
    expect(detail.params).toMatchObject({
      original_width: 2048,
      original_height: 1024,
      crop_top: 0,
      crop_left: 0,
      target_width: 1024,
      target_height: 1024,
    });

    const direct = await queued(
      await as(alice).post('/api/v1/generate/text-to-image', {
        prompt: 'a fox',
        model: 'tiny-sdxl',
        width: 128,
        height: 128,
        crop_top: 32,
      }),
      alice,
    );
    expect(direct.params).toMatchObject({ crop_top: 32 });
    const res = await as(alice).post('/api/v1/generate/text-to-image', {
      prompt: 'a fox',
      model: 'tiny-sd1',
      original_width: 1024,
      target_height: 512,
    });
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'original_width', fields: ['original_width', 'target_height'] }));
    expect(res.json().error.message).toMatch(/condition SDXL models.*"tiny-sd1" is sd-1/);
    hold.release();
  });
});
