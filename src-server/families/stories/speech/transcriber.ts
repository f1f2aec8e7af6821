import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { firstInstalled } from '../../../ai/models';
import type { AiPool } from '../../../ai/pool';
import { detectSpeech, VAD_SAMPLE_RATE } from '../../../ai/pipelines/vad';
import { transcribe, whisperModelFiles } from '../../../ai/pipelines/whisper';
import { decodeAudio, MediaDecodeError } from '../../../media/ffmpeg';
import { checkText, mask } from '../engines/safety';
import { storiesErrors } from '../errors';
import type { Transcript } from '../../../../src-shared/api/stories';

/** Where the user installs speech-to-text models: one folder each, Whisper in the transformers.js layout. */
export const sttModelsRoot = (dataDir: string) => path.join(dataDir, 'models', 'stt');

/** Less voiced speech than this is not worth sending to Whisper (it invents words in silence). */
const MIN_SPEECH_SECONDS = 0.3;

/** The child's spoken answer to text: decoded, checked by the VAD, transcribed, then forgotten. */
export class SpeechTranscriber {
  constructor(
    private readonly pool: AiPool,
    private readonly dataDir: string,
  ) {}

  /** The first installed Whisper folder (by name), or null. */
  model(): { dir: string; name: string; dtype: string } | null {
    return firstInstalled(sttModelsRoot(this.dataDir), (dir, name) => {
      const found = whisperModelFiles(dir);
      return found.ok ? { dir, name, dtype: found.dtype } : null;
    });
  }

  async transcribe(bytes: Buffer, language: 'ko' | 'en', signal?: AbortSignal): Promise<Transcript> {
    const model = this.model();
    if (!model) throw storiesErrors.error('STT_MODEL_MISSING');
    // The recording touches only a private temp file, removed before anything else happens.
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-stt-'));
    let pcm: Float32Array;
    try {
      const file = path.join(dir, crypto.randomUUID());
      await fsp.writeFile(file, bytes, { mode: 0o600 });
      pcm = await decodeAudio(file, { sampleRate: VAD_SAMPLE_RATE, signal });
    } catch (err) {
      if (err instanceof MediaDecodeError) throw storiesErrors.error('AUDIO_DECODE_FAILED');
      throw err;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
    const speech = await detectSpeech(this.pool, pcm.slice(), { signal });
    const voiced = speech.segments.reduce((sum, s) => sum + (s.end - s.start), 0);
    if (voiced < MIN_SPEECH_SECONDS)
      throw storiesErrors.error('NO_SPEECH', `No speech was heard in the recording (${voiced.toFixed(1)} s voiced)`);
    const result = await transcribe(this.pool, { modelDir: model.dir, samples: pcm, language }, signal);
    const safe = checkText(result.text).ok;
    return {
      text: safe ? result.text : mask(result.text),
      flagged: !safe,
      engine: `whisper ${model.name} (transformers.js, ${model.dtype})`,
      device: result.provider,
      voiced_seconds: Math.round(voiced * 100) / 100,
    };
  }
}
