import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src-server/http/errors';
import {
  checkLoader,
  galleryIdOf,
  graphToWorkflow,
  mapWorkflow,
  workflowRequest,
} from '../../src-server/families/canvas/workflows/invoke-graph';

type Workflow = {
  nodes: { id: string; type: string; data: { type: string; inputs: Record<string, { name: string; value?: unknown }> } }[];
  edges: Record<string, unknown>[];
} & Record<string, unknown>;

const fixture = (name: string): Workflow => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', name), 'utf8'));

const nodeOf = (w: Workflow, type: string) => w.nodes.find((n) => n.data.type === type)!;
const setValue = (w: Workflow, type: string, field: string, value: unknown) => {
  nodeOf(w, type).data.inputs[field] = { name: field, value };
  return w;
};

/** The INVALID_PARAMETERS refusal `fn` throws. */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_PARAMETERS');
    expect((err as AppError).statusCode).toBe(400);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('mapWorkflow on InvokeAI workflows', () => {
  it('reads the SD 1.5 text-to-image graph: model, both prompts, noise size, random seed, steps, cfg, Karras scheduler', () => {
    expect(mapWorkflow(fixture('text-to-image-sd15.json'))).toEqual({
      mode: 'text_to_image',
      model: 'stable-diffusion-v1-5',
      loader: 'main_model_loader',
      prompt: 'Super cute tiger cub, national geographic award-winning photograph',
      negativePrompt: 'blurry, low quality, watermark',
      width: 512,
      height: 768,
      seed: -1,
      steps: 30,
      cfgScale: 7.5,
      sampler: 'dpmpp_sde_karras',
      scheduler: { value: 'dpmpp_sde_k', nodeId: 'eea2702a-19fb-45b5-9d75-56b4211ec03c' },
      strength: null,
      image: null,
      scale: null,
      vae: null,
      vaeNode: null,
      sdxlSize: null,
      sizeNode: '55705012-79b9-4aac-9f26-c0b10309785b',
      loras: [],
      control: null,
      upscaleFirst: null,
    });
  });

  it('reads the canny ControlNet workflow: image → canny_image_processor → controlnet → denoise_latents.control', () => {
    const mapped = mapWorkflow(fixture('text-to-image-canny-sd15.json'));
    expect(mapped.control).toEqual({
      nodeId: 'c3e9a4f6-3333-4d8c-9e5f-7a9b1c2d3e4f',
      model: 'sd15-canny',
      weight: 1,
      begin: 0,
      end: 1,
      image: '5c0ffee0-0000-4000-8000-000000000000',
      preprocessor: 'canny',
      lowThreshold: 100,
      highThreshold: 200,
      fromUpscaled: false,
    });
    expect(workflowRequest(mapped, {}).body.controlnet).toMatchObject({
      model: 'sd15-canny',
      preprocessor: 'canny',
      image: '5c0ffee0-0000-4000-8000-000000000000',
    });
    const other = setValue(fixture('text-to-image-canny-sd15.json'), 'controlnet', 'control_mode', 'more_control');
    expect(refusal(() => mapWorkflow(other)).details).toMatchObject({ field: 'control_mode' });
  });

  it('reads the LoRA workflow: the lora_loader between the model loader and its unet/clip readers', () => {
    const lora = mapWorkflow(fixture('text-to-image-lora-sd15.json'));
    expect(lora).toMatchObject({ model: 'stable-diffusion-v1-5', loras: [{ name: 'add-detail', weight: 0.75 }] });
    expect(workflowRequest(lora, {}).body.loras).toEqual([{ name: 'add-detail', weight: 0.75 }]);
  });

  it("runs InvokeAI's SDXL default scheduler, dpmpp_2m_sde_k, as DPM++ 2M SDE Karras", () => {
    expect(mapWorkflow(setValue(fixture('text-to-image-sdxl.json'), 'denoise_latents', 'scheduler', 'dpmpp_2m_sde_k'))).toMatchObject({
      sampler: 'dpmpp_2m_sde_karras',
    });
  });

  // InvokeAI's scheduler list (invokeai/backend/stable_diffusion/schedulers/schedulers.py).
  const INVOKE_RUN: Record<string, string> = {
    ddim: 'ddim',
    deis: 'deis',
    deis_k: 'deis_karras',
    lms: 'lms',
    lms_k: 'lms_karras',
    heun: 'heun',
    heun_k: 'heun_karras',
    euler: 'euler',
    euler_k: 'euler_karras',
    euler_a: 'euler_a',
    dpmpp_2m: 'dpmpp_2m',
    dpmpp_2m_k: 'dpmpp_2m_karras',
    dpmpp_2m_sde: 'dpmpp_2m_sde',
    dpmpp_2m_sde_k: 'dpmpp_2m_sde_karras',
    dpmpp_sde: 'dpmpp_sde',
    dpmpp_sde_k: 'dpmpp_sde_karras',
    unipc: 'unipc',
    unipc_k: 'unipc_karras',
    lcm: 'lcm',
  };
  const INVOKE_REFUSED = [
    'ddpm',
    'pndm',
    'kdpm_2',
    'kdpm_2_k',
    'kdpm_2_a',
    'kdpm_2_a_k',
    'dpmpp_2s',
    'dpmpp_2s_k',
    'dpmpp_3m',
    'dpmpp_3m_k',
    'tcd',
  ];

  it.each(Object.entries(INVOKE_RUN))('runs InvokeAI scheduler %s as %s', (scheduler, sampler) => {
    const workflow = setValue(fixture('text-to-image-sd15.json'), 'denoise_latents', 'scheduler', scheduler);
    expect(mapWorkflow(workflow)).toMatchObject({ sampler });
    expect(workflowRequest(mapWorkflow(workflow), { model: 'tiny' }).body).toMatchObject({ sampler });
  });

  it.each(INVOKE_REFUSED)('refuses InvokeAI scheduler %s by name', (scheduler) => {
    const workflow = setValue(fixture('text-to-image-sd15.json'), 'denoise_latents', 'scheduler', scheduler);
    expect(mapWorkflow(workflow)).toMatchObject({ sampler: null });
    expect(() => workflowRequest(mapWorkflow(workflow), { model: 'tiny' })).toThrow(new RegExp(`"${scheduler}"`));
  });

  it('reads the SDXL graph: prompts from string primitives, style joined from them, collapsed edges skipped', () => {
    expect(mapWorkflow(fixture('text-to-image-sdxl.json'))).toMatchObject({
      mode: 'text_to_image',
      model: 'stable-diffusion-xl-base-1-0',
      loader: 'sdxl_model_loader',
      prompt: 'Super cute tiger cub, fierce, traditional chinese watercolor',
      negativePrompt: 'photograph',
      width: 1024,
      height: 1024,
      seed: -1,
      steps: 32,
      cfgScale: 6,
      sampler: 'euler',
    });
  });

  it('reads image to image: strength = 1 - denoising_start, size from img_resize, seed from an integer node, gallery id from the image name', () => {
    expect(mapWorkflow(fixture('image-to-image-sd15.json'))).toMatchObject({
      mode: 'image_to_image',
      prompt: 'the same scene as an oil painting',
      negativePrompt: '',
      width: 512,
      height: 512,
      seed: 424242,
      steps: 25,
      cfgScale: 7,
      sampler: 'ddim',
      strength: 0.65,
      image: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c',
    });
  });

  it('reads an esrgan upscale with its factor from the model file name', () => {
    expect(mapWorkflow(fixture('upscale-esrgan.json'))).toMatchObject({
      mode: 'upscale',
      model: 'RealESRGAN_x2plus',
      scale: 2,
      image: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c',
      prompt: null,
    });
  });

  it("reads InvokeAI's ESRGAN upscaling with canny: esrgan feeds i2l and canny, its size through integer_math/float_to_int", () => {
    const w = fixture('esrgan-upscaling-canny-sd15.json');
    const esrgan = nodeOf(w, 'esrgan');
    const mapped = mapWorkflow(w);
    expect(mapped).toMatchObject({
      mode: 'image_to_image',
      model: 'Deliberate_v5',
      prompt: '',
      strength: 0.35,
      sampler: 'dpmpp_sde_karras',
      width: null,
      height: null,
      upscaleFirst: { nodeId: esrgan.id, nodeType: 'esrgan', model: 'RealESRGAN_x2plus', scale: 2 },
      control: { model: 'sd-controlnet-canny', weight: 0.95, begin: 0.1, end: 0.9, preprocessor: 'canny', image: null, fromUpscaled: true },
    });
    const req = workflowRequest(mapped, { model: 'tiny-sd1', image_id: 'abc', upscaler: 'tiny-x2', control_model: 'tiny-canny' });
    expect(req.upscaleFirst).toEqual({ nodeId: esrgan.id, nodeType: 'esrgan', model: 'tiny-x2', scale: 2, control: true });
    expect(req.body).toMatchObject({ source_image: 'abc', controlnet: { model: 'tiny-canny', image: 'abc', preprocessor: 'canny' } });
    // No image anywhere: the source (and so the control image) is asked for once.
    expect(refusal(() => workflowRequest(mapped, { model: 'tiny-sd1' })).details).toMatchObject({ field: 'inputs.image_id' });
    // An upscale on a workflow without one is refused rather than ignored.
    expect(refusal(() => workflowRequest(mapWorkflow(fixture('image-to-image-sd15.json')), { upscaler: 'tiny-x2' })).details).toEqual({
      field: 'inputs.upscaler',
    });
  });

  it('reads a Depth Anything node (InvokeAI 5 and 4 names) between the image and the controlnet as preprocessor depth', () => {
    for (const type of ['depth_anything_depth_estimation', 'depth_anything_image_processor']) {
      const w = fixture('text-to-image-canny-sd15.json');
      const pre = nodeOf(w, 'canny_image_processor');
      pre.data.type = type;
      pre.data.inputs = { image: { name: 'image' }, model_size: { name: 'model_size', value: 'small_v2' } };
      expect(mapWorkflow(w).control).toMatchObject({ preprocessor: 'depth', fromUpscaled: false });
    }
  });

  it('evaluates integer_math and float_to_int on known values; an operation InvokeAI lacks is refused', () => {
    const w = fixture('text-to-image-sd15.json');
    const noise = nodeOf(w, 'noise');
    w.nodes.push(
      {
        id: 'math',
        type: 'invocation',
        data: {
          type: 'integer_math',
          inputs: { operation: { name: 'operation', value: 'MUL' }, a: { name: 'a', value: 7 }, b: { name: 'b', value: 9 } },
        },
      },
      {
        id: 'round',
        type: 'invocation',
        data: { type: 'float_to_int', inputs: { multiple: { name: 'multiple', value: 8 }, method: { name: 'method', value: 'Floor' } } },
      },
    );
    w.edges.push(
      { id: 'm', type: 'default', source: 'math', sourceHandle: 'value', target: 'round', targetHandle: 'value' },
      { id: 'r', type: 'default', source: 'round', sourceHandle: 'value', target: noise.id, targetHandle: 'width' },
    );
    expect(mapWorkflow(w).width).toBe(56);
    nodeOf(w, 'integer_math').data.inputs.operation = { name: 'operation', value: 'POW' };
    expect(refusal(() => mapWorkflow(w)).details).toEqual({ node_id: 'math', field: 'operation' });
  });

  it('names every unsupported node type, as an IP-Adapter, T2I-Adapter or MiDaS depth graph has', () => {
    const w = fixture('text-to-image-sdxl.json');
    w.nodes.push(
      { id: 'ipa', type: 'invocation', data: { type: 'ip_adapter', inputs: {} } },
      { id: 't2i', type: 'invocation', data: { type: 't2i_adapter', inputs: {} } },
      { id: 't2i2', type: 'invocation', data: { type: 't2i_adapter', inputs: {} } },
      { id: 'depth', type: 'invocation', data: { type: 'midas_depth_image_processor', inputs: {} } },
    );
    const err = refusal(() => mapWorkflow(w));
    expect(err.details).toMatchObject({ unsupported_node_types: ['ip_adapter', 'midas_depth_image_processor', 't2i_adapter'] });
    expect(err.message).toContain('ip_adapter, midas_depth_image_processor, t2i_adapter');
  });

  it("decodes with a vae_loader's VAE, as InvokeAI's SDXL default does; an unset one asks for inputs.vae", () => {
    const w = fixture('text-to-image-sdxl.json');
    const l2i = nodeOf(w, 'l2i');
    w.nodes.push({ id: 'vae', type: 'invocation', data: { type: 'vae_loader', inputs: { vae_model: { name: 'vae_model' } } } });
    const edge = w.edges.find((e) => e.target === l2i.id && e.targetHandle === 'vae')!;
    Object.assign(edge, { source: 'vae', sourceHandle: 'vae' });
    const mapped = mapWorkflow(w);
    expect(mapped).toMatchObject({ vae: null, vaeNode: 'vae' });
    expect(refusal(() => workflowRequest(mapped, { model: 'tiny-sdxl' })).details).toEqual({ node_id: 'vae', field: 'inputs.vae' });
    expect(workflowRequest(mapped, { model: 'tiny-sdxl', vae: 'sdxl-vae-fp16-fix' }).body.vae).toBe('sdxl-vae-fp16-fix');
    nodeOf(w, 'vae_loader').data.inputs.vae_model = {
      name: 'vae_model',
      value: { key: 'k', hash: 'h', name: 'sdxl-vae-fp16-fix', base: 'sdxl', type: 'vae' },
    };
    expect(workflowRequest(mapWorkflow(w), { model: 'tiny-sdxl' }).body.vae).toBe('sdxl-vae-fp16-fix');
    // Without a vae_loader the model's own VAE decodes: no vae in the request.
    expect(workflowRequest(mapWorkflow(fixture('text-to-image-sdxl.json')), { model: 'tiny-sdxl' }).body).not.toHaveProperty('vae');
  });

  it('refuses what the engine would do differently from InvokeAI', () => {
    const cases: [string, (w: Workflow) => Workflow, Record<string, unknown>][] = [
      ['clip skip', (w) => setValue(w, 'clip_skip', 'skipped_layers', 2), { feature: 'clip_skip' }],
      ['partial denoise', (w) => setValue(w, 'denoise_latents', 'denoising_end', 0.8), { field: 'denoising_end' }],
      ['denoising_start without an image', (w) => setValue(w, 'denoise_latents', 'denoising_start', 0.5), { field: 'denoising_start' }],
      ['cfg rescale', (w) => setValue(w, 'denoise_latents', 'cfg_rescale_multiplier', 0.7), { field: 'cfg_rescale_multiplier' }],
      ['a step-wise cfg', (w) => setValue(w, 'denoise_latents', 'cfg_scale', [7, 6, 5]), { field: 'cfg_scale' }],
      ['a text steps value', (w) => setValue(w, 'denoise_latents', 'steps', 'thirty'), { field: 'steps' }],
      ['a second output', (w) => ({ ...w, nodes: [...w.nodes, { ...nodeOf(w, 'l2i'), id: 'second' }] }), {}],
      [
        'no output at all',
        (w) => ({
          ...w,
          nodes: w.nodes.filter((n) => n.data.type !== 'l2i'),
          edges: w.edges.filter((e) => e.target !== nodeOf(w, 'l2i').id),
        }),
        { field: 'definition.nodes' },
      ],
    ];
    for (const [what, change, details] of cases) {
      const err = refusal(() => mapWorkflow(change(fixture('text-to-image-sd15.json'))));
      expect(err.details, what).toMatchObject(details);
    }
    const sdxl = fixture('text-to-image-sdxl.json');
    const join = sdxl.nodes.find((n) => n.data.type === 'string_join')!;
    join.data.inputs.string_right = { name: 'string_right', value: ', in the style of Monet' };
    expect(refusal(() => mapWorkflow(sdxl)).details).toMatchObject({ field: 'style', feature: 'sdxl_style_prompt' });
  });

  it('refuses malformed definitions with a clear message', () => {
    expect(refusal(() => mapWorkflow([])).message).toMatch(/JSON object/);
    expect(refusal(() => mapWorkflow({ name: 'x' })).message).toMatch(/nodes.*edges/);
    expect(refusal(() => mapWorkflow({ ...fixture('text-to-image-sd15.json'), meta: { version: '2.0.0' } })).details).toEqual({
      field: 'definition.meta.version',
    });
    const w = fixture('text-to-image-sd15.json');
    w.edges.push({ source: 'nowhere', target: nodeOf(w, 'l2i').id, sourceHandle: 'latents', targetHandle: 'board' });
    expect(refusal(() => mapWorkflow(w)).message).toMatch(/not in the workflow \(nowhere\)/);
    const twice = fixture('text-to-image-sd15.json');
    twice.edges.push({ ...twice.edges.find((e) => e.targetHandle === 'noise')!, id: 'dup' });
    expect(refusal(() => mapWorkflow(twice)).message).toMatch(/several edges/);
    const wrong = fixture('text-to-image-sd15.json');
    wrong.edges.find((e) => e.targetHandle === 'positive_conditioning')!.source = nodeOf(wrong, 'noise').id;
    expect(refusal(() => mapWorkflow(wrong)).details).toMatchObject({
      field: 'positive_conditioning',
      from: 'noise',
      expected: ['compel', 'sdxl_compel_prompt'],
    });
  });
});

