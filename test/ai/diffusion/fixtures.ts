import fs from 'node:fs';
import path from 'node:path';
import { attr, OnnxGraph, onnxDataType, toFloat16, type Dim, type EncodeOptions } from '../../../src-server/ai/onnx/writer';

// Model folders in the layout of HF's ONNX SD exports, with small stand-ins for the networks: the
// right input/output names, types and shapes, and a computation simple enough for a test to
// predict the pipeline's image (see pipeline.test.ts), not the real networks.

export type Float = 'float32' | 'float16';

export interface ValueSpec {
  name: string;
  type: Float | 'int32' | 'int64';
  dims: Dim[];
}

export interface ComponentSpec {
  inputs: ValueSpec[];
  /** The first input, cast to `float` and (for token ids) widened to `width`, times a weight. */
  output: { name: string; dims: Dim[] };
  float: Float;
  width?: number;
  /** Stores the weight in this file beside model.onnx. */
  externalData?: string;
}

/** Writes `file` as a small valid ONNX model for `spec`. */
export async function writeComponent(file: string, spec: ComponentSpec): Promise<void> {
  const g = new OnnxGraph(path.basename(path.dirname(file)));
  for (const v of spec.inputs) g.input(v.name, v.type, v.dims);
  const first = spec.inputs[0]!;
  let x = first.name;
  const size = spec.width ?? 1;
  if (first.type !== spec.float) x = g.op('Cast', [x], { to: attr.int(onnxDataType(spec.float)) });
  if (spec.width) x = g.op('Unsqueeze', [x, g.int64s('axes', [-1])]);
  const values = Float32Array.from({ length: size }, (_, i) => 1 + i / size);
  const weight = g.initializer('weight', spec.float, [size], spec.float === 'float16' ? toFloat16(values) : values, {
    external: spec.externalData ? true : 'auto',
  });
  g.node('Mul', [x, weight], [spec.output.name]);
  g.output(spec.output.name, spec.float, spec.output.dims);
  const options: EncodeOptions = spec.externalData ? { externalData: { location: spec.externalData } } : {};
  await g.write(file, options);
}

export interface SdFolderSpec {
  base: 'sd1' | 'sd2' | 'sdxl';
  float: Float;
  /** Which components keep their weights in which external file. */
  externalData?: Partial<Record<string, string>>;
  vaeEncoder?: boolean;
  /** A UNet exported with a fixed batch (1) instead of a symbolic one. */
  unetBatch?: Dim;
  /** An LCM-distilled UNet: a timestep_cond input of this width, and an LCM scheduler config. */
  lcmGuidanceDim?: number;
  /** Writes unet/config.json with this sample_size (latent pixels), which sets the allowed image sizes. */
  sampleSize?: number;
}

