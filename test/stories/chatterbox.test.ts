import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import {
  CHATTERBOX_SAMPLE_RATE,
  chatterboxLayout,
  encodeChatterboxVoice,
  synthesizeChatterbox,
} from '../../src-server/ai/pipelines/chatterbox';
import { TINY_CHATTERBOX, writeTinyChatterbox } from './tiny-chatterbox';

/** A voice-like reference: a tone of the given loudness, 24 kHz. */
const reference = (seconds: number, level: number) =>
  Float32Array.from(
    { length: seconds * CHATTERBOX_SAMPLE_RATE },
    (_, i) => level * Math.sin((2 * Math.PI * 180 * i) / CHATTERBOX_SAMPLE_RATE) + level / 3,
  );

describe('Chatterbox Multilingual pipeline (tiny model in the onnx-community four-graph layout)', () => {
  let pool: AiPool;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-chatterbox-'));
    await writeTinyChatterbox(path.join(dir, 'tiny'));
    pool = new AiPool({ providers: chooseProviders({ env: {} }) });
  });
  afterAll(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names what an incomplete model folder lacks', () => {
    fs.mkdirSync(path.join(dir, 'half', 'onnx'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'tiny', 'onnx', 'speech_encoder.onnx'), path.join(dir, 'half', 'onnx', 'speech_encoder.onnx'));
    expect(chatterboxLayout(path.join(dir, 'half'))).toEqual({
      ok: false,
      missing: ['onnx/embed_tokens.onnx', 'onnx/language_model.onnx', 'onnx/conditional_decoder.onnx', 'tokenizer.json'],
    });
    expect(chatterboxLayout(path.join(dir, 'tiny')).ok).toBe(true);
  });

  it('encodes the reference voice once and speaks each sentence in it, until the stop token', async () => {
    const model = path.join(dir, 'tiny');
    const { voice } = await encodeChatterboxVoice(pool, model, reference(3, 0.3));
    expect(voice.audioFeatures.dims).toEqual([1, TINY_CHATTERBOX.conditioningLength, TINY_CHATTERBOX.hidden]);
    expect([...voice.audioTokens.data]).toEqual([...TINY_CHATTERBOX.referenceTokens]);
    expect(voice.speakerEmbeddings.dims).toEqual([1, 192]);

    const texts = ['토끼가 숲으로 갔어요. It found a friend!'];
    const a = await synthesizeChatterbox(pool, { modelDir: model, texts, language: 'ko', voice });
    expect(a.sampleRate).toBe(24_000);
    expect(a.sentences.map((s) => s.text)).toEqual(['토끼가 숲으로 갔어요.', 'It found a friend!']);
    // The tiny model says its stop token once the speech position passes stopAfter.
    for (const n of a.tokens) expect(n).toBeGreaterThanOrEqual(TINY_CHATTERBOX.stopAfter - 1);
    for (const n of a.tokens) expect(n).toBeLessThan(TINY_CHATTERBOX.stopAfter + 4);
    // Each sentence is the reference's tokens plus its own, one frame a token.
    const first = a.sentences[0]!;
    expect(Math.round((first.end - first.start) * 24_000)).toBe(
      (TINY_CHATTERBOX.referenceTokens.length + a.tokens[0]!) * TINY_CHATTERBOX.samplesPerToken,
    );
    expect(a.sentences[1]!.start).toBeCloseTo(first.end + 0.3, 3);
    expect(a.samples.every((s) => Math.abs(s) <= 1)).toBe(true);

    // Deterministic for the same voice; another voice changes what is said and how it sounds.
    const again = await synthesizeChatterbox(pool, { modelDir: model, texts, language: 'ko', voice });
    expect(Buffer.from(again.samples.buffer).equals(Buffer.from(a.samples.buffer))).toBe(true);
    const other = (await encodeChatterboxVoice(pool, model, reference(3, 0.05))).voice;
    const b = await synthesizeChatterbox(pool, { modelDir: model, texts, language: 'ko', voice: other });
    expect(Buffer.from(b.samples.buffer).equals(Buffer.from(a.samples.buffer))).toBe(false);
  });

  it('stops at the token bound and refuses a voice from another model', async () => {
    const model = path.join(dir, 'tiny');
    const { voice } = await encodeChatterboxVoice(pool, model, reference(2, 0.2));
    const short = await synthesizeChatterbox(pool, { modelDir: model, texts: ['Hello there.'], language: 'en', voice, maxNewTokens: 3 });
    expect(short.tokens).toEqual([3]);
    const wrong = { ...voice, audioFeatures: { data: new Float32Array(3 * 5), dims: [1, 3, 5] } };
    await expect(synthesizeChatterbox(pool, { modelDir: model, texts: ['Hi.'], language: 'en', voice: wrong })).rejects.toThrow(
      /not from this model/,
    );
    await expect(encodeChatterboxVoice(pool, model, new Float32Array(100))).rejects.toThrow(/at least 1 s/);
  });
});
