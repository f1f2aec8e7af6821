import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { transcribeNotes } from '../ai/basic-pitch/pipeline';
import { SAMPLE_RATE as PITCH_RATE } from '../ai/basic-pitch/model';
import { detectSpeech, VAD_SAMPLE_RATE, type SpeechSegment } from '../ai/pipelines/vad';
import type { AiPool } from '../ai/pool';
import { ComposerError, type Composer, type ComposeInput, type ComposeOutput, type ReworkInput } from './composer';
import { decodeAudio, encodeAudio } from '../media/ffmpeg';
import { masterSong, type Loudness } from '../media/master';
import { arrange, type Arrangement } from './arrange';
import { arrangementToMidi } from './midi';
import { genreOf, instrumentsOf, moodOf, readPrompt, type Genre } from './prompt';
import { renderStems } from './render';
import { planFrom, reworkedPlan, spliceRegion, spliceSongs, type ArrangePlan } from './plan';
import {
  barGrid,
  estimateKey,
  estimateTempo,
  keyNamed,
  makeKey,
  melodyLine,
  mod12,
  quantise,
  tempoAt,
  type Grid,
  type Key,
  type QuantisedNote,
} from './theory';

/**
 * Voice in, song out: decode → find the sung phrases (Silero VAD) → transcribe the melody
 * (basic-pitch) → key, tempo, chords and a five-part arrangement → render the stems (Tone.js in a
 * worker) → mix with the take and master to -14 LUFS (ffmpeg). Writes song.wav, song.mp3,
 * song.mid and stems/<part>.wav into the work folder.
 */

export const STAGES = ['decode', 'vad', 'transcribe', 'arrange', 'render', 'mix'] as const;
export type Stage = (typeof STAGES)[number];

/** Where each stage starts in the job's progress; rendering and transcribing take longest. */
const STAGE_START: Record<Stage, number> = { decode: 0, vad: 0.05, transcribe: 0.15, arrange: 0.45, render: 0.5, mix: 0.85 };
/** A rework hears nothing again: it arranges, renders and mixes. */
const REWORK_START: Record<Stage, number> = { decode: 0, vad: 0, transcribe: 0, arrange: 0, render: 0.05, mix: 0.8 };

/** Progress by stage, with each stage's wall-clock and CPU time. */
class StageClock {
  readonly timings = {} as Record<Stage, number>;
  readonly cpuTimings = {} as Record<Stage, number>;
  private stage: Stage = 'decode';
  private t0 = performance.now();
  private cpu0 = process.cpuUsage();

  constructor(
    private readonly starts: Record<Stage, number>,
    private readonly progress: (fraction: number, stage?: string) => void,
  ) {}

  close(): void {
    this.timings[this.stage] = performance.now() - this.t0;
    const cpu = process.cpuUsage(this.cpu0);
    this.cpuTimings[this.stage] = (cpu.user + cpu.system) / 1000;
  }

  enter(s: Stage): void {
    this.close();
    this.stage = s;
    this.t0 = performance.now();
    this.cpu0 = process.cpuUsage();
    this.progress(this.starts[s], s);
  }

  /** Progress within the current stage, 0..1. */
  within(f: number): void {
    const start = this.starts[this.stage];
    const next = STAGES.slice(STAGES.indexOf(this.stage) + 1).map((s) => this.starts[s]);
    const end = next.find((x) => x > start) ?? 1;
    this.progress(start + (end - start) * Math.min(1, Math.max(0, f)), this.stage);
  }
}

const RENDER_RATE = 44_100;
/** How far the voice sits above the band, by mean power, before compression. */
const VOICE_OVER_BAND_DB = 2;
/** Near-silence kept around the singing. */
const PHRASE_PAD_SEC = 0.05;

export interface ArrangerOutput extends ComposeOutput {
  mp3: string;
  midi: string;
  stems: { name: string; file: string }[];
  key: string;
  tempo: number;
  engine: string;
  durationSec: number;
  loudness: Loudness;
  chords: string[];
  /** Sung phrases in the take, seconds, and whether Silero VAD or the energy fallback found them. */
  phrases: SpeechSegment[];
  phrasesFrom: 'vad' | 'energy';
  /** The take's `takeSec` plays at the song's `songSec`. */
  alignment: { takeSec: number; songSec: number };
  genre: Genre;
  mood: string | null;
  /** Wall-clock milliseconds per stage. */
  timings: Record<Stage, number>;
  /** CPU milliseconds of this process per stage, every thread (AI and render workers too), not ffmpeg's. */
  cpuTimings: Record<Stage, number>;
  arrangement: Arrangement;
}

