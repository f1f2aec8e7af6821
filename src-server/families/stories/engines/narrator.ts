import path from 'node:path';
import { firstInstalled } from '../../../ai/models';
import type { AiPool } from '../../../ai/pool';
import { chatterboxLayout, synthesizeChatterbox } from '../../../ai/pipelines/chatterbox';
import { supertonicLayout, synthesizeSpeech } from '../../../ai/pipelines/supertonic';
import { encodeWav } from '../../../media/wav';
import { ClonedVoiceStore, type StoredVoice } from '../conversation/cloned-voice';
import type { SpokenSentence } from '../../../db/schema';
import type { Language } from './types';

/** Where the user installs narration models: one folder each, Supertonic 2 in its official layout. */
export const ttsModelsRoot = (dataDir: string) => path.join(dataDir, 'models', 'tts');

/** Shown wherever the narration model is named: its weights' licence passes its use restrictions on. */
export const SUPERTONIC_LICENCE = 'Supertonic 2 (Supertone): code MIT, weights OpenRAIL-M (use restrictions apply)';

export interface NarrationModel {
  dir: string;
  name: string;
  voices: string[];
}

/** Chatterbox Multilingual, the optional engine that speaks in the parent's own (consented) voice. */
export interface CloningModel {
  dir: string;
  name: string;
}

export const CHATTERBOX_LICENCE = 'Chatterbox Multilingual (Resemble AI): MIT';
/** How a chapter is read: a preset voice of Supertonic, or the parent's voice through Chatterbox. */
export type NarrationPlan =
  { kind: 'preset'; model: NarrationModel; voice: string } | { kind: 'cloned'; model: CloningModel; voice: StoredVoice };

export interface Narration {
  wav: Buffer;
  sentences: SpokenSentence[];
  /** e.g. "supertonic-2 tiny-supertonic (voice F1, 5 steps)". */
  engine: string;
  device: string;
  voice: string;
  seconds: number;
}

/** Reads chapters aloud with the first installed Supertonic model (by folder name), if there is one. */
export class StoryNarrator {
  /** The parents' cloned voices (Chatterbox tensors, never recordings). */
  readonly clonedVoices: ClonedVoiceStore;

  constructor(
    private readonly pool: AiPool,
    private readonly dataDir: string,
  ) {
    this.clonedVoices = new ClonedVoiceStore(dataDir);
  }

  /** The installed model, or null. Hidden folders (installs in progress) and incomplete ones are skipped. */
  model(): NarrationModel | null {
    return firstInstalled(ttsModelsRoot(this.dataDir), (dir, name) => {
      const found = supertonicLayout(dir);
      return found.ok ? { dir, name, voices: Object.keys(found.layout.voices) } : null;
    });
  }

  /** The installed Chatterbox model (a folder of models/tts holding its four graphs and tokenizer.json), or null. */
  cloningModel(): CloningModel | null {
    return firstInstalled(ttsModelsRoot(this.dataDir), (dir, name) => (chatterboxLayout(dir).ok ? { dir, name } : null));
  }

  /**
   * The parent's own voice when Chatterbox is installed and a voice it encoded is stored with
   * consent; otherwise the preset voice (the parent's choice or the closest match); null: no voice.
   */
  plan(ownerId: string, consented: boolean, chosen: string | null): NarrationPlan | null {
    const cloning = this.cloningModel();
    const stored = cloning && consented ? this.clonedVoices.load(ownerId) : null;
    if (cloning && stored && stored.model === cloning.name) return { kind: 'cloned', model: cloning, voice: stored };
    const model = this.model();
    return model ? { kind: 'preset', model, voice: this.voiceFor(model, chosen) } : null;
  }

  /** Why there is no narration, in words a parent can act on. */
  missingReason(): string {
    return 'No narration voice is installed: put a Supertonic 2 model folder (onnx/*.onnx, tts.json, unicode_indexer.json, voice_styles/) in models/tts to hear chapters read aloud';
  }

  /** The voice to use: the parent's choice when the model has it, else its first preset. */
  voiceFor(model: NarrationModel, chosen: string | null): string {
    return chosen && model.voices.includes(chosen) ? chosen : model.voices[0]!;
  }

  async narrate(
    plan: NarrationPlan,
    /** The chapter's title and body: spoken in that order, the title's sentences first. */
    texts: string[],
    language: Language,
    seed: number,
    signal: AbortSignal,
  ): Promise<Narration> {
    if (plan.kind === 'cloned') {
      const spoken = await synthesizeChatterbox(
        this.pool,
        { modelDir: plan.model.dir, texts, language, voice: plan.voice.voice },
        { signal },
      );
      return {
        wav: encodeWav(spoken.samples, spoken.sampleRate),
        sentences: spoken.sentences.map((s) => ({ text: s.text, start: round(s.start), end: round(s.end) })),
        engine: `chatterbox-multilingual ${plan.model.name} (your voice, cloned with consent)`,
        device: spoken.provider,
        voice: 'your voice',
        seconds: spoken.samples.length / spoken.sampleRate,
      };
    }
    const { model, voice } = plan;
    const steps = 5;
    const spoken = await synthesizeSpeech(this.pool, { modelDir: model.dir, texts, language, voice, seed, steps }, { signal });
    return {
      wav: encodeWav(spoken.samples, spoken.sampleRate),
      sentences: spoken.sentences.map((s) => ({ text: s.text, start: round(s.start), end: round(s.end) })),
      engine: `supertonic-2 ${model.name} (voice ${voice}, ${steps} steps)`,
      device: spoken.provider,
      voice,
      seconds: spoken.samples.length / spoken.sampleRate,
    };
  }
}

const round = (s: number) => Math.round(s * 1000) / 1000;
