import fs from 'node:fs';
import path from 'node:path';
import { CHATTERBOX_LICENCE, SUPERTONIC_LICENCE, type NarrationModel, type StoryNarrator } from '../engines/narrator';
import type { StoryEngineSlot } from '../engines/slot';
import type { SpeechTranscriber } from '../speech/transcriber';
import type { VoiceMatcher } from '../conversation/voice-match';

export interface ModelInfo {
  kind: 'chat' | 'narration' | 'speech-to-text' | 'speaker' | 'voice-cloning';
  name: string;
  licence: string;
  non_commercial: boolean;
  voices: string[];
}

/** Licences that forbid commercial use, as model cards name them (EXAONE's is "exaone", NC-only). */
const NON_COMMERCIAL = /(\bnc\b|-nc[-\s]|-nc$|non-?commercial|exaone|openrail-nc)/i;

/** The `license:` of a Hugging Face model card's front matter in the folder's README.md, if any. */
function cardLicence(dir: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'README.md'), 'utf8').slice(0, 8000);
  } catch {
    return null;
  }
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  const name = /^license:\s*(.+)$/m
    .exec(front)?.[1]
    ?.trim()
    .replace(/^["']|["']$/g, '');
  const custom = /^license_name:\s*(.+)$/m.exec(front)?.[1]?.trim();
  return name ? (custom && name === 'other' ? custom : name) : null;
}

/** The stories' installed models with their licences, for the parent panel. */
export class InstalledModels {
  constructor(
    private readonly engines: StoryEngineSlot,
    private readonly narrator: StoryNarrator,
    private readonly transcriber: SpeechTranscriber,
    private readonly voices: VoiceMatcher,
  ) {}

  narration(): NarrationModel | null {
    return this.narrator.model();
  }

  /** The parent's stored voice when the Chatterbox model that encoded it is installed. */
  clonedVoice(ownerId: string): { engine: string; at: string } | null {
    const model = this.narrator.cloningModel();
    const stored = model ? this.narrator.clonedVoices.load(ownerId) : null;
    return model && stored?.model === model.name ? { engine: `chatterbox-multilingual ${model.name}`, at: stored.at } : null;
  }

  list(): ModelInfo[] {
    const out: ModelInfo[] = [];
    const chat = this.engines.chatModel();
    if (chat) {
      const licence = cardLicence(chat) ?? 'unknown: the model folder has no README.md licence; check its model card';
      out.push({ kind: 'chat', name: path.basename(chat), licence, non_commercial: NON_COMMERCIAL.test(licence), voices: [] });
    }
    const voice = this.narrator.model();
    if (voice) {
      const stated = cardLicence(voice.dir);
      const licence = stated ? `${stated} (${SUPERTONIC_LICENCE})` : SUPERTONIC_LICENCE;
      out.push({ kind: 'narration', name: voice.name, licence, non_commercial: NON_COMMERCIAL.test(licence), voices: voice.voices });
    }
    const cloning = this.narrator.cloningModel();
    if (cloning) {
      const stated = cardLicence(cloning.dir);
      const licence = stated ? `${stated} (${CHATTERBOX_LICENCE})` : CHATTERBOX_LICENCE;
      out.push({ kind: 'voice-cloning', name: cloning.name, licence, non_commercial: NON_COMMERCIAL.test(licence), voices: [] });
    }
    const stt = this.transcriber.model();
    if (stt) {
      const licence = cardLicence(stt.dir) ?? 'unknown: the model folder has no README.md licence (OpenAI Whisper weights are MIT)';
      out.push({ kind: 'speech-to-text', name: stt.name, licence, non_commercial: NON_COMMERCIAL.test(licence), voices: [] });
    }
    const speaker = this.voices.speakerModel();
    if (speaker) {
      const dir = path.dirname(speaker);
      const licence = cardLicence(dir) ?? 'unknown: the model folder has no README.md licence; check its model card';
      out.push({ kind: 'speaker', name: path.basename(dir), licence, non_commercial: NON_COMMERCIAL.test(licence), voices: [] });
    }
    return out;
  }
}