/**
 * Voiced stretches by level: 32 ms windows within 30 dB of the take's loud parts, joined across
 * pauses shorter than 300 ms. Silero VAD is trained on speech and often hears nothing in humming
 * or a sung vowel; this finds those takes' phrases instead.
 */
export function energyPhrases(samples: Float32Array, sampleRate: number): SpeechSegment[] {
  const win = Math.round(0.032 * sampleRate);
  const db: number[] = [];
  for (let i = 0; i + win <= samples.length; i += win) {
    let s = 0;
    for (let k = i; k < i + win; k++) s += samples[k]! ** 2;
    db.push(10 * Math.log10(s / win + 1e-12));
  }
  if (db.length === 0) return [];
  const loud = [...db].sort((a, b) => a - b)[Math.floor(db.length * 0.95)]!;
  const threshold = Math.max(-55, loud - 30);
  const segments: SpeechSegment[] = [];
  let start = -1;
  for (let i = 0; i <= db.length; i++) {
    const on = i < db.length && db[i]! >= threshold;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      segments.push({ start: (start * win) / sampleRate, end: (i * win) / sampleRate });
      start = -1;
    }
  }
  const joined: SpeechSegment[] = [];
  for (const s of segments) {
    const last = joined[joined.length - 1];
    if (last && s.start - last.end < 0.3) last.end = s.end;
    else joined.push({ ...s });
  }
  return joined.filter((s) => s.end - s.start >= 0.2);
}

function peakOf(pcm: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
  return peak;
}

function meanSquare(pcm: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pcm.length; i++) s += pcm[i]! ** 2;
  return pcm.length ? s / pcm.length : 0;
}

const covered = (segments: SpeechSegment[]) => segments.reduce((s, x) => s + x.end - x.start, 0);

/** Why a take cannot carry a song, in what was found, and what to do about it. */
export interface Lacking {
  found: string;
  todo: string;
}

export const noMelody = (why: Lacking | string) =>
  typeof why === 'string'
    ? new ComposerError('no_melody', `No melody to compose from: ${why}. Sing or hum a few phrases and try again.`)
    : new ComposerError('no_melody', `No melody to compose from: ${why.found}. ${why.todo}`);

/** Below this peak a take holds nothing a microphone picked up on purpose. */
const SILENT_PEAK_DB = -50;

const dbfs = (x: number) => (x > 0 ? Math.round(20 * Math.log10(x)) : -Infinity);

/**
 * Why no phrase was found: a take that is silent is told apart from a loud one whose sounds are
 * too short to be sung notes (claps, taps, clicks, a clipped burst).
 */
export function whyNoPhrases(peak: number): Lacking {
  const level = dbfs(peak);
  if (level < SILENT_PEAK_DB)
    return {
      found: `the recording is silent (its loudest moment is ${Number.isFinite(level) ? `${level} dBFS` : 'digital silence'})`,
      todo: 'Check that the right microphone is chosen and not muted, then record again.',
    };
  return {
    found: `no sung melody: the take is loud enough (peaks at ${level} dBFS) but holds only short sounds, no note held for a fifth of a second`,
    todo: 'Sing or hum a few phrases with held notes, not claps or taps, and try again.',
  };
}

export const tooShort = (seconds: number): Lacking => ({
  found: `the recording is too short (${seconds.toFixed(1)} s)`,
  todo: 'Record at least a few seconds of singing or humming.',
});

export const tooFewNotes = (notes: number): Lacking => ({
  found: `no sung melody: only ${notes} clear note${notes === 1 ? '' : 's'} could be heard`,
  todo: 'Hum or sing a tune of at least three distinct notes (speech and noise carry no melody) and try again.',
});

/** Scale degrees (0 = tonic) and sixteenth-step rhythms of a four-bar phrase: up to the fifth, back home. */
const PHRASE_DEGREES = [
  [0, 1, 2, 4, 2],
  [3, 2, 1, 2, 4],
  [4, 5, 4, 2, 1],
  [1, 2, 1, 0],
];
const PHRASE_RHYTHM = [
  [0, 4],
  [4, 2],
  [6, 2],
  [8, 4],
  [12, 4],
];
const LAST_BAR_RHYTHM = [
  [0, 4],
  [4, 2],
  [6, 2],
  [8, 8],
];
const PROMPT_BARS = 8;

