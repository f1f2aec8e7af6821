import fs from 'node:fs';
import path from 'node:path';
import { AiError } from '../protocol';
import { externalDataProblems, OnnxFileError, readOnnxFile, type GraphValue, type OnnxFileInfo } from './onnx-file';
import type { PredictionType, SchedulerConfigJson } from './schedulers/schedule';

// A Stable Diffusion model in the layout of HF's ONNX exports (optimum-cli export onnx, or the
// older diffusers convert_stable_diffusion_checkpoint_to_onnx): model_index.json, one folder per
// component with model.onnx (and model.onnx_data or weights.pb past 2 GB), tokenizer folders and
// scheduler/scheduler_config.json. Everything is checked up front so a broken download is one
// clear message, not a failure halfway through the first image.

export type SdBase = 'sd1' | 'sd2' | 'sdxl';
export type Precision = 'fp16' | 'fp32';
export type ComponentName = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_decoder' | 'vae_encoder';

type Json = Record<string, unknown>;

export interface OnnxComponent {
  name: ComponentName;
  /** The model file to give onnxruntime. */
  model: string;
  /** External data files, resolved, that must travel with the model. */
  externalData: string[];
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** fp16 when most weights are float16. */
  precision: Precision;
  /** The component's config.json when the export kept it (optimum does). */
  config: Json | null;
}

export interface DiffusionModelFolder {
  dir: string;
  base: SdBase;
  /** The UNet's weights (each component has its own `precision` too). */
  precision: Precision;
  predictionType: PredictionType;
  /** The resolution the model was trained at: 512 (SD 1.x, SD 2 base), 768 (SD 2 v), 1024 (SDXL). */
  sampleSize: number;
  /** Latents are divided by this before the VAE decoder (and multiplied after the encoder). */
  vaeScalingFactor: number;
  /** The width of the text embeddings the UNet attends to: 768, 1024 or 2048. */
  crossAttentionDim: number | null;
  modelIndex: Json;
  schedulerConfig: SchedulerConfigJson;
  textEncoder: OnnxComponent;
  /** SDXL's OpenCLIP bigG encoder. */
  textEncoder2: OnnxComponent | null;
  unet: OnnxComponent;
  vaeDecoder: OnnxComponent;
  /** Needed for img2img and inpainting only. */
  vaeEncoder: OnnxComponent | null;
  tokenizer: string;
  tokenizer2: string | null;
}

function readJson(file: string, problems: string[], label: string): Json | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    problems.push(`${label} is missing`);
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
    problems.push(`${label} is not a JSON object`);
  } catch (err) {
    problems.push(`${label} is not valid JSON (${(err as Error).message})`);
  }
  return null;
}

const optionalJson = (file: string): Json | null => (fs.existsSync(file) ? readJson(file, [], file) : null);

function precisionOf(info: OnnxFileInfo): Precision {
  return (info.weightTypes.float16 ?? 0) > (info.weightTypes.float32 ?? 0) ? 'fp16' : 'fp32';
}

/** model.onnx, or the folder's only .onnx file under another name. */
function findModel(dir: string): string | null {
  const standard = path.join(dir, 'model.onnx');
  if (fs.existsSync(standard)) return standard;
  if (!fs.existsSync(dir)) return null;
  const onnx = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx'));
  return onnx.length === 1 ? path.join(dir, onnx[0]!) : null;
}

function readComponent(root: string, name: ComponentName, problems: string[]): OnnxComponent | null {
  const dir = path.join(root, name);
  const model = findModel(dir);
  if (!model) {
    problems.push(fs.existsSync(dir) ? `${name}/model.onnx is missing` : `${name}/ is missing`);
    return null;
  }
  const label = path.relative(root, model);
  let info: OnnxFileInfo;
  try {
    info = readOnnxFile(model);
  } catch (err) {
    problems.push(err instanceof OnnxFileError ? `${label} ${err.message}` : `${label} cannot be read (${(err as Error).message})`);
    return null;
  }
  const external = externalDataProblems(info);
  for (const p of external) problems.push(`${label} ${p}`);
  if (external.length) return null;
  return {
    name,
    model,
    externalData: info.externalData.map((e) => path.resolve(dir, e.location)),
    inputs: info.inputs,
    outputs: info.outputs,
    precision: precisionOf(info),
    config: optionalJson(path.join(dir, 'config.json')),
  };
}

function checkTokenizer(root: string, name: 'tokenizer' | 'tokenizer_2', problems: string[]): string {
  const dir = path.join(root, name);
  if (!fs.existsSync(dir)) problems.push(`${name}/ is missing`);
  else if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) {
    const lacking = ['vocab.json', 'merges.txt'].filter((f) => !fs.existsSync(path.join(dir, f)));
    if (lacking.length) problems.push(`${name}/ has no tokenizer.json and lacks ${lacking.join(' and ')}`);
  }
  return dir;
}

/** The last dimension of a value when it is fixed. */
const lastDim = (value: GraphValue | undefined): number | null => {
  const d = value?.dims.at(-1);
  return typeof d === 'number' && d > 0 ? d : null;
};

const numberIn = (json: Json | null, key: string): number | null => (typeof json?.[key] === 'number' ? (json[key] as number) : null);

/**
 * Reads and checks a Stable Diffusion ONNX model folder. Throws one `model_load_failed` AiError
 * listing everything missing or broken; otherwise says which base model it is (SD 1.x, SD 2.x,
 * SDXL), its precision, prediction type and native size.
 */
