import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcribe } from '../../src-server/ai/pipelines/whisper';
import { sttModelsRoot } from '../../src-server/families/stories/speech/transcriber';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { form } from '../helpers/bodies';
import { readWav } from '../helpers/wav';
import { wavBytes } from './helpers';
import { writeTinyWhisper } from './tiny-whisper';

const speechFile = fileURLToPath(new URL('../fixtures/speech-16k.wav', import.meta.url));

describe('speech to text for the microphone button (tiny Whisper in the transformers.js layout)', () => {
  let t: TestApp;
  let user: SignedIn;
  const send = (audio: Buffer, language = 'en') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/stories/transcribe',
      ...((b) => ({ payload: b.payload, headers: { ...bearer(user.accessToken), ...b.headers } }))(
        form([
          { name: 'language', value: language },
          { name: 'audio', filename: 'answer.wav', content: audio, type: 'audio/wav' },
        ]),
      ),
    });

  beforeAll(async () => {
    t = await makeTestApp();
    user = await signUp(t.app, { name: 'Parent' });
  });
  afterAll(async () => t.close());

  it('says clearly that no model is installed, so the child types instead', async () => {
    const res = await send(fs.readFileSync(speechFile));
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'STT_MODEL_MISSING', message: expect.stringMatching(/models\/stt.*type/) });
  });

  it('runs the encoder and merged decoder in the worker: words for sound, nothing for silence', async () => {
    const dir = path.join(sttModelsRoot(t.dataDir), 'tiny-whisper');
    await writeTinyWhisper(dir, 'a brave rabbit');
    const { samples } = readWav(speechFile);
    expect((await transcribe(t.app.ai, { modelDir: dir, samples, language: 'ko' })).text).toBe('a brave rabbit');
    expect((await transcribe(t.app.ai, { modelDir: dir, samples: new Float32Array(16_000), language: 'ko' })).text).toBe('');
  });

  it('transcribes a spoken answer, names the engine and device, and keeps no audio', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('atelier-stt-')).length;
    const res = await send(fs.readFileSync(speechFile));
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      text: 'a brave rabbit',
      flagged: false,
      engine: 'whisper tiny-whisper (transformers.js, fp32)',
      device: 'cpu',
    });
    expect(res.json().data.voiced_seconds).toBeGreaterThan(1);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('atelier-stt-')).length).toBe(before);
  });

  it('refuses silence, non-audio and a missing file with the stories error codes', async () => {
    expect((await send(wavBytes(new Float32Array(16_000 * 2)))).json().error.code).toBe('NO_SPEECH');
    expect((await send(Buffer.from('not audio at all'))).json().error.code).toBe('AUDIO_DECODE_FAILED');
    const bare = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stories/transcribe',
      headers: bearer(user.accessToken),
      payload: {},
    });
    expect(bare.json().error.code).toBe('NO_FILE');
  });
});
