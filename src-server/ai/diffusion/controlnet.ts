import fs from 'node:fs';
import path from 'node:path';
import { AiError } from '../protocol';
import type { Precision, SdBase } from './model-folder';
import { externalDataProblems, readOnnxFile, type GraphValue } from './onnx-file';

// A ControlNet exported on its own, in the layout OnnxStack and Amuse use: model.onnx takes the
// UNet's `sample`, `timestep`, `encoder_hidden_states` plus `controlnet_cond` (the control image,
// [B, 3, H, W] in [0, 1]) and, optionally, `conditioning_scale`; it gives the down-block
// residuals (one output per UNet down-block skip, numbered) and the mid-block residual, which a
// UNet exported with matching extra inputs adds to its own.

export interface ControlNetFolder {
  file: string;
  base: SdBase | null;
  precision: Precision;
  inputs: GraphValue[];
  /** The residual outputs, down blocks in order, then the mid block. */
  down: string[];
  mid: string;
  /** The conditioning_scale input, when the export has one. */
  scaleInput: string | null;
}

/** The residual names of a graph side (ControlNet outputs or UNet inputs): numbered down ones in order, and the mid one. */
export function residualNames(values: GraphValue[]): { down: string[]; mid: string | null } {
  const down = values
    .map((v) => ({ name: v.name, index: /down_block\D*?(\d+)$/.exec(v.name)?.[1] }))
    .filter((v): v is { name: string; index: string } => v.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index))
    .map((v) => v.name);
  const mid = values.find((v) => /mid_block/.test(v.name))?.name ?? null;
  return { down, mid };
}

/** Checks a ControlNet folder (model.onnx, or its only .onnx) and reads its layout. */
export function readControlNetFolder(dir: string): ControlNetFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AiError('model_load_failed', `${dir} is not a folder`);
  const onnxFiles = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx'));
  const name = onnxFiles.includes('model.onnx') ? 'model.onnx' : onnxFiles.length === 1 ? onnxFiles[0]! : null;
  if (!name)
    throw new AiError(
      'model_load_failed',
      onnxFiles.length ? `${dir} holds several .onnx files and no model.onnx` : `${dir} has no model.onnx`,
    );
  const info = readOnnxFile(path.join(dir, name));
  const problems = externalDataProblems(info);
  const names = new Set(info.inputs.map((v) => v.name));
  for (const needed of ['sample', 'timestep', 'encoder_hidden_states', 'controlnet_cond'])
    if (!names.has(needed)) problems.push(`${name} has no ${needed} input, so it is not a ControlNet export`);
  const { down, mid } = residualNames(info.outputs);
  if (!down.length || !mid) problems.push(`${name} gives no down_block/mid_block residual outputs`);
  if (problems.length) throw new AiError('model_load_failed', problems.join('; '));
  const width = info.inputs.find((v) => v.name === 'encoder_hidden_states')?.dims[2];
  const base: SdBase | null =
    width === 768 ? 'sd1' : width === 1024 ? 'sd2' : width === 2048 ? 'sdxl' : names.has('text_embeds') ? 'sdxl' : null;
  const precision: Precision = (info.weightTypes.float16 ?? 0) > (info.weightTypes.float32 ?? 0) ? 'fp16' : 'fp32';
  return {
    file: info.file,
    base,
    precision,
    inputs: info.inputs,
    down,
    mid: mid!,
    scaleInput: names.has('conditioning_scale') ? 'conditioning_scale' : null,
  };
}
