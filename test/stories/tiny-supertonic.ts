import fs from 'node:fs';
import path from 'node:path';
import { attr, OnnxGraph } from '../../src-server/ai/onnx/writer';
import { Weights } from '../../src-server/ai/onnx/tiny-net';

/**
 * A tiny Supertonic model in the official four-graph layout (`onnx/duration_predictor.onnx`,
 * `text_encoder.onnx`, `vector_estimator.onnx`, `vocoder.onnx`, `tts.json`, `unicode_indexer.json`,
 * `voice_styles/*.json`) with the real tensor names, so the narration code that runs Supertonic 2
 * runs this too. Each graph does a small version of its real job: durations grow with the text
 * and the voice, the estimator walks the seeded noise to a text- and voice-dependent latent over
 * the steps, the vocoder turns latent frames into samples in [-1, 1].
 */

export const TINY_SUPERTONIC = {
  sampleRate: 8000,
  baseChunkSize: 32,
  chunkCompressFactor: 2,
  latentDim: 3,
  /** Seconds each text id lasts before the voice's rate and the speed are applied. */
  secondsPerId: 0.04,
  voices: ['F1', 'M1'],
} as const;

const EMB = 8;
const TTL = [4, EMB] as const;
const DP = [8, 4] as const;

/** Printable ASCII and the Hangul jamo NFKD turns syllables into; everything else maps to -1. */
function indexer(): number[] {
  const table = new Array<number>(0x1200).fill(-1);
  let next = 1;
  for (let c = 32; c < 127; c++) table[c] = next++;
  for (let c = 0x1100; c < 0x1200; c++) table[c] = next++;
  return table;
}

const vocabSize = () => indexer().filter((v) => v >= 0).length + 1;

function styleJson(w: Weights, dims: readonly number[], offset: number) {
  const values = [...w.normal(dims[0]! * dims[1]!, 0.3)].map((v) => v + offset);
  const rows: number[][] = [];
  for (let r = 0; r < dims[0]!; r++) rows.push(values.slice(r * dims[1]!, (r + 1) * dims[1]!));
  return { dims: [1, ...dims], data: [rows], type: 'float32' };
}

