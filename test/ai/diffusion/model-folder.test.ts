import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../src-server/ai/diffusion/model-folder';
import { externalDataProblems, OnnxFileError, readOnnxFile } from '../../../src-server/ai/diffusion/onnx-file';
import { requireTensor, sessionIo } from '../../../src-server/ai/diffusion/session-io';
import { sileroVadModelPath } from '../../../src-server/ai/models';
import { isAiError } from '../../../src-server/ai/protocol';
import { writeComponent, writeSdFolder, type ComponentSpec } from './fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-sd-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(root, `${n++}-${name}`);

const UNET: ComponentSpec = {
  inputs: [
    { name: 'sample', type: 'float16', dims: ['batch_size', 4, 'height', 'width'] },
    { name: 'timestep', type: 'int64', dims: [1] },
    { name: 'encoder_hidden_states', type: 'float16', dims: ['batch_size', 77, 768] },
  ],
  output: { name: 'out_sample', dims: ['batch_size', 4, 'height', 'width'] },
  float: 'float16',
};

const failure = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
};

describe('readOnnxFile', () => {
  it('reads inputs, outputs and weight types without loading the model', async () => {
    const file = path.join(fresh('unet'), 'model.onnx');
    await writeComponent(file, UNET);
    const info = readOnnxFile(file);
    expect(info.irVersion).toBe(8);
    expect(info.inputs).toEqual(UNET.inputs);
    expect(info.outputs).toEqual([{ name: 'out_sample', type: 'float16', dims: ['batch_size', 4, 'height', 'width'] }]);
    expect(info.weightTypes).toEqual({ float16: 1 });
    expect(info.externalData).toEqual([]);
  });

  it('finds the external data file and how much of it the model reads', async () => {
    const dir = fresh('external');
    const file = path.join(dir, 'model.onnx');
    await writeComponent(file, {
      ...UNET,
      float: 'float32',
      width: 3000,
      inputs: [{ name: 'x', type: 'float32', dims: [1, 3000] }],
      output: { name: 'y', dims: [1, 1, 3000] },
      externalData: 'weights.pb',
    });
    const info = readOnnxFile(file);
    // One float32 tensor of 3000 values at offset 0.
    expect(info.externalData).toEqual([{ location: 'weights.pb', end: 12_000 }]);
    expect(externalDataProblems(info)).toEqual([]);
    fs.truncateSync(path.join(dir, 'weights.pb'), 100);
    expect(externalDataProblems(info)).toEqual(['reads 12000 bytes from weights.pb, which has only 100 (truncated?)']);
    fs.rmSync(path.join(dir, 'weights.pb'));
    expect(externalDataProblems(info)).toEqual(['needs its external data file weights.pb, which is missing']);
  });

  it('agrees with onnxruntime on real models (the Silero VAD exports)', async () => {
    const silero = path.dirname(sileroVadModelPath());
    const models = ['silero_vad_16k_op15.onnx', 'silero_vad.onnx', 'silero_vad_half.onnx', 'silero_vad_op18_ifless.onnx'].map((f) =>
      path.join(silero, f),
    );
    for (const model of models) {
      const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
      try {
        const io = sessionIo(session);
        const info = readOnnxFile(model);
        expect(info.inputs, model).toEqual(io.inputs);
        expect(info.outputs, model).toEqual(io.outputs);
      } finally {
        await session.release();
      }
    }
    // silero_vad.onnx has dimensions with neither size nor name.
    expect(readOnnxFile(path.join(silero, 'silero_vad.onnx')).inputs[0]!.dims).toEqual([null, null]);
  });

  it('says what is wrong with a file that is not a whole ONNX model', async () => {
    const dir = fresh('broken');
    const garbage = path.join(dir, 'garbage.onnx');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(garbage, 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3438167534\n');
    expect(failure(() => readOnnxFile(garbage))).toBeInstanceOf(OnnxFileError);
    expect(failure(() => readOnnxFile(garbage)).message).toMatch(/Git LFS pointer/);
    fs.writeFileSync(garbage, 'not a model');
    expect(failure(() => readOnnxFile(garbage)).message).toMatch(/not a protobuf/);
    fs.writeFileSync(path.join(dir, 'empty.onnx'), '');
    expect(failure(() => readOnnxFile(path.join(dir, 'empty.onnx'))).message).toBe('is empty');
    const whole = path.join(dir, 'model.onnx');
    await writeComponent(whole, UNET);
    const bytes = fs.readFileSync(whole);
    fs.writeFileSync(whole, bytes.subarray(0, bytes.length - 20));
    expect(failure(() => readOnnxFile(whole)).message).toMatch(/truncated|overruns|past/);
  });
});

describe('sessionIo', () => {
  it("reads names, types and dims from onnxruntime's metadata", async () => {
    const file = path.join(fresh('unet'), 'model.onnx');
    await writeComponent(file, UNET);
    const session = await ort.InferenceSession.create(file);
    try {
      const io = sessionIo(session);
      expect(io.inputs).toEqual(UNET.inputs);
      expect(io.outputs).toEqual([{ name: 'out_sample', type: 'float16', dims: ['batch_size', 4, 'height', 'width'] }]);
      expect(requireTensor(io.inputs, ['timestep', 't'], 'unet')).toEqual({ name: 'timestep', type: 'int64', dims: [1] });
      expect(() => requireTensor(io.inputs, ['text_embeds'], 'unet')).toThrow(
        'unet has no input text_embeds; its inputs are sample (float16 [batch_size, 4, height, width]), timestep (int64 [1]), encoder_hidden_states (float16 [batch_size, 77, 768])',
      );
    } finally {
      await session.release();
    }
  });
});

describe('readModelFolder', () => {
  it('recognises an SD 1.5 fp32 export', async () => {
    const dir = fresh('sd15');
    await writeSdFolder(dir, { base: 'sd1', float: 'float32', vaeEncoder: true });
    const m = readModelFolder(dir);
    expect([m.base, m.precision, m.predictionType, m.sampleSize, m.crossAttentionDim, m.vaeScalingFactor]).toEqual([
      'sd1',
      'fp32',
      'epsilon',
      512,
      768,
      0.18215,
    ]);
    expect(m.unet.model).toBe(path.join(dir, 'unet', 'model.onnx'));
    expect(m.vaeEncoder?.inputs[0]?.name).toBe('sample');
    expect(m.textEncoder2).toBeNull();
    expect(m.tokenizer).toBe(path.join(dir, 'tokenizer'));
    expect(m.schedulerConfig._class_name).toBe('PNDMScheduler');
  });

  it('recognises SD 2.1 (1024-wide text, v-prediction, 768 px) in fp16', async () => {
    const dir = fresh('sd21');
    await writeSdFolder(dir, { base: 'sd2', float: 'float16' });
    const m = readModelFolder(dir);
    expect([m.base, m.precision, m.predictionType, m.sampleSize, m.crossAttentionDim]).toEqual(['sd2', 'fp16', 'v_prediction', 768, 1024]);
    expect(m.vaeEncoder).toBeNull();
  });

  it('recognises SDXL with external weights (model.onnx_data, weights.pb) and takes sizes from config.json', async () => {
    const dir = fresh('sdxl');
    await writeSdFolder(dir, { base: 'sdxl', float: 'float16', externalData: { unet: 'model.onnx_data', text_encoder_2: 'weights.pb' } });
    fs.writeFileSync(
      path.join(dir, 'vae_decoder', 'config.json'),
      JSON.stringify({ _class_name: 'AutoencoderKL', scaling_factor: 0.13025 }),
    );
    fs.writeFileSync(path.join(dir, 'unet', 'config.json'), JSON.stringify({ sample_size: 128, cross_attention_dim: 2048 }));
    const m = readModelFolder(dir);
    expect([m.base, m.precision, m.sampleSize, m.crossAttentionDim, m.vaeScalingFactor]).toEqual(['sdxl', 'fp16', 1024, 2048, 0.13025]);
    expect(m.unet.externalData).toEqual([path.join(dir, 'unet', 'model.onnx_data')]);
    expect(m.textEncoder2?.externalData).toEqual([path.join(dir, 'text_encoder_2', 'weights.pb')]);
    expect(m.tokenizer2).toBe(path.join(dir, 'tokenizer_2'));
    expect(m.unet.inputs.map((v) => v.name)).toEqual(['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids']);
  });

  it('lists everything missing or broken in one error', async () => {
    const dir = fresh('broken');
    await writeSdFolder(dir, { base: 'sdxl', float: 'float16', externalData: { unet: 'model.onnx_data' } });
    fs.rmSync(path.join(dir, 'unet', 'model.onnx_data'));
    fs.rmSync(path.join(dir, 'vae_decoder'), { recursive: true });
    fs.rmSync(path.join(dir, 'tokenizer_2', 'merges.txt'));
    fs.writeFileSync(path.join(dir, 'text_encoder', 'model.onnx'), 'not a model');
    fs.writeFileSync(path.join(dir, 'scheduler', 'scheduler_config.json'), '{');
    const err = failure(() => readModelFolder(dir));
    expect(isAiError(err, 'model_load_failed')).toBe(true);
    expect(err.message).toContain('scheduler/scheduler_config.json is not valid JSON');
    expect(err.message).toContain(`${path.join('text_encoder', 'model.onnx')} `);
    expect(err.message).toContain(`${path.join('unet', 'model.onnx')} needs its external data file model.onnx_data, which is missing`);
    expect(err.message).toContain('vae_decoder/ is missing');
    expect(err.message).toContain('tokenizer_2/ has no tokenizer.json and lacks merges.txt');
    expect(failure(() => readModelFolder(path.join(dir, 'nowhere'))).message).toMatch(/is not a folder/);
  });

  it('refuses a text encoder and a UNet from different models', async () => {
    const dir = fresh('mixed');
    await writeSdFolder(dir, { base: 'sd1', float: 'float32' });
    await writeComponent(path.join(dir, 'text_encoder', 'model.onnx'), {
      inputs: [{ name: 'input_ids', type: 'int32', dims: ['batch_size', 'sequence_length'] }],
      output: { name: 'last_hidden_state', dims: ['batch_size', 'sequence_length', 1024] },
      width: 1024,
      float: 'float32',
    });
    expect(failure(() => readModelFolder(dir)).message).toContain('text_encoder gives 1024-wide embeddings but unet attends to 768');
  });
});