export function readModelFolder(dir: string): DiffusionModelFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AiError('model_load_failed', `${dir} is not a folder`);
  const problems: string[] = [];
  const modelIndex = readJson(path.join(dir, 'model_index.json'), problems, 'model_index.json') ?? {};
  const schedulerConfig = readJson(path.join(dir, 'scheduler', 'scheduler_config.json'), problems, 'scheduler/scheduler_config.json') ?? {};
  const className = typeof modelIndex._class_name === 'string' ? modelIndex._class_name : '';
  // diffusers lists an absent component as [null, null].
  const listed = (key: string) => Array.isArray(modelIndex[key]) && (modelIndex[key] as unknown[])[0] !== null;
  const xl = /XL/.test(className) || listed('text_encoder_2') || fs.existsSync(path.join(dir, 'text_encoder_2'));

  const textEncoder = readComponent(dir, 'text_encoder', problems);
  const textEncoder2 = xl ? readComponent(dir, 'text_encoder_2', problems) : null;
  const unet = readComponent(dir, 'unet', problems);
  const vaeDecoder = readComponent(dir, 'vae_decoder', problems);
  const vaeEncoder = fs.existsSync(path.join(dir, 'vae_encoder')) ? readComponent(dir, 'vae_encoder', problems) : null;
  const tokenizer = checkTokenizer(dir, 'tokenizer', problems);
  const tokenizer2 = xl ? checkTokenizer(dir, 'tokenizer_2', problems) : null;

  const hidden = unet?.inputs.find((v) => v.name === 'encoder_hidden_states');
  const crossAttentionDim = lastDim(hidden) ?? numberIn(unet?.config ?? null, 'cross_attention_dim');
  const textWidth = (c: OnnxComponent | null) =>
    lastDim(c?.outputs.find((v) => v.name === 'last_hidden_state') ?? c?.outputs.find((v) => v.dims.length === 3));
  if (!xl && crossAttentionDim !== null && textEncoder && textWidth(textEncoder) !== null && textWidth(textEncoder) !== crossAttentionDim) {
    problems.push(
      `text_encoder gives ${textWidth(textEncoder)}-wide embeddings but unet attends to ${crossAttentionDim}: components of different models`,
    );
  }
  // A missing component always left a problem; the test also narrows the types.
  if (problems.length || !textEncoder || !unet || !vaeDecoder)
    throw new AiError('model_load_failed', `${dir} is not a usable Stable Diffusion ONNX model: ${problems.join('; ')}`);

  const predictionType =
    schedulerConfig.prediction_type === 'v_prediction'
      ? 'v_prediction'
      : schedulerConfig.prediction_type === 'sample'
        ? 'sample'
        : 'epsilon';
  const textHidden = numberIn(textEncoder.config, 'hidden_size') ?? textWidth(textEncoder);
  // SD 1.x attends to CLIP ViT-L (768 wide), SD 2.x to OpenCLIP ViT-H (1024); without either
  // number, SD 2's v-prediction is the remaining tell.
  const width = crossAttentionDim ?? textHidden;
  const base: SdBase = xl ? 'sdxl' : width === 1024 || (width === null && predictionType === 'v_prediction') ? 'sd2' : 'sd1';

  const sampleDim = unet.inputs.find((v) => v.name === 'sample')?.dims[2];
  const latentSize = numberIn(unet.config, 'sample_size') ?? (typeof sampleDim === 'number' && sampleDim > 0 ? sampleDim : null);
  const sampleSize =
    latentSize !== null ? latentSize * 8 : base === 'sdxl' ? 1024 : base === 'sd2' && predictionType === 'v_prediction' ? 768 : 512;
  const vaeScalingFactor = numberIn(vaeDecoder.config, 'scaling_factor') ?? (base === 'sdxl' ? 0.13025 : 0.18215);

  return {
    dir,
    base,
    precision: unet.precision,
    predictionType,
    sampleSize,
    vaeScalingFactor,
    crossAttentionDim,
    modelIndex,
    schedulerConfig,
    textEncoder,
    textEncoder2,
    unet,
    vaeDecoder,
    vaeEncoder,
    tokenizer,
    tokenizer2,
  };
}

/** A VAE installed on its own (an ONNX export of an AutoencoderKL: `vae_decoder/`, and `vae_encoder/` for image to image). */
export interface VaeFolder {
  dir: string;
  vaeDecoder: OnnxComponent;
  vaeEncoder: OnnxComponent | null;
  /** From the decoder's config.json; null when it does not say (the checkpoint's own factor is kept). */
  scalingFactor: number | null;
}

/** Reads a standalone VAE folder, listing everything missing or broken, as `readModelFolder` does for checkpoints. */
export function readVaeFolder(dir: string): VaeFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AiError('model_load_failed', `${dir} is not a folder`);
  const problems: string[] = [];
  const vaeDecoder = readComponent(dir, 'vae_decoder', problems);
  const vaeEncoder = fs.existsSync(path.join(dir, 'vae_encoder')) ? readComponent(dir, 'vae_encoder', problems) : null;
  const channels = vaeDecoder?.inputs.find((v) => v.name === 'latent_sample')?.dims[1];
  if (typeof channels === 'number' && channels !== 4)
    problems.push(`vae_decoder takes ${channels} latent channels; Stable Diffusion 1.x, 2.x and SDXL use 4`);
  if (problems.length || !vaeDecoder)
    throw new AiError(
      'model_load_failed',
      `${dir} is not a usable VAE (an ONNX export with vae_decoder/model.onnx): ${problems.join('; ')}`,
    );
  return { dir, vaeDecoder, vaeEncoder, scalingFactor: numberIn(vaeDecoder.config, 'scaling_factor') };
}