export async function writeTinySupertonic(dir: string, seed = 7): Promise<void> {
  const onnx = path.join(dir, 'onnx');
  fs.mkdirSync(onnx, { recursive: true });
  fs.mkdirSync(path.join(dir, 'voice_styles'), { recursive: true });
  const t = TINY_SUPERTONIC;
  fs.writeFileSync(
    path.join(onnx, 'tts.json'),
    JSON.stringify({
      tts_version: 'tiny',
      ae: { sample_rate: t.sampleRate, base_chunk_size: t.baseChunkSize },
      ttl: { chunk_compress_factor: t.chunkCompressFactor, latent_dim: t.latentDim },
    }),
  );
  fs.writeFileSync(path.join(onnx, 'unicode_indexer.json'), JSON.stringify(indexer()));
  const w = new Weights(seed);
  t.voices.forEach((name, i) => {
    fs.writeFileSync(
      path.join(dir, 'voice_styles', `${name}.json`),
      JSON.stringify({ style_ttl: styleJson(w, TTL, i * 0.5), style_dp: styleJson(w, DP, i * 0.5) }),
    );
  });

  // duration = ids × secondsPerId × (1 + 0.1·mean(style_dp)): longer text, longer speech; each voice its own pace.
  {
    const g = new OnnxGraph('duration_predictor');
    g.input('text_ids', 'int64', ['batch', 'text']);
    const styleDp = g.input('style_dp', 'float32', ['batch', DP[0], DP[1]]);
    const mask = g.input('text_mask', 'float32', ['batch', 1, 'text']);
    const count = g.op('ReduceSum', [mask, g.int64s('axes', [1, 2])], { keepdims: attr.int(0) });
    const pace = g.op('Add', [
      g.scalar('one', 'float32', 1),
      g.op('Mul', [g.op('ReduceMean', [styleDp], { axes: attr.ints([1, 2]), keepdims: attr.int(0) }), g.scalar('k', 'float32', 0.1)]),
    ]);
    g.node('Mul', [g.op('Mul', [count, g.scalar('sec', 'float32', t.secondsPerId)]), pace], ['duration']);
    g.output('duration', 'float32', ['batch']);
    await g.write(path.join(onnx, 'duration_predictor.onnx'), { opsets: { '': 17 } });
  }

  // text_emb[b, :, j] = embedding(text_ids[b, j]) · mask + mean(style_ttl)
  {
    const g = new OnnxGraph('text_encoder');
    const ids = g.input('text_ids', 'int64', ['batch', 'text']);
    const styleTtl = g.input('style_ttl', 'float32', ['batch', TTL[0], TTL[1]]);
    const mask = g.input('text_mask', 'float32', ['batch', 1, 'text']);
    const table = g.initializer('embedding', 'float32', [vocabSize(), EMB], w.normal(vocabSize() * EMB, 0.5));
    const emb = g.op('Transpose', [g.op('Gather', [table, ids], { axis: attr.int(0) })], { perm: attr.ints([0, 2, 1]) });
    const voice = g.op('ReduceMean', [styleTtl], { axes: attr.ints([1, 2]), keepdims: attr.int(1) });
    g.node('Add', [g.op('Mul', [emb, mask]), voice], ['text_emb']);
    g.output('text_emb', 'float32', ['batch', EMB, 'text']);
    await g.write(path.join(onnx, 'text_encoder.onnx'), { opsets: { '': 17 } });
  }

  // A flow step towards target = W · mean_j(text_emb) + mean(style_ttl): x + (target − x)/(total − current), masked.
  {
    const channels = t.latentDim * t.chunkCompressFactor;
    const g = new OnnxGraph('vector_estimator');
    const x = g.input('noisy_latent', 'float32', ['batch', channels, 'latent']);
    const emb = g.input('text_emb', 'float32', ['batch', EMB, 'text']);
    const styleTtl = g.input('style_ttl', 'float32', ['batch', TTL[0], TTL[1]]);
    g.input('text_mask', 'float32', ['batch', 1, 'text']);
    const latentMask = g.input('latent_mask', 'float32', ['batch', 1, 'latent']);
    const total = g.input('total_step', 'float32', ['batch']);
    const current = g.input('current_step', 'float32', ['batch']);
    const proj = g.initializer('proj', 'float32', [channels, EMB], w.normal(channels * EMB, 0.4));
    const pooled = g.op('ReduceMean', [emb], { axes: attr.ints([2]), keepdims: attr.int(1) });
    const voice = g.op('ReduceMean', [styleTtl], { axes: attr.ints([1, 2]), keepdims: attr.int(1) });
    const target = g.op('Add', [g.op('MatMul', [proj, pooled]), voice]);
    const left = g.op('Reshape', [g.op('Sub', [total, current]), g.int64s('bshape', [-1, 1, 1])]);
    const moved = g.op('Add', [x, g.op('Div', [g.op('Sub', [target, x]), left])]);
    g.node('Mul', [moved, latentMask], ['denoised_latent']);
    g.output('denoised_latent', 'float32', ['batch', channels, 'latent']);
    await g.write(path.join(onnx, 'vector_estimator.onnx'), { opsets: { '': 17 } });
  }

  // Each latent frame becomes baseChunkSize × chunkCompressFactor samples: tanh(frameᵀ · W).
  {
    const channels = t.latentDim * t.chunkCompressFactor;
    const frame = t.baseChunkSize * t.chunkCompressFactor;
    const g = new OnnxGraph('vocoder');
    const latent = g.input('latent', 'float32', ['batch', channels, 'latent']);
    const basis = g.initializer('basis', 'float32', [channels, frame], w.normal(channels * frame, 0.5));
    const frames = g.op('MatMul', [g.op('Transpose', [latent], { perm: attr.ints([0, 2, 1]) }), basis]);
    g.node('Tanh', [g.op('Reshape', [frames, g.int64s('flat', [0, -1])])], ['wav_tts']);
    g.output('wav_tts', 'float32', ['batch', 'samples']);
    await g.write(path.join(onnx, 'vocoder.onnx'), { opsets: { '': 17 } });
  }
}
