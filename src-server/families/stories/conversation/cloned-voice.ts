import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChatterboxVoice } from '../../../ai/pipelines/chatterbox';

/** What is kept of a parent's cloned voice: the speech encoder's tensors, never a recording. */
export interface StoredVoice {
  /** The Chatterbox model folder that encoded it: another model cannot use its tensors. */
  model: string;
  at: string;
  voice: ChatterboxVoice;
}

interface VoiceFile {
  model: string;
  at: string;
  tensors: Record<keyof ChatterboxVoice, { dims: number[]; base64: string }>;
}

const KEYS = ['audioFeatures', 'audioTokens', 'speakerEmbeddings', 'speakerFeatures'] as const;

/**
 * One file per account under `<data>/stories/voices/`, written whole (temp file, then rename) so a
 * crash leaves the old voice or none; deleted with the voice data, on withdrawn consent and when
 * the retention period ends.
 */
export class ClonedVoiceStore {
  constructor(private readonly dataDir: string) {}

  private file(ownerId: string): string {
    // Account ids are UUIDs; hashing keeps any id a plain file name.
    return path.join(this.dataDir, 'stories', 'voices', `${crypto.createHash('sha256').update(ownerId).digest('hex').slice(0, 32)}.json`);
  }

  save(ownerId: string, stored: StoredVoice): void {
    const file = this.file(ownerId);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const body: VoiceFile = {
      model: stored.model,
      at: stored.at,
      tensors: Object.fromEntries(
        KEYS.map((k) => {
          const t = stored.voice[k];
          return [k, { dims: t.dims, base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') }];
        }),
      ) as VoiceFile['tensors'],
    };
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(body), { mode: 0o600 });
    fs.renameSync(temp, file);
  }

  load(ownerId: string): StoredVoice | null {
    let body: VoiceFile;
    try {
      body = JSON.parse(fs.readFileSync(this.file(ownerId), 'utf8')) as VoiceFile;
    } catch {
      return null;
    }
    const bytes = (k: (typeof KEYS)[number]) => {
      const b = Buffer.from(body.tensors[k].base64, 'base64');
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    };
    return {
      model: body.model,
      at: body.at,
      voice: {
        audioFeatures: { data: new Float32Array(bytes('audioFeatures')), dims: body.tensors.audioFeatures.dims },
        audioTokens: { data: new BigInt64Array(bytes('audioTokens')), dims: body.tensors.audioTokens.dims },
        speakerEmbeddings: { data: new Float32Array(bytes('speakerEmbeddings')), dims: body.tensors.speakerEmbeddings.dims },
        speakerFeatures: { data: new Float32Array(bytes('speakerFeatures')), dims: body.tensors.speakerFeatures.dims },
      },
    };
  }

  forget(ownerId: string): void {
    fs.rmSync(this.file(ownerId), { force: true });
  }
}