/** A melody of its own when the take has too little: the phrase twice in the key, around middle C. */
export function promptMelody(key: Key, bars = PROMPT_BARS): QuantisedNote[] {
  const home = 60 + (key.tonic > 6 ? key.tonic - 12 : key.tonic);
  const pitch = (degree: number) => home + mod12(key.scale[degree % 7]! - key.tonic) + 12 * Math.floor(degree / 7);
  const notes: QuantisedNote[] = [];
  for (let bar = 0; bar < bars; bar++) {
    const degrees = PHRASE_DEGREES[bar % 4]!;
    const rhythm = bar % 4 === 3 ? LAST_BAR_RHYTHM : PHRASE_RHYTHM;
    degrees.forEach((degree, i) =>
      notes.push({ step: bar * 16 + rhythm[i]![0]!, steps: rhythm[i]![1]!, midi: pitch(degree), velocity: i === 0 ? 0.85 : 0.7 }),
    );
  }
  return notes;
}

const MINOR_MOODS = new Set(['sad', 'dark']);

export class ArrangerComposer implements Composer {
  readonly name: string;

  constructor(private readonly pool: AiPool) {
    this.name = `atelier-arranger (basic-pitch onnx, ${pool.providers.preferred})`;
  }

  async compose(input: ComposeInput): Promise<ArrangerOutput> {
    const { signal } = input;
    const clock = new StageClock(STAGE_START, input.progress);
    const enter = (s: Stage) => clock.enter(s);
    const within = (f: number) => clock.within(f);

    input.progress(0, 'decode');
    const [voice16, voice22] = await Promise.all([
      decodeAudio(input.source, { sampleRate: VAD_SAMPLE_RATE, signal }),
      decodeAudio(input.source, { sampleRate: PITCH_RATE, signal }),
    ]);
    const takeSec = voice16.length / VAD_SAMPLE_RATE;
    // Why the take cannot carry a song; with a prompt, the arranger then writes a melody of its own.
    let lacking: Lacking | null = takeSec < 1 ? tooShort(takeSec) : null;
    let phrases: SpeechSegment[] = [];
    let useVad = false;
    let startSec = 0;
    let endSec = takeSec;
    let voicePower = meanSquare(voice22);
    let line: ReturnType<typeof melodyLine> = [];
    let provider: string = this.pool.providers.preferred;

    if (!lacking) {
      enter('vad');
      const byLevel = energyPhrases(voice16, VAD_SAMPLE_RATE);
      // Measured first: the VAD hands the samples to its worker, which leaves voice16 empty here.
      const peak = peakOf(voice16);
      const vad = await detectSpeech(this.pool, voice16, {
        threshold: 0.4,
        minSilenceMs: 300,
        speechPadMs: 50,
        signal,
        onProgress: (p) => within(p.processedSec / p.durationSec),
      });
      // Silero decides where it hears a voice; when it hears much less than there is sound (humming), the level decides.
      useVad = vad.segments.length > 0 && covered(vad.segments) >= 0.5 * covered(byLevel);
      phrases = useVad ? vad.segments : byLevel;
      if (phrases.length === 0) lacking = whyNoPhrases(peak);
    }

    if (!lacking) {
      startSec = Math.max(0, phrases[0]!.start - PHRASE_PAD_SEC);
      endSec = Math.min(takeSec, phrases[phrases.length - 1]!.end + PHRASE_PAD_SEC);
      enter('transcribe');
      const from = Math.floor(startSec * PITCH_RATE);
      const to = Math.min(voice22.length, Math.ceil(endSec * PITCH_RATE));
      const sung = voice22.slice(from, to);
      voicePower = meanSquare(sung);
      const transcribed = await transcribeNotes(this.pool, sung, { signal, onProgress: (p) => within(p.processedSec / p.durationSec) });
      provider = transcribed.provider;
      line = melodyLine(transcribed.notes);
      if (line.length < 3) lacking = tooFewNotes(line.length);
    }
    if (lacking && input.prompt.trim() === '') throw noMelody(lacking);

    enter('arrange');
    const reading = readPrompt(input.prompt);
    const genre = genreOf(input.genre) ?? reading.genre ?? 'pop';
    const mood = moodOf(input.mood) ?? reading.mood;
    const instruments = [...new Set([...instrumentsOf(input.instruments), ...reading.instruments])];
    // What the user set wins over what was heard.
    const chosenKey = input.key ? keyNamed(input.key) : null;
    let key: Key;
    let grid: Grid;
    let melody: QuantisedNote[];
    let vocalDelaySec = 0;
    if (lacking) {
      // The prompt's genre and mood, a key for the mood and the tempo it names (else 100 BPM); the take plays from the top.
      key = chosenKey ?? (MINOR_MOODS.has(mood ?? '') ? makeKey(9, 'minor') : makeKey(0, 'major'));
      const bpm = input.bpm ?? reading.bpm ?? 100;
      grid = { bpm, beatSec: 60 / bpm, beatsPerBar: 4, barSec: 240 / bpm, startSec: 0, bars: PROMPT_BARS };
      melody = promptMelody(key, PROMPT_BARS);
    } else {
      key = chosenKey ?? estimateKey(line);
      grid = barGrid(line, input.bpm ? tempoAt(line, input.bpm) : estimateTempo(line, reading.bpm));
      melody = quantise(line, grid);
      // Song time 0 is bar 0 or the start of the trimmed take, whichever is earlier.
      vocalDelaySec = Math.max(0, -grid.startSec);
    }
    const barsStartSec = grid.startSec + vocalDelaySec;
    const arrangement = arrange({
      grid,
      key,
      melody,
      genre,
      mood,
      instruments,
      feel: reading.feel,
      barsStartSec,
      variant: input.variant ?? 0,
    });
    const made = await this.perform(arrangement, clock, {
      source: input.source,
      workDir: input.workDir,
      signal,
      vocal: {
        startSec,
        durationSec: lacking ? Math.max(0.01, Math.min(takeSec, arrangement.durationSec)) : endSec - startSec,
        delaySec: vocalDelaySec,
      },
      // A take too quiet to read is not pushed up to the band's level: at most 12 dB.
      vocalGainDb: (bandPower) =>
        Math.min(lacking ? 12 : Infinity, 10 * Math.log10(bandPower / Math.max(voicePower, 1e-12)) + VOICE_OVER_BAND_DB),
      plan: { grid, melody, instruments, feel: reading.feel },
    });
    input.progress(1, 'mix');

    return {
      ...made,
      key: key.name,
      tempo: arrangement.bpm,
      engine: `atelier-arranger (basic-pitch onnx, ${provider})`,
      durationSec: arrangement.durationSec,
      chords: arrangement.chords.map((c) => c.name),
      phrases: phrases.map((p) => ({ start: p.start, end: p.end })),
      phrasesFrom: useVad ? 'vad' : 'energy',
      ...(lacking
        ? {
            note: `No melody to follow in the take (${lacking.found}): composed a melody of its own from the prompt, ${mood ? `${mood} ` : ''}${genre} in ${key.name}.`,
          }
        : {}),
      alignment: { takeSec: startSec, songSec: vocalDelaySec },
      genre,
      mood,
      timings: clock.timings,
      cpuTimings: clock.cpuTimings,
      arrangement,
    };
  }

