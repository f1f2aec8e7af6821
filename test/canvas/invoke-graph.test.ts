import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src-server/http/errors';
import { checkLoader, galleryIdOf, mapWorkflow, workflowRequest } from '../../src-server/families/canvas/workflows/invoke-graph';

type Workflow = { nodes: { id: string; type: string; data: { type: string; inputs: Record<string, { name: string; value?: unknown }> } }[]; edges: Record<string, unknown>[] } & Record<string, unknown>;

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
      sampler: 'dpmpp_2m_karras',
      scheduler: { value: 'dpmpp_2m_k', nodeId: 'eea2702a-19fb-45b5-9d75-56b4211ec03c' },
      strength: null,
      image: null,
      scale: null,
    });
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
    expect(mapWorkflow(fixture('upscale-esrgan.json'))).toMatchObject({ mode: 'upscale', model: 'RealESRGAN_x2plus', scale: 2, image: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c', prompt: null });
  });

  it('names every unsupported node type, as InvokeAI\'s own SDXL default (vae_loader) and a ControlNet graph have', () => {
    const w = fixture('text-to-image-sdxl.json');
    w.nodes.push(
      { id: 'vae', type: 'invocation', data: { type: 'vae_loader', inputs: { vae_model: { name: 'vae_model' } } } },
      { id: 'cn', type: 'invocation', data: { type: 'controlnet', inputs: {} } },
      { id: 'cn2', type: 'invocation', data: { type: 'controlnet', inputs: {} } },
      { id: 'canny', type: 'invocation', data: { type: 'canny_image_processor', inputs: {} } },
    );
    const err = refusal(() => mapWorkflow(w));
    expect(err.details).toMatchObject({ unsupported_node_types: ['canny_image_processor', 'controlnet', 'vae_loader'] });
    expect(err.message).toContain('canny_image_processor, controlnet, vae_loader');
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
      ['no output at all', (w) => ({ ...w, nodes: w.nodes.filter((n) => n.data.type !== 'l2i'), edges: w.edges.filter((e) => e.target !== nodeOf(w, 'l2i').id) }), { field: 'definition.nodes' }],
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
    expect(refusal(() => mapWorkflow({ ...fixture('text-to-image-sd15.json'), meta: { version: '2.0.0' } })).details).toEqual({ field: 'definition.meta.version' });
    const w = fixture('text-to-image-sd15.json');
    w.edges.push({ source: 'nowhere', target: nodeOf(w, 'l2i').id, sourceHandle: 'latents', targetHandle: 'board' });
    expect(refusal(() => mapWorkflow(w)).message).toMatch(/not in the workflow \(nowhere\)/);
    const twice = fixture('text-to-image-sd15.json');
    twice.edges.push({ ...twice.edges.find((e) => e.targetHandle === 'noise')!, id: 'dup' });
    expect(refusal(() => mapWorkflow(twice)).message).toMatch(/several edges/);
    const wrong = fixture('text-to-image-sd15.json');
    wrong.edges.find((e) => e.targetHandle === 'positive_conditioning')!.source = nodeOf(wrong, 'noise').id;
    expect(refusal(() => mapWorkflow(wrong)).details).toMatchObject({ field: 'positive_conditioning', from: 'noise', expected: ['compel', 'sdxl_compel_prompt'] });
  });
});

describe('workflowRequest', () => {
  it('lays inputs over the workflow and builds the text-to-image body', () => {
    const mapped = mapWorkflow(fixture('text-to-image-sd15.json'));
    expect(workflowRequest(mapped, { prompt: 'a red fox', seed: 7, model: 'tiny-sd1', width: 64, height: 48, steps: 3 })).toEqual({
      mode: 'text_to_image',
      loader: 'main_model_loader',
      body: { prompt: 'a red fox', negative_prompt: 'blurry, low quality, watermark', model: 'tiny-sd1', width: 64, height: 48, steps: 3, cfg_scale: 7.5, sampler: 'dpmpp_2m_karras', seed: 7 },
    });
  });

  it('builds image-to-image and upscale bodies; refuses inputs that do not apply, an empty model, a foreign image name, an unsupported scheduler', () => {
    const i2i = mapWorkflow(fixture('image-to-image-sd15.json'));
    expect(workflowRequest(i2i, { strength: 0.4 }).body).toMatchObject({ source_image: '0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c', strength: 0.4, width: 512, height: 512, seed: 424242, sampler: 'ddim' });
    const up = mapWorkflow(fixture('upscale-esrgan.json'));
    expect(workflowRequest(up, { model: 'tiny-x2', image_id: 'abc' })).toEqual({ mode: 'upscale', loader: null, body: { image: 'abc', scale: 2, model: 'tiny-x2' } });
    expect(refusal(() => workflowRequest(up, { prompt: 'x' })).details).toEqual({ field: 'inputs.prompt', mode: 'upscale' });
    expect(refusal(() => workflowRequest(mapWorkflow(fixture('text-to-image-sd15.json')), { strength: 0.5 })).details).toEqual({ field: 'inputs.strength', mode: 'text_to_image' });

    const unset = setValue(fixture('text-to-image-sd15.json'), 'main_model_loader', 'model', undefined);
    expect(refusal(() => workflowRequest(mapWorkflow(unset), {})).details).toEqual({ field: 'inputs.model' });
    expect(workflowRequest(mapWorkflow(unset), { model: 'tiny-sd1' }).body.model).toBe('tiny-sd1');

    const foreign = setValue(fixture('image-to-image-sd15.json'), 'image', 'image', { image_name: 'my-photo.png' });
    expect(refusal(() => workflowRequest(mapWorkflow(foreign), {})).details).toEqual({ field: 'inputs.image_id' });

    const sde = setValue(fixture('text-to-image-sd15.json'), 'denoise_latents', 'scheduler', 'dpmpp_sde_k');
    const err = refusal(() => workflowRequest(mapWorkflow(sde), {}));
    expect(err.details).toMatchObject({ field: 'scheduler', value: 'dpmpp_sde_k', supported: ['euler_a', 'euler', 'ddim', 'dpmpp_2m', 'dpmpp_2m_k', 'lcm'] });
    expect(workflowRequest(mapWorkflow(sde), { sampler: 'euler' }).body.sampler).toBe('euler');
  });

  it('checks the loader against the model base, and reads InvokeAI image names', () => {
    expect(() => checkLoader('main_model_loader', { name: 'a', base: 'sd-1' })).not.toThrow();
    expect(refusal(() => checkLoader('sdxl_model_loader', { name: 'a', base: 'sd-1' })).details).toEqual({ field: 'model', loader: 'sdxl_model_loader' });
    expect(refusal(() => checkLoader('main_model_loader', { name: 'b', base: 'sdxl' })).details).toEqual({ field: 'model', loader: 'main_model_loader' });
    expect(galleryIdOf('0B7C9A2E-3F1D-4E8A-9B6C-5D4E3F2A1B0C.png')).toBe('0b7c9a2e-3f1d-4e8a-9b6c-5d4e3f2a1b0c');
    expect(galleryIdOf('photo.png')).toBeNull();
  });
});
