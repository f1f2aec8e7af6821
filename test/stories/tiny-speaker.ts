import path from 'node:path';
import fs from 'node:fs';
import { attr, OnnxGraph } from '../../src-server/ai/onnx/writer';
import { Weights } from '../../src-server/ai/onnx/tiny-net';

/**
 * A tiny speaker-embedding model in WeSpeaker's ONNX interface (`feats` [batch, frames, 80]
 * mean-normalised log-mel filterbanks in, `embs` [batch, 16] out): how much each mel band moves
 * over time, centred across bands and projected by seeded weights. Voices with different spectra
 * land apart, the same recording lands in the same place.
 */
export async function writeTinySpeakerModel(dir: string, seed = 11): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const g = new OnnxGraph('tiny-speaker');
  const feats = g.input('feats', 'float32', ['batch', 'frames', 80]);
  const spread = g.op('Sqrt', [g.op('ReduceMean', [g.op('Mul', [feats, feats])], { axes: attr.ints([1]), keepdims: attr.int(0) })]);
  const centred = g.op('Sub', [spread, g.op('ReduceMean', [spread], { axes: attr.ints([1]), keepdims: attr.int(1) })]);
  const w = g.initializer('proj', 'float32', [80, 16], new Weights(seed).normal(80 * 16, 0.3));
  g.node('MatMul', [centred, w], ['embs']);
  g.output('embs', 'float32', ['batch', 16]);
  await g.write(path.join(dir, 'tiny_wespeaker.onnx'), { opsets: { '': 17 } });
}