  /**
   * A song this engine composed, changed by its plan: continued by some bars, arranged in another
   * vibe, or a section redone. An extend or a replace keeps the old song's samples outside what
   * it changes.
   */
  async rework(input: ReworkInput): Promise<ArrangerOutput> {
    const { plan: old, change, signal } = input;
    const clock = new StageClock(REWORK_START, input.progress);
    clock.enter('arrange');
    const plan = reworkedPlan(old, change);
    const key = keyNamed(plan.key);
    if (!key) throw new ComposerError('failed', `The song's plan names a key the arranger does not know: ${plan.key}`);
    const arrangement = arrange({
      grid: plan.grid,
      key,
      melody: plan.melody,
      genre: plan.genre,
      mood: plan.mood,
      instruments: plan.instruments,
      feel: plan.feel,
      barsStartSec: plan.barsStartSec,
      variant: plan.variant,
      ...(plan.chordDegrees.length === plan.grid.bars ? { chordDegrees: plan.chordDegrees } : {}),
      sections: plan.sections,
    });
    const made = await this.perform(arrangement, clock, {
      source: input.source,
      workDir: input.workDir,
      signal,
      vocal: plan.vocal,
      vocalGainDb: () => plan.vocal.gainDb,
      plan: plan,
    });
    const region = spliceRegion(old, change);
    if (region) {
      const fresh = { wav: path.join(input.workDir, 'fresh.wav'), mp3: path.join(input.workDir, 'fresh.mp3') };
      fs.renameSync(made.file, fresh.wav);
      fs.renameSync(made.mp3, fresh.mp3);
      await spliceSongs({ old: input.original, fresh: fresh.wav, region, wav: made.file, mp3: made.mp3, signal });
      fs.rmSync(fresh.wav);
      fs.rmSync(fresh.mp3);
    }
    clock.close();
    input.progress(1, 'mix');
    return {
      ...made,
      key: key.name,
      tempo: arrangement.bpm,
      engine: this.name,
      durationSec: arrangement.durationSec,
      chords: arrangement.chords.map((c) => c.name),
      phrases: [],
      phrasesFrom: 'energy',
      alignment: { takeSec: plan.vocal.startSec, songSec: plan.vocal.delaySec },
      genre: arrangement.genre,
      mood: arrangement.mood,
      timings: clock.timings,
      cpuTimings: clock.cpuTimings,
      arrangement,
    };
  }

