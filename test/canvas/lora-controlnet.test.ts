import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPngText } from '../../src-server/families/canvas/images/png-text';
import * as ort from 'onnxruntime-node';
import { depthInputSize, depthPixels, depthToRgb } from '../../src-server/ai/diffusion/depth';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { errorOf, pathOf, settled, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

// LoRAs and ControlNets through the canvas routes: the generate routes' `loras` field and InvokeAI's lora_loader,
// on the tiny SD 1.5 model with the tiny LoRAs the helpers install (tiny-lora for SD 1.5,
// tiny-lora-xl for SDXL).

let t: CanvasTest;
let alice: CanvasUser;
const { as, models } = canvasFixture(['Alice'], (c) => ([t, alice] = c));

const body = { prompt: 'a red fox', model: 'tiny-sd1', steps: 3, seed: 77, width: 64, height: 64 };

/** Runs a request to its image: the PNG, its text chunks and the gallery metadata. */
async function made(res: { statusCode: number; body: string; json(): { data: { job_id: string } } }) {
  expect(res.statusCode, res.body).toBe(202);
  const jobId = res.json().data.job_id;
  const job = await settled(t.app, jobId);
  expect(job.status, job.error ?? '').toBe('completed');
  const detail = (await as(alice).get(`/api/v1/queue/items/${jobId}`)).json().data;
  const png = (await t.app.inject({ method: 'GET', url: pathOf(detail.result.image_url) })).rawPayload;
  const image = (await as(alice).get(`/api/v1/images/${detail.result.image_id}`)).json().data;
  const pixels = await sharp(png).raw().toBuffer();
  t.clock.advance(61_000); // past the Free plan's per-minute limit
  return { png, pixels, text: readPngText(png), metadata: image.metadata, imageId: detail.result.image_id as string };
}

const meanDiff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('LoRAs on the generate routes', () => {
  it('merges an installed LoRA with its weight, names it in every metadata chunk; weight 0 is the model alone', async () => {
    const own = await made(await as(alice).post('/api/v1/generate/text-to-image', body));
    const zero = await made(await as(alice).post('/api/v1/generate/text-to-image', { ...body, loras: [{ name: 'tiny-lora', weight: 0 }] }));
    expect(meanDiff(own.pixels, zero.pixels)).toBe(0);
    const lora = await made(
      await as(alice).post('/api/v1/generate/text-to-image', { ...body, loras: [{ name: 'tiny-lora', weight: 1.2 }] }),
    );
    expect(meanDiff(own.pixels, lora.pixels)).toBeGreaterThan(0.05);
    expect(lora.metadata.loras).toEqual([{ name: 'tiny-lora', weight: 1.2 }]);
    expect(lora.text.parameters!.split('\n')[0]).toBe('a red fox <lora:tiny-lora:1.2>');
    expect(JSON.parse(lora.text.invokeai_metadata!).loras).toEqual([
      { model: { key: 'tiny-lora', hash: '', name: 'tiny-lora', base: 'sd-1', type: 'lora' }, weight: 1.2 },
    ]);
  });

  it('refuses a LoRA that is not installed, one for another base, and a model of another type', async () => {
    const post = (loras: unknown) => as(alice).post('/api/v1/generate/text-to-image', { ...body, loras });
    const missing = await post([{ name: 'add-detail' }]);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'add-detail' }));
    const xl = await post([{ name: 'tiny-lora-xl', weight: 1 }]);
    expect(xl.statusCode).toBe(400);
    expect(xl.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'loras[0].name' }));
    expect(xl.json().error.message).toMatch(/tiny-lora-xl.*sdxl.*tiny-sd1.*sd-1/);
    const wrongType = await post([{ name: 'tiny-x2' }]);
    expect(wrongType.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'loras[0].name' }));
  });
});

