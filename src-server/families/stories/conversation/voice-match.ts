import path from 'node:path';
import { firstInstalled } from '../../../ai/models';
import type { AiPool } from '../../../ai/pool';
import { cosine, embedSpeaker, speakerModelFile, to16k } from '../../../ai/pipelines/speaker';
import { synthesizeSpeech } from '../../../ai/pipelines/supertonic';
import type { StoryNarrator } from '../engines/narrator';

/** Where the user installs a speaker-embedding model (WeSpeaker/ECAPA ONNX): one folder each. */
export const speakerModelsRoot = (dataDir: string) => path.join(dataDir, 'models', 'speaker');

/** A sample this far from the voice of the samples before it is taken for another speaker. */
export const SAME_SPEAKER_SIMILARITY = 0.5;

/** What every preset voice says to be compared with the parent: a few ordinary sentences. */
const REFERENCE = {
  ko: '옛날 옛적에 작은 토끼가 숲속에 살았어요. 토끼는 매일 아침 친구들과 함께 노래를 불렀어요.',
  en: 'Once upon a time a little rabbit lived in the woods. Every morning it sang with its friends.',
} as const;

export interface PresetMatch {
  voice: string;
  similarity: number;
  /** e.g. "closest preset of supertonic-2 tiny (speaker model wespeaker.onnx)". */
  engine: string;
  device: string;
}

/**
 * "Closest to your voice": the parent's samples become one speaker embedding, which is compared
 * with each preset narrator voice speaking a reference passage. No voice is cloned; the result is
 * labelled as the nearest preset.
 */
export class VoiceMatcher {
  private presets = new Map<string, Promise<Float32Array>>();

  constructor(
    private readonly pool: AiPool,
    private readonly dataDir: string,
    readonly narrator: StoryNarrator,
  ) {}

  /** The first installed speaker model file (folders by name; hidden ones are installs in progress). */
  speakerModel(): string | null {
    return firstInstalled(speakerModelsRoot(this.dataDir), speakerModelFile);
  }

  /** Where the speaker model last ran (cpu, cuda…), reported with the match. */
  device: string | null = null;

  async embed(model: string, pcm16k: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    const { embedding, provider } = await embedSpeaker(this.pool, model, pcm16k, signal);
    this.device = provider;
    return embedding;
  }

  /** Null when there is no narration model to pick a voice from. */
  async closestPreset(model: string, parent: Float32Array, language: 'ko' | 'en'): Promise<PresetMatch | null> {
    const voices = this.narrator.model();
    if (!voices) return null;
    let best: PresetMatch | null = null;
    for (const voice of voices.voices) {
      const key = [voices.dir, voice, language, model].join('\n');
      let preset = this.presets.get(key);
      if (!preset) {
        preset = synthesizeSpeech(this.pool, { modelDir: voices.dir, texts: [REFERENCE[language]], language, voice, seed: 1 }).then(
          (spoken) => this.embed(model, to16k(spoken.samples, spoken.sampleRate)),
        );
        this.presets.set(key, preset);
        preset.catch(() => this.presets.delete(key));
      }
      const similarity = cosine(parent, await preset);
      if (!best || similarity > best.similarity) {
        best = {
          voice,
          similarity: Math.round(similarity * 1000) / 1000,
          engine: `closest preset of supertonic-2 ${voices.name} (speaker model ${path.basename(model)})`,
          device: this.device ?? 'cpu',
        };
      }
    }
    return best;
  }
}