  /** MIDI, stems and the master of an arrangement, with its plan.json, into the work folder. */
  private async perform(
    arrangement: Arrangement,
    clock: StageClock,
    opts: {
      source: string;
      workDir: string;
      signal: AbortSignal;
      vocal: Omit<ArrangePlan['vocal'], 'gainDb'>;
      /** The take's gain, from the band's mean power once the stems are rendered. */
      vocalGainDb: (bandPower: number) => number;
      plan: Pick<ArrangePlan, 'grid' | 'melody' | 'instruments' | 'feel'>;
    },
  ) {
    const { workDir, signal } = opts;
    const midiFile = path.join(workDir, 'song.mid');
    await fsp.writeFile(midiFile, arrangementToMidi(arrangement));

    clock.enter('render');
    const within = (f: number) => clock.within(f);
    const stems = await renderStems(arrangement, { sampleRate: RENDER_RATE, signal, onStem: (done, total) => within(done / total) });
    const stemDir = path.join(workDir, 'stems');
    fs.mkdirSync(stemDir, { recursive: true });
    // Stems are stored as 16-bit WAV: scale them all alike when one would clip, keeping the balance.
    const bandPower = stems.reduce((sum, s) => sum + meanSquare(s.pcm), 0);
    const peak = Math.max(...stems.map((s) => s.peak));
    const scale = peak > 0.98 ? 0.98 / peak : 1;
    const stemFiles: { name: string; file: string }[] = [];
    for (const stem of stems) {
      if (scale !== 1) for (let i = 0; i < stem.pcm.length; i++) stem.pcm[i]! *= scale;
      const file = path.join(stemDir, `${stem.name}.wav`);
      await encodeAudio(stem.pcm, { sampleRate: RENDER_RATE, channels: 2, output: file });
      stemFiles.push({ name: stem.name, file });
    }

    clock.enter('mix');
    const wav = path.join(workDir, 'song.wav');
    const mp3 = path.join(workDir, 'song.mp3');
    const vocalGainDb = opts.vocalGainDb(bandPower * scale ** 2);
    const loudness = await masterSong({
      vocal: opts.source,
      vocalStartSec: opts.vocal.startSec,
      vocalDurationSec: opts.vocal.durationSec,
      vocalDelaySec: opts.vocal.delaySec,
      vocalGainDb,
      stems: stemFiles.map((s) => s.file),
      durationSec: arrangement.durationSec,
      wav,
      mp3,
      sampleRate: RENDER_RATE,
      signal,
    });
    const planFile = path.join(workDir, 'plan.json');
    await fsp.writeFile(planFile, JSON.stringify(planFrom(arrangement, { ...opts.plan, vocal: { ...opts.vocal, gainDb: vocalGainDb } })));
    clock.close();
    return { file: wav, mp3, midi: midiFile, stems: stemFiles, loudness, plan: planFile };
  }
}