describe("InvokeAI's LoRA workflow", () => {
  const fixture = () =>
    JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', 'text-to-image-lora-sd15.json'), 'utf8')) as {
      nodes: { data: { type: string; inputs: Record<string, { name: string; value?: unknown }> } }[];
      edges: { source: string }[];
    };
  const set = (w: ReturnType<typeof fixture>, type: string, field: string, value: unknown) => {
    w.nodes.find((n) => n.data.type === type)!.data.inputs[field] = { name: field, value };
    return w;
  };
  /** The fixture on the tiny model, small, with a fixed seed, naming the tiny LoRA. */
  const tiny = () => {
    const w = fixture();
    set(w, 'main_model_loader', 'model', { key: 'tiny-sd1', hash: 'random', name: 'tiny-sd1', base: 'sd-1', type: 'main' });
    set(w, 'lora_loader', 'lora', { key: 'tiny-lora', hash: 'random', name: 'tiny-lora', base: 'sd-1', type: 'lora' });
    set(w, 'noise', 'width', 64);
    set(w, 'noise', 'height', 64);
    set(w, 'noise', 'seed', 77);
    set(w, 'denoise_latents', 'steps', 3);
    return w;
  };

  it("runs as it is: the lora_loader's LoRA and weight reach the engine", async () => {
    const res = await as(alice).post('/api/v1/generate/workflow', { workflow: tiny(), inputs: { prompt: 'a red fox' } });
    const out = await made(res);
    expect(out.metadata).toMatchObject({ loras: [{ name: 'tiny-lora', weight: 0.75 }], sampler: 'dpmpp_sde_karras' });
    expect(JSON.parse(out.text.invokeai_workflow!).nodes.some((n: { data: { type: string } }) => n.data.type === 'lora_loader')).toBe(true);

    const unset = set(tiny(), 'lora_loader', 'lora', null);
    const refused = await as(alice).post('/api/v1/generate/workflow', { workflow: unset });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details).toMatchObject({ field: 'lora' });
  });
});

describe('ControlNet on the generate routes', () => {
  const square = async () => {
    const rgb = Buffer.alloc(64 * 64 * 3);
    for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) rgb.fill(255, 3 * (y * 64 + x), 3 * (y * 64 + x) + 3);
    return (
      await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } })
        .png()
        .toBuffer()
    ).toString('base64');
  };

  it('steers with canny edges of the control image, weight and window; weight 0 is the model alone; named in the metadata', async () => {
    const image = await square();
    const own = await made(await as(alice).post('/api/v1/generate/text-to-image', body));
    const controlnet = { model: 'tiny-canny', image, preprocessor: 'canny', low_threshold: 50, high_threshold: 150 };
    const zero = await made(await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet: { ...controlnet, weight: 0 } }));
    expect(meanDiff(own.pixels, zero.pixels)).toBe(0);
    const steered = await made(
      await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet: { ...controlnet, weight: 1.5 } }),
    );
    expect(meanDiff(own.pixels, steered.pixels)).toBeGreaterThan(0.05);
    expect(steered.metadata.controlnet).toEqual({
      name: 'tiny-canny',
      weight: 1.5,
      begin_step_percent: 0,
      end_step_percent: 1,
      preprocessor: 'canny',
    });
    expect(steered.text.parameters).toContain('ControlNet 0: "Module: canny, Model: tiny-canny, Weight: 1.5');
  });

  it('refuses a window out of order, and says when no ControlNet is installed', async () => {
    const image = await square();
    const bad = await as(alice).post('/api/v1/generate/text-to-image', {
      ...body,
      controlnet: { model: 'tiny-canny', image, begin_step_percent: 0.8, end_step_percent: 0.2 },
    });
    expect(bad.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'controlnet.end_step_percent' }));
    const catalog = new ModelCatalog(t.dataDir, PLAN_ORDER);
    await catalog.remove('controlnet', 'tiny-canny');
    const none = await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet: { model: 'tiny-canny', image } });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'tiny-canny', models_screen: '/app/models' }));
    expect(none.json().error.message).toMatch(/No ControlNet is installed/);
  });
});

describe("InvokeAI's canny ControlNet workflow", () => {
  it('runs with its gallery image through canny and the ControlNet it names', async () => {
    const { imageId } = await made(await as(alice).post('/api/v1/generate/text-to-image', body));
    const w = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', 'text-to-image-canny-sd15.json'), 'utf8'),
    ) as {
      nodes: { data: { type: string; inputs: Record<string, { name: string; value?: unknown }> } }[];
    };
    const set = (type: string, field: string, value: unknown) => {
      w.nodes.find((n) => n.data.type === type)!.data.inputs[field] = { name: field, value };
    };
    set('main_model_loader', 'model', { key: 'tiny-sd1', hash: 'random', name: 'tiny-sd1', base: 'sd-1', type: 'main' });
    set('controlnet', 'control_model', { key: 'tiny-canny', hash: 'random', name: 'tiny-canny', base: 'sd-1', type: 'controlnet' });
    set('image', 'image', { image_name: `${imageId}.png` });
    set('noise', 'width', 64);
    set('noise', 'height', 64);
    set('denoise_latents', 'steps', 3);
    const out = await made(await as(alice).post('/api/v1/generate/workflow', { workflow: w, inputs: { prompt: 'a red fox' } }));
    expect(out.metadata.controlnet).toMatchObject({ name: 'tiny-canny', preprocessor: 'canny', weight: 1 });
  });
});

