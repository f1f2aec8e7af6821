import fs from 'node:fs';
import path from 'node:path';
import { arrange, type Arrangement } from '../../../compose/arrange';
import type { Genre, Instrument, Mood as ComposeMood } from '../../../compose/prompt';
import { renderStems } from '../../../compose/render';
import { encodeAudio } from '../../../media/ffmpeg';
import { masterSong, type Loudness } from '../../../media/master';
import type { Category, Mood } from '../lyrics/writer';
import type { Melody } from './melody';

const RATE = 44100;

const GENRES: Record<Category, Genre> = { cafe: 'lofi', food: 'pop', beauty: 'rnb', health: 'ballad', shop: 'pop', general: 'pop' };
/** The lead carries the tune in place of a singer, so it gets an instrument that sings. */
const LEADS: Record<Mood, Instrument> = { bright: 'bell', calm: 'flute' };

export interface RenderedSong {
  wav: string;
  mp3: string;
  durationSec: number;
  loudness: Loudness;
  genre: Genre;
  arrangement: Pick<Arrangement, 'bpm' | 'bars' | 'durationSec'>;
}

/**
 * The melody through the composing engine: arrangement by the business's genre and mood, each part
 * rendered to a stem, and the lead stem mixed in the place of a sung take (forward, compressed)
 * by `masterSong`, which brings the song to -14 LUFS.
 */
export async function renderSong(
  melody: Melody,
  opts: { category: Category; mood: Mood; dir: string; signal: AbortSignal },
): Promise<RenderedSong> {
  const genre = GENRES[opts.category];
  const mood: ComposeMood = opts.mood === 'bright' ? 'happy' : 'calm';
  const arrangement = arrange({
    grid: melody.grid,
    key: melody.key,
    melody: melody.notes,
    genre,
    mood,
    instruments: [LEADS[opts.mood]],
    feel: null,
    barsStartSec: 0,
  });
  const stems = await renderStems(arrangement, { sampleRate: RATE, signal: opts.signal });
  const stemDir = path.join(opts.dir, 'stems');
  fs.mkdirSync(stemDir, { recursive: true });
  const peak = Math.max(...stems.map((s) => s.peak));
  const scale = peak > 0.98 ? 0.98 / peak : 1;
  const files: Record<string, string> = {};
  for (const stem of stems) {
    if (scale !== 1) for (let i = 0; i < stem.pcm.length; i++) stem.pcm[i]! *= scale;
    files[stem.name] = path.join(stemDir, `${stem.name}.wav`);
    await encodeAudio(stem.pcm, { sampleRate: RATE, channels: 2, output: files[stem.name]! });
  }
  const wav = path.join(opts.dir, 'song.wav');
  const mp3 = path.join(opts.dir, 'song.mp3');
  const loudness = await masterSong({
    vocal: files.lead!,
    vocalStartSec: 0,
    vocalDurationSec: arrangement.durationSec,
    vocalDelaySec: 0,
    vocalGainDb: 0,
    stems: Object.entries(files)
      .filter(([name]) => name !== 'lead')
      .map(([, f]) => f),
    durationSec: arrangement.durationSec,
    wav,
    mp3,
    sampleRate: RATE,
    signal: opts.signal,
  });
  fs.rmSync(stemDir, { recursive: true, force: true });
  return {
    wav,
    mp3,
    durationSec: arrangement.durationSec,
    loudness,
    genre,
    arrangement: { bpm: arrangement.bpm, bars: arrangement.bars, durationSec: arrangement.durationSec },
  };
}