/** diffusers' scheduler_config.json of runwayml/stable-diffusion-v1-5 (a PNDM config, no timestep_spacing). */
export const PNDM_SD15 = {
  _class_name: 'PNDMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};
/** stabilityai/stable-diffusion-2-1: DDIM with v-prediction. */
export const DDIM_SD21 = {
  _class_name: 'DDIMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: 'v_prediction',
  set_alpha_to_one: false,
  steps_offset: 1,
  trained_betas: null,
};
const LCM = {
  _class_name: 'LCMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  original_inference_steps: 50,
  prediction_type: 'epsilon',
  set_alpha_to_one: true,
  steps_offset: 1,
  timestep_scaling: 10,
  timestep_spacing: 'leading',
  trained_betas: null,
};
const EULER_SDXL = {
  _class_name: 'EulerDiscreteScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  interpolation_type: 'linear',
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  steps_offset: 1,
  timestep_spacing: 'leading',
  trained_betas: null,
  use_karras_sigmas: false,
};

const TOKENIZER_FILES = {
  'vocab.json': JSON.stringify({ a: 0, 'a</w>': 1, '<|startoftext|>': 2, '<|endoftext|>': 3 }),
  'merges.txt': '#version: 0.2\n',
  'special_tokens_map.json': JSON.stringify({
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
  }),
  'tokenizer_config.json': JSON.stringify({ model_max_length: 77, do_lower_case: true }),
};

/**
 * The weight of a text encoder stand-in at embedding channel j of `width`: embeddings are
 * id · (1 + j/width) / 1000, small enough that the stand-in UNet's shifts keep latents in the
 * VAE's range instead of saturating the image.
 */
export const textWeight = (j: number, width: number) => (1 + j / width) / 1000;

/** How much of mean(time_ids) the SDXL UNet stand-in adds: 2^-12, exact in float16. */
export const TIME_WEIGHT = 2 ** -12;

/** How much of mean(timestep_cond) the LCM UNet stand-in adds. */
export const GUIDANCE_WEIGHT = 2 ** -4;

/**
 * A text encoder stand-in: last_hidden_state[b, s, j] = id[b, s] · textWeight(j); with `layers`,
 * also hidden_states.0…layers−1 (copies), and with `pooled` a text_embeds[b, pooled] output that
 * is the mean over the sequence of the first `pooled` channels.
 */
async function writeTextEncoder(
  file: string,
  o: { idType: 'int32' | 'int64'; width: number; float: Float; layers?: number; pooled?: number; externalData?: string },
): Promise<void> {
  const g = new OnnxGraph('text_encoder');
  const ids = g.input('input_ids', o.idType, ['batch_size', 'sequence_length']);
  const x = g.op('Unsqueeze', [g.op('Cast', [ids], { to: attr.int(onnxDataType(o.float)) }), g.int64s('axes', [-1])]);
  const values = Float32Array.from({ length: o.width }, (_, j) => textWeight(j, o.width));
  const w = g.initializer('weight', o.float, [o.width], o.float === 'float16' ? toFloat16(values) : values, {
    external: o.externalData ? true : 'auto',
  });
  const dims: Dim[] = ['batch_size', 'sequence_length', o.width];
  g.node('Mul', [x, w], ['last_hidden_state']);
  g.output('last_hidden_state', o.float, dims);
  for (let l = 0; l < (o.layers ?? 0); l++) {
    g.node('Identity', ['last_hidden_state'], [`hidden_states.${l}`]);
    g.output(`hidden_states.${l}`, o.float, dims);
  }
  if (o.pooled) {
    const first = g.op('Slice', ['last_hidden_state', g.int64s('starts', [0]), g.int64s('ends', [o.pooled]), g.int64s('axes', [2])]);
    g.node('ReduceMean', [first], ['text_embeds'], { axes: attr.ints([1]), keepdims: attr.int(0) });
    g.output('text_embeds', o.float, ['batch_size', o.pooled]);
  }
  await g.write(file, o.externalData ? { externalData: { location: o.externalData } } : {});
}

/**
 * A UNet stand-in: out_sample = sample + mean(encoder_hidden_states[b]) (+ mean(text_embeds[b])
 * + mean(time_ids[b]) · TIME_WEIGHT for SDXL, + mean(timestep_cond[b]) · GUIDANCE_WEIGHT for LCM), per batch item, so each conditioning input shows in the result.
 */
async function writeUnet(
  file: string,
  o: { float: Float; width: number; xl: boolean; batch: Dim; guidanceDim?: number; externalData?: string },
): Promise<void> {
  const g = new OnnxGraph('unet');
  const f = o.float;
  const sample = g.input('sample', f, [o.batch, 4, 'height', 'width']);
  g.input('timestep', 'int64', [1]);
  const hidden = g.input('encoder_hidden_states', f, [o.batch, 'sequence_length', o.width]);
  const perItem = (x: string, axes: number[]) =>
    g.op('Unsqueeze', [g.op('ReduceMean', [x], { axes: attr.ints(axes), keepdims: attr.int(0) }), g.int64s('axes', [1, 2, 3])]);
  let shift = perItem(hidden, [1, 2]);
  if (o.xl) {
    shift = g.op('Add', [shift, perItem(g.input('text_embeds', f, [o.batch, 1280]), [1])]);
    const time = perItem(g.input('time_ids', f, [o.batch, 6]), [1]);
    const weight = g.initializer('time_weight', f, [], f === 'float16' ? toFloat16(Float32Array.of(TIME_WEIGHT)) : [TIME_WEIGHT]);
    shift = g.op('Add', [shift, g.op('Mul', [time, weight])]);
  }
  if (o.guidanceDim) {
    const cond = perItem(g.input('timestep_cond', f, [o.batch, o.guidanceDim]), [1]);
    const weight = g.initializer(
      'guidance_weight',
      f,
      [],
      f === 'float16' ? toFloat16(Float32Array.of(GUIDANCE_WEIGHT)) : [GUIDANCE_WEIGHT],
    );
    shift = g.op('Add', [shift, g.op('Mul', [cond, weight])]);
  }
  const one = g.initializer('one', f, [1], f === 'float16' ? toFloat16(Float32Array.of(1)) : [1], {
    external: o.externalData ? true : 'auto',
  });
  g.node('Add', [g.op('Mul', [sample, one]), shift], ['out_sample']);
  g.output('out_sample', f, [o.batch, 4, 'height', 'width']);
  await g.write(file, o.externalData ? { externalData: { location: o.externalData } } : {});
}

/** A VAE decoder stand-in: channels 0–2 of the latents, each latent pixel repeated 8×8. */
async function writeVaeDecoder(file: string, float: Float): Promise<void> {
  const g = new OnnxGraph('vae_decoder');
  const z = g.input('latent_sample', float, ['batch_size', 4, 'latent_height', 'latent_width']);
  const rgb = g.op('Slice', [z, g.int64s('starts', [0]), g.int64s('ends', [3]), g.int64s('axes', [1])]);
  const scales = g.initializer('scales', 'float32', [4], [1, 1, 8, 8]);
  g.node('Resize', [rgb, '', scales], ['sample'], { mode: attr.string('nearest') });
  g.output('sample', float, ['batch_size', 3, 'height', 'width']);
  await g.write(file);
}

/** A VAE encoder stand-in: 8×8 average pooling, then the red channel again as the fourth latent channel. */
async function writeVaeEncoder(file: string, float: Float): Promise<void> {
  const g = new OnnxGraph('vae_encoder');
  const x = g.input('sample', float, ['batch_size', 3, 'height', 'width']);
  const pooled = g.op('AveragePool', [x], { kernel_shape: attr.ints([8, 8]), strides: attr.ints([8, 8]) });
  const red = g.op('Slice', [pooled, g.int64s('starts', [0]), g.int64s('ends', [1]), g.int64s('axes', [1])]);
  g.node('Concat', [pooled, red], ['latent_sample'], { axis: attr.int(1) });
  g.output('latent_sample', float, ['batch_size', 4, 'latent_height', 'latent_width']);
  await g.write(file);
}

/** The tiny tokenizer's ids: "a" as a whole word is 1, "a" inside a word 0; BOS 2, EOS (and padding) 3. */
export const TINY_IDS = { a: 1, aPiece: 0, bos: 2, eos: 3 };

/** Writes a whole SD model folder at `dir`. */
export async function writeSdFolder(dir: string, spec: SdFolderSpec): Promise<void> {
  const xl = spec.base === 'sdxl';
  const width = spec.base === 'sd1' ? 768 : spec.base === 'sd2' ? 1024 : 2048;
  const f = spec.float;
  const put = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  };
  const at = (name: string) => path.join(dir, name, 'model.onnx');
  const external = (name: string) => spec.externalData?.[name];

  const pipeline = xl ? 'ORTStableDiffusionXLPipeline' : 'OnnxStableDiffusionPipeline';
  const index: Record<string, unknown> = {
    _class_name: pipeline,
    _diffusers_version: '0.30.0',
    text_encoder: ['diffusers', 'OnnxRuntimeModel'],
    unet: ['diffusers', 'OnnxRuntimeModel'],
    vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    scheduler: ['diffusers', 'PNDMScheduler'],
  };
  if (xl)
    Object.assign(index, {
      text_encoder_2: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer_2: ['transformers', 'CLIPTokenizer'],
      force_zeros_for_empty_prompt: true,
    });
  put('model_index.json', JSON.stringify(index));
  put(
    'scheduler/scheduler_config.json',
    JSON.stringify(spec.lcmGuidanceDim ? LCM : spec.base === 'sd1' ? PNDM_SD15 : spec.base === 'sd2' ? DDIM_SD21 : EULER_SDXL),
  );
  for (const tok of xl ? ['tokenizer', 'tokenizer_2'] : ['tokenizer'])
    for (const [file, content] of Object.entries(TOKENIZER_FILES)) put(`${tok}/${file}`, content);

  await writeTextEncoder(at('text_encoder'), {
    idType: 'int32',
    width: xl ? 768 : width,
    float: f,
    layers: xl ? 3 : 0,
    externalData: external('text_encoder'),
  });
  if (xl)
    await writeTextEncoder(at('text_encoder_2'), {
      idType: 'int64',
      width: 1280,
      float: f,
      layers: 3,
      pooled: 1280,
      externalData: external('text_encoder_2'),
    });
  await writeUnet(at('unet'), {
    float: f,
    width,
    xl,
    batch: spec.unetBatch ?? 'batch_size',
    guidanceDim: spec.lcmGuidanceDim,
    externalData: external('unet'),
  });
  if (spec.sampleSize) put('unet/config.json', JSON.stringify({ sample_size: spec.sampleSize }));
  await writeVaeDecoder(at('vae_decoder'), f);
  if (spec.vaeEncoder) await writeVaeEncoder(at('vae_encoder'), f);
}
