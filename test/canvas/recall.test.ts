import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngChunk, withPngText } from '../../src-server/families/canvas/images/png-text';
import { errorOf, generated, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

// Recall: POST /images/recall reads the settings an image carries (InvokeAI's invokeai_metadata,
// A1111's parameters) so the Image Studio can fill its form from any generated or dropped PNG.

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
const { as } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

const blank = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
const recall = (user: CanvasUser, image: string) => as(user).post('/api/v1/images/recall', { image });

const afterIhdr = (png: Buffer, ...chunks: Buffer[]) => Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);

describe('POST /images/recall', () => {
  it('gives back every setting of an image made here, by its gallery id', async () => {
    const detail = await generated(t, alice, {
      prompt: 'a red fox in the snow',
      negative_prompt: 'blurry',
      model: 'tiny-sd1',
      steps: 3,
      seed: 1234,
      width: 64,
      height: 48,
      cfg_scale: 6,
      sampler: 'heun_karras',
      loras: [{ name: 'tiny-lora', weight: 0.6 }],
    });
    const imageId = detail.result.image_id;
    const res = await recall(alice, imageId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      source: 'invokeai',
      prompt: 'a red fox in the snow',
      negative_prompt: 'blurry',
      seed: 1234,
      width: 64,
      height: 48,
      steps: 3,
      cfg_scale: 6,
      sampler: 'heun_karras',
      sampler_label: 'heun_k',
      model: 'tiny-sd1',
      vae: null,
      loras: [{ name: 'tiny-lora', weight: 0.6 }],
      strength: null,
    });
    // Someone else's image is theirs to read.
    expect((await recall(bob, imageId)).json()).toEqual(errorOf('FORBIDDEN'));
  });

  it("reads A1111's parameters: LoRA tags out of the prompt, the Karras schedule, quoted values", async () => {
    const png = withPngText(await blank(), {
      parameters:
        'masterpiece, a castle <lora:add-detail:0.6> at dusk\nNegative prompt: lowres,\nbad hands\n' +
        'Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 512x768, Model hash: abc123, Model: "my, model", VAE: sdxl-vae, Denoising strength: 0.4',
    });
    const res = await recall(alice, `data:image/png;base64,${png.toString('base64')}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      source: 'a1111',
      prompt: 'masterpiece, a castle at dusk',
      negative_prompt: 'lowres,\nbad hands',
      seed: 42,
      width: 512,
      height: 768,
      steps: 25,
      cfg_scale: 6.5,
      sampler: 'dpmpp_2m_karras',
      sampler_label: 'DPM++ 2M Karras',
      model: 'my, model',
      vae: 'sdxl-vae',
      loras: [{ name: 'add-detail', weight: 0.6 }],
      strength: 0.4,
    });
    // A sampler the engine does not run is named but not chosen.
    const other = withPngText(await blank(), { parameters: 'x\nSteps: 20, Sampler: DPM fast, Seed: 1, Size: 64x64' });
    expect((await recall(alice, other.toString('base64'))).json().data).toMatchObject({ sampler: null, sampler_label: 'DPM fast' });
  });

  it("reads InvokeAI 3.x metadata from a compressed iTXt chunk, and A1111's from zTXt", async () => {
    const meta = {
      positive_prompt: 'a lighthouse',
      negative_prompt: '',
      seed: 9,
      width: 1024,
      height: 1024,
      steps: 30,
      cfg_scale: 5,
      scheduler: 'dpmpp_sde_k',
      model: { model_name: 'juggernaut-xl', base_model: 'sdxl' },
      loras: [{ lora: { model_name: 'pixel-art', base_model: 'sdxl' }, weight: 0.8 }],
    };
    const itxt = Buffer.concat([
      Buffer.from('invokeai_metadata\0', 'latin1'),
      Buffer.from([1, 0, 0, 0]),
      zlib.deflateSync(JSON.stringify(meta)),
    ]);
    const res = await recall(alice, afterIhdr(await blank(), pngChunk('iTXt', itxt)).toString('base64'));
    expect(res.json().data).toMatchObject({
      source: 'invokeai',
      prompt: 'a lighthouse',
      sampler: 'dpmpp_sde_karras',
      model: 'juggernaut-xl',
      loras: [{ name: 'pixel-art', weight: 0.8 }],
    });
    const ztxt = Buffer.concat([
      Buffer.from('parameters\0', 'latin1'),
      Buffer.from([0]),
      zlib.deflateSync('a boat\nSteps: 12, Sampler: Euler a, Seed: 5, Size: 64x64'),
    ]);
    expect((await recall(alice, afterIhdr(await blank(), pngChunk('zTXt', ztxt)).toString('base64'))).json().data).toMatchObject({
      source: 'a1111',
      prompt: 'a boat',
      sampler: 'euler_a',
      steps: 12,
    });
  });

  it('refuses what is not a PNG or records no settings, with the field named', async () => {
    const bad = async (image: string, message: RegExp) => {
      const res = await recall(alice, image);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'image' }));
      expect(res.json().error.message).toMatch(message);
    };
    await bad('not base64!', /base64/);
    await bad(
      (
        await sharp(await blank())
          .jpeg()
          .toBuffer()
      ).toString('base64'),
      /not a PNG/,
    );
    await bad((await blank()).toString('base64'), /records no generation settings/);
    expect((await recall(alice, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});