describe("InvokeAI's ESRGAN Upscaling with Canny ControlNet workflow", () => {
  const workflow = () =>
    JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', 'esrgan-upscaling-canny-sd15.json'), 'utf8')) as {
      nodes: { id: string; data: { type: string } }[];
    };
  /** A square PNG (32×32 by default) with a white square: the esrgan node enlarges it ×2 to 64×64, the tiny model's size. */
  const small = async (side = 32) => {
    const rgb = Buffer.alloc(side * side * 3);
    for (let y = side / 4; y < (3 * side) / 4; y++)
      for (let x = side / 4; x < (3 * side) / 4; x++) rgb.fill(255, 3 * (y * side + x), 3 * (y * side + x) + 3);
    return (
      await sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
        .png()
        .toBuffer()
    ).toString('base64');
  };
  const inputs = { model: 'tiny-sd1', upscaler: 'tiny-x2', control_model: 'tiny-canny', seed: 5, steps: 4 };

  it('upscales first, then encodes the upscaled image and steers with its canny edges, as the edges say; the chain is in the metadata', async () => {
    const image = await small();
    const esrganId = workflow().nodes.find((n) => n.data.type === 'esrgan')!.id;
    const out = await made(
      await as(alice).post('/api/v1/generate/workflow', { workflow: workflow(), inputs: { ...inputs, prompt: 'a fox', image_id: image } }),
    );
    expect(out.metadata).toMatchObject({
      kind: 'image_to_image',
      width: 64,
      height: 64,
      strength: 0.35,
      sampler: 'dpmpp_sde_karras',
      upscaled_source: {
        node_id: esrganId,
        node_type: 'esrgan',
        model: 'tiny-x2',
        scale: 2,
        width: 64,
        height: 64,
        feeds: ['i2l', 'controlnet'],
      },
      controlnet: {
        name: 'tiny-canny',
        weight: 0.95,
        begin_step_percent: 0.1,
        end_step_percent: 0.9,
        preprocessor: 'canny',
        image: 'upscaled_source',
      },
    });

    // The same steps by hand: the upscale route's image, then image to image with canny of that image.
    const up = await made(await as(alice).post('/api/v1/generate/upscale', { image, model: 'tiny-x2', scale: 2 }));
    const byHand = await made(
      await as(alice).post('/api/v1/generate/image-to-image', {
        prompt: 'a fox',
        model: 'tiny-sd1',
        source_image: up.imageId,
        strength: 0.35,
        steps: 4,
        seed: 5,
        cfg_scale: 7.5,
        sampler: 'dpmpp_sde_karras',
        width: 64,
        height: 64,
        controlnet: {
          model: 'tiny-canny',
          image: up.imageId,
          weight: 0.95,
          begin_step_percent: 0.1,
          end_step_percent: 0.9,
          preprocessor: 'canny',
          low_threshold: 100,
          high_threshold: 200,
        },
      }),
    );
    expect(meanDiff(out.pixels, byHand.pixels)).toBe(0);
    // Without the upscale (the source straight into i2l at 64×64) the result differs.
    const direct = await made(
      await as(alice).post('/api/v1/generate/image-to-image', {
        prompt: 'a fox',
        model: 'tiny-sd1',
        source_image: image,
        strength: 0.35,
        steps: 4,
        seed: 5,
        sampler: 'dpmpp_sde_karras',
        width: 64,
        height: 64,
      }),
    );
    expect(meanDiff(out.pixels, direct.pixels)).toBeGreaterThan(0);
  });

  it('refuses a control image that would replace the upscaled one, an upscale past the model size, and a missing upscaler', async () => {
    const image = await small();
    const esrganId = workflow().nodes.find((n) => n.data.type === 'esrgan')!.id;
    const control = await as(alice).post('/api/v1/generate/workflow', {
      workflow: workflow(),
      inputs: { ...inputs, image_id: image, control_image_id: image },
    });
    expect(control.json()).toEqual(errorOf('INVALID_PARAMETERS', { node_id: expect.any(String), field: 'inputs.control_image_id' }));
    const big = await as(alice).post('/api/v1/generate/workflow', {
      workflow: workflow(),
      inputs: { ...inputs, image_id: await small(48), scale: 4 },
    });
    expect(big.json()).toEqual(errorOf('INVALID_PARAMETERS', { node_id: esrganId, field: 'inputs.image_id', width: 192, height: 192 }));
    expect(big.json().error.message).toMatch(/esrgan node .* enlarges the 48×48 source ×4 to 192×192/);
    const unnamed = await as(alice).post('/api/v1/generate/workflow', {
      workflow: workflow(),
      inputs: { model: 'tiny-sd1', control_model: 'tiny-canny', image_id: image },
    });
    expect(unnamed.statusCode).toBe(404);
    expect(unnamed.json().error.message).toContain('RealESRGAN_x2plus');
  });
});