describe('InvokeAI default-workflow patterns', () => {
  const I2L = '6e7f8091-a2b3-4c4d-8e5f-60718293a4b5';
  const NOISE = '55705012-79b9-4aac-9f26-c0b10309785b';
  const RESIZE = '1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d';
  /** InvokeAI's own image-to-image wiring: the noise takes its size from the i2l that encodes the source. */
  const noiseFromI2l = (w: Workflow) => {
    delete nodeOf(w, 'noise').data.inputs.width!.value;
    delete nodeOf(w, 'noise').data.inputs.height!.value;
    for (const side of ['width', 'height'])
      w.edges.push({ id: `i2l-${side}`, type: 'default', source: I2L, sourceHandle: side, target: NOISE, targetHandle: side });
    return w;
  };

  it("reads SDXL size conditioning from the positive sdxl_compel_prompt, with InvokeAI's defaults, and passes it to the request", () => {
    const w = fixture('text-to-image-sdxl.json');
    const positive = w.nodes.find(
      (n) =>
        n.data.type === 'sdxl_compel_prompt' &&
        n.data.inputs.prompt !== undefined &&
        (n as { data: { label?: string } }).data.label?.includes('Positive'),
    )!;
    const negative = w.nodes.find((n) => n.data.type === 'sdxl_compel_prompt' && n !== positive)!;
    expect(mapWorkflow(w).sdxlSize).toEqual({
      original_width: 1024,
      original_height: 1024,
      crop_top: 0,
      crop_left: 0,
      target_width: 1024,
      target_height: 1024,
    });
    for (const n of [positive, negative]) {
      n.data.inputs.original_width = { name: 'original_width', value: 2048 };
      n.data.inputs.crop_top = { name: 'crop_top', value: 64 };
      delete n.data.inputs.target_height;
    }
    const mapped = mapWorkflow(w);
    expect(mapped.sdxlSize).toEqual({
      original_width: 2048,
      original_height: 1024,
      crop_top: 64,
      crop_left: 0,
      target_width: 1024,
      target_height: 1024,
    });
    expect(workflowRequest(mapped, { model: 'tiny-sdxl', crop_left: 8 }).body).toMatchObject({
      original_width: 2048,
      crop_top: 64,
      crop_left: 8,
      target_height: 1024,
    });
    // An SD 1.5 workflow sets none of them.
    expect(Object.keys(workflowRequest(mapWorkflow(fixture('text-to-image-sd15.json')), { model: 'x' }).body)).not.toContain(
      'original_width',
    );
    // Both halves of guidance get one size; a negative prompt with another one is refused, not dropped.
    negative.data.inputs.crop_top = { name: 'crop_top', value: 0 };
    expect(refusal(() => mapWorkflow(w)).details).toMatchObject({ node_id: negative.id, field: 'crop_top', feature: 'sdxl_negative_size' });
  });

  it("takes the noise size from i2l, as InvokeAI wires image to image: the resized source's size, or the source's own", () => {
    const resized = mapWorkflow(noiseFromI2l(fixture('image-to-image-sd15.json')));
    expect(resized).toMatchObject({ mode: 'image_to_image', width: 512, height: 512, sizeNode: RESIZE, seed: 424242, strength: 0.65 });
    // Without img_resize, the image goes straight into i2l: the size is the source image's.
    const direct = noiseFromI2l(fixture('image-to-image-sd15.json'));
    direct.nodes = direct.nodes.filter((n) => n.id !== RESIZE);
    direct.edges = direct.edges.filter((e) => e.source !== RESIZE && e.target !== RESIZE);
    direct.edges.push({
      id: 'img-i2l',
      type: 'default',
      source: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      sourceHandle: 'image',
      target: I2L,
      targetHandle: 'image',
    });
    expect(mapWorkflow(direct)).toMatchObject({ mode: 'image_to_image', width: null, height: null, sizeNode: null });
    expect(workflowRequest(mapWorkflow(direct), { model: 'tiny-sd1' }).body).not.toHaveProperty('width');
    // A noise node fed by some other i2l than the denoiser's source is still refused, naming it.
    const stray = fixture('text-to-image-sd15.json');
    stray.nodes.push({ id: 'stray-i2l', type: 'invocation', data: { type: 'i2l', inputs: {} } });
    stray.edges.push({
      id: 'stray',
      type: 'default',
      source: 'stray-i2l',
      sourceHandle: 'width',
      target: nodeOf(stray, 'noise').id,
      targetHandle: 'width',
    });
    expect(refusal(() => mapWorkflow(stray)).message).toMatch(/comes from i2l node stray-i2l/);
  });

  it('names the nodes that will never run together with an old format version, so one re-save is enough', () => {
    const old = { ...fixture('text-to-image-sd15.json'), meta: { version: '2.0.0' } };
    old.nodes.push(
      { id: 'cn', type: 'invocation', data: { type: 't2i_adapter', inputs: {} } },
      { id: 'lora', type: 'invocation', data: { type: 'ip_adapter', inputs: {} } },
    );
    const err = refusal(() => mapWorkflow(old));
    expect(err.details).toEqual({ field: 'definition.meta.version', unsupported_node_types: ['ip_adapter', 't2i_adapter'] });
    expect(err.message).toMatch(/format 2\.0\.0.*ip_adapter, t2i_adapter/);
  });

  it("reads InvokeAI's execution graph (what enqueue_batch sends) as the same request as the saved workflow", () => {
    const w = fixture('text-to-image-sd15.json');
    const graph = {
      id: 'g',
      nodes: Object.fromEntries(
        w.nodes.map((n) => [
          n.id,
          {
            id: n.id,
            type: n.data.type,
            is_intermediate: true,
            ...Object.fromEntries(
              Object.entries(n.data.inputs)
                .filter(([, f]) => f.value !== undefined)
                .map(([k, f]) => [k, f.value]),
            ),
          },
        ]),
      ),
      edges: w.edges
        .filter((e) => e.type !== 'collapsed')
        .map((e) => ({ source: { node_id: e.source, field: e.sourceHandle }, destination: { node_id: e.target, field: e.targetHandle } })),
    };
    expect(mapWorkflow(graphToWorkflow(graph))).toEqual(mapWorkflow(w));
    expect(refusal(() => graphToWorkflow({ nodes: [] })).message).toMatch(/must be an InvokeAI graph: \{nodes: \{<id>/);
    expect(refusal(() => graphToWorkflow({ nodes: {}, edges: [{ source: 'a', destination: 'b' }] })).details).toEqual({
      field: 'graph.edges[0]',
    });
  });
});

describe('workflowRequest', () => {
  it('lays inputs over the workflow and builds the text-to-image body', () => {
    const mapped = mapWorkflow(fixture('text-to-image-sd15.json'));
    expect(workflowRequest(mapped, { prompt: 'a red fox', seed: 7, model: 'tiny-sd1', width: 64, height: 48, steps: 3 })).toEqual({
      mode: 'text_to_image',
      loader: 'main_model_loader',
      body: {
        prompt: 'a red fox',
        negative_prompt: 'blurry, low quality, watermark',
        model: 'tiny-sd1',
        width: 64,
        height: 48,
        steps: 3,
        cfg_scale: 7.5,
        sampler: 'dpmpp_sde_karras',
        seed: 7,
      },
    });
  });

  it('builds image-to-image and upscale bodies; refuses inputs that do not apply, an empty model, a foreign image name, an unsupported scheduler', () => {
    const i2i = mapWorkflow(fixture('image-to-image-sd15.json'));
    expect(workflowRequest(i2i, { strength: 0.4 }).body).toMatchObject({
      source_image: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c',
      strength: 0.4,
      width: 512,
      height: 512,
      seed: 424242,
      sampler: 'ddim',
    });
    const up = mapWorkflow(fixture('upscale-esrgan.json'));
    expect(workflowRequest(up, { model: 'tiny-x2', image_id: 'abc' })).toEqual({
      mode: 'upscale',
      loader: null,
      body: { image: 'abc', scale: 2, model: 'tiny-x2' },
    });
    expect(refusal(() => workflowRequest(up, { prompt: 'x' })).details).toEqual({ field: 'inputs.prompt', mode: 'upscale' });
    expect(refusal(() => workflowRequest(mapWorkflow(fixture('text-to-image-sd15.json')), { strength: 0.5 })).details).toEqual({
      field: 'inputs.strength',
      mode: 'text_to_image',
    });

    const unset = setValue(fixture('text-to-image-sd15.json'), 'main_model_loader', 'model', undefined);
    expect(refusal(() => workflowRequest(mapWorkflow(unset), {})).details).toEqual({ field: 'inputs.model' });
    expect(workflowRequest(mapWorkflow(unset), { model: 'tiny-sd1' }).body.model).toBe('tiny-sd1');

    const foreign = setValue(fixture('image-to-image-sd15.json'), 'image', 'image', { image_name: 'my-photo.png' });
    expect(refusal(() => workflowRequest(mapWorkflow(foreign), {})).details).toEqual({ field: 'inputs.image_id' });

    const kdpm = setValue(fixture('text-to-image-sd15.json'), 'denoise_latents', 'scheduler', 'kdpm_2_a');
    const err = refusal(() => workflowRequest(mapWorkflow(kdpm), {}));
    expect(err.details).toMatchObject({ field: 'scheduler', value: 'kdpm_2_a' });
    expect((err.details as { supported: string[] }).supported).toEqual(
      expect.arrayContaining(['dpmpp_sde_k', 'heun', 'unipc', 'deis', 'lms_k']),
    );
    expect(workflowRequest(mapWorkflow(kdpm), { sampler: 'euler' }).body.sampler).toBe('euler');
  });

  it('checks the loader against the model base, and reads InvokeAI image names', () => {
    expect(() => checkLoader('main_model_loader', { name: 'a', base: 'sd-1' })).not.toThrow();
    expect(refusal(() => checkLoader('sdxl_model_loader', { name: 'a', base: 'sd-1' })).details).toEqual({
      field: 'model',
      loader: 'sdxl_model_loader',
    });
    expect(refusal(() => checkLoader('main_model_loader', { name: 'b', base: 'sdxl' })).details).toEqual({
      field: 'model',
      loader: 'main_model_loader',
    });
    expect(galleryIdOf('0B7C9A2E-3F1D-4E8A-9B6C-5D4E3F2A1B0C.png')).toBe('0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c');
    expect(galleryIdOf('photo.png')).toBeNull();
  });
});