describe('Depth preprocessing for a ControlNet', () => {
  /** The tiny Depth Anything export run here by hand, as the worker should: its depth map as RGB bytes. */
  async function depthMapOf(pngBase64: string): Promise<Buffer> {
    const { data, info } = await sharp(Buffer.from(pngBase64, 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = depthInputSize(info.width, info.height);
    const session = await ort.InferenceSession.create(path.join(models().depth, 'model.onnx'));
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', depthPixels(rgb, info.width, info.height, size), [1, 3, size.height, size.width]),
    });
    const depth = out.predicted_depth!;
    expect(depth.dims).toEqual([1, size.height, size.width]);
    const map = depthToRgb(depth.data as Float32Array, size.width, size.height, info.width, info.height);
    return sharp(Buffer.from(map), { raw: { width: info.width, height: info.height, channels: 3 } })
      .png()
      .toBuffer();
  }
  const gradient = async () => {
    const rgb = Buffer.alloc(64 * 64 * 3);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) rgb.fill((x * 4 + y) & 255, 3 * (y * 64 + x), 3 * (y * 64 + x) + 3);
    return (
      await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } })
        .png()
        .toBuffer()
    ).toString('base64');
  };

  it('steers with the installed Depth Anything model’s depth map of the control image, named in the metadata', async () => {
    await new ModelCatalog(t.dataDir, PLAN_ORDER).installFromFolder(models().depth, { id: 'tiny-depth', type: 'depth' });
    const listed = (await as(alice).get('/api/v1/models?type=depth')).json().data;
    expect(listed.map((m: { id: string }) => m.id)).toEqual(['tiny-depth']);
    const image = await gradient();
    const controlnet = { model: 'tiny-canny', image, weight: 1.5 };
    const depth = await made(
      await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet: { ...controlnet, preprocessor: 'depth' } }),
    );
    expect(depth.metadata.controlnet).toMatchObject({ name: 'tiny-canny', preprocessor: 'depth', depth_model: 'tiny-depth' });
    // The same depth map made here and given as the control image itself: the very same picture.
    const map = (await depthMapOf(image)).toString('base64');
    const byHand = await made(
      await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet: { ...controlnet, image: map } }),
    );
    expect(meanDiff(depth.pixels, byHand.pixels)).toBe(0);
    const raw = await made(await as(alice).post('/api/v1/generate/text-to-image', { ...body, controlnet }));
    expect(meanDiff(depth.pixels, raw.pixels)).toBeGreaterThan(0);
  });

  it("runs InvokeAI's depth_anything_depth_estimation node in a ControlNet workflow", async () => {
    await new ModelCatalog(t.dataDir, PLAN_ORDER).installFromFolder(models().depth, { id: 'tiny-depth', type: 'depth' });
    const w = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', 'text-to-image-canny-sd15.json'), 'utf8'),
    ) as {
      nodes: { data: { type: string; inputs: Record<string, { name: string; value?: unknown }> } }[];
    };
    const canny = w.nodes.find((n) => n.data.type === 'canny_image_processor')!;
    canny.data.type = 'depth_anything_depth_estimation';
    canny.data.inputs = { image: { name: 'image' }, model_size: { name: 'model_size', value: 'small_v2' } };
    w.nodes.find((n) => n.data.type === 'noise')!.data.inputs.width = { name: 'width', value: 64 };
    w.nodes.find((n) => n.data.type === 'noise')!.data.inputs.height = { name: 'height', value: 64 };
    const out = await made(
      await as(alice).post('/api/v1/generate/workflow', {
        workflow: w,
        inputs: { prompt: 'a red fox', model: 'tiny-sd1', control_model: 'tiny-canny', control_image_id: await gradient(), steps: 3 },
      }),
    );
    expect(out.metadata.controlnet).toMatchObject({ name: 'tiny-canny', preprocessor: 'depth', depth_model: 'tiny-depth' });
  });

  it('refuses depth preprocessing with no depth model installed, naming the model to install', async () => {
    const res = await as(alice).post('/api/v1/generate/text-to-image', {
      ...body,
      controlnet: { model: 'tiny-canny', image: await gradient(), preprocessor: 'depth' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(
      errorOf('MODEL_NOT_FOUND', {
        model: 'depth-anything',
        type: 'depth',
        field: 'controlnet.preprocessor',
        models_screen: '/app/models',
      }),
    );
    expect(res.json().error.message).toMatch(/Depth Anything .*pixel_values.*predicted_depth/);
  });
});
