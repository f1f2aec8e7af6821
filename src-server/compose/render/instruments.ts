import type * as ToneNs from 'tone';
import type { Timbre } from '../arrange';

/**
 * Tone.js voices for each timbre. A voice plays one note at a time into the destination of the
 * current Tone context; `play` schedules one note at an absolute context time.
 */

export interface Voice {
  play(midi: number, time: number, duration: number): void;
}

type Tone = typeof ToneNs;

/** Each voice's envelope release, the time its notes sound after they end (kept with the voices below). */
export const RELEASE_SEC: Record<Exclude<Timbre, 'drums'>, number> = {
  piano: 0.6,
  epiano: 0.8,
  organ: 0.15,
  guitar: 0.4,
  'electric-guitar': 0.25,
  bass: 0.12,
  'synth-bass': 0.1,
  cello: 0.5,
  strings: 1.1,
  violin: 0.35,
  pad: 1.4,
  'synth-lead': 0.2,
  brass: 0.25,
  trumpet: 0.15,
  sax: 0.2,
  flute: 0.2,
  bell: 1.2,
};
/** The crash rings longest of the kit. */
export const DRUM_RELEASE_SEC = 1.4;

function synthVoice(
  T: Tone,
  options: ConstructorParameters<typeof ToneNs.Synth>[0],
  chain: ToneNs.ToneAudioNode[] = [],
  volumeDb = 0,
): Voice {
  const synth = new T.Synth(options);
  synth.volume.value = volumeDb;
  synth.chain(...chain, T.getDestination());
  return {
    play: (midi, time, duration) => synth.triggerAttackRelease(T.Frequency(midi, 'midi').toFrequency(), duration, time),
  };
}

export function makeVoice(T: Tone, timbre: Exclude<Timbre, 'drums'>): Voice {
  const lowpass = (hz: number, q = 0.7) => new T.Filter({ frequency: hz, type: 'lowpass', Q: q });
  switch (timbre) {
    case 'piano':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0.45, 0.22, 0.12, 0.06, 0.03] },
          envelope: { attack: 0.004, decay: 1.1, sustain: 0.12, release: 0.6 },
        },
        [lowpass(4200)],
      );
    case 'epiano':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0.08, 0.25, 0.02, 0.05] },
          envelope: { attack: 0.006, decay: 1.6, sustain: 0.25, release: 0.8 },
        },
        [lowpass(3000)],
      );
    case 'organ':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0.7, 0.5, 0.35, 0, 0.2, 0, 0.12] },
          envelope: { attack: 0.02, decay: 0.1, sustain: 0.9, release: 0.15 },
        },
        [lowpass(3500)],
        -4,
      );
    case 'guitar':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.003, decay: 0.45, sustain: 0.08, release: 0.4 } },
        [lowpass(2200, 1.2)],
        -2,
      );
    case 'electric-guitar':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.005, decay: 0.3, sustain: 0.5, release: 0.25 } },
        [new T.Distortion(0.55), lowpass(2600)],
        -6,
      );
    case 'bass':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0.5, 0.3, 0.1] },
          envelope: { attack: 0.006, decay: 0.35, sustain: 0.55, release: 0.12 },
        },
        [lowpass(900)],
      );
    case 'synth-bass':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.004, decay: 0.25, sustain: 0.5, release: 0.1 } },
        [lowpass(650, 2)],
        -1,
      );
    case 'cello':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.12, decay: 0.2, sustain: 0.85, release: 0.5 } },
        [lowpass(1400)],
        -2,
      );
    case 'strings':
      return synthVoice(
        T,
        { oscillator: { type: 'fatsawtooth', count: 3, spread: 18 }, envelope: { attack: 0.35, decay: 0.3, sustain: 0.85, release: 1.1 } },
        [lowpass(2600)],
        -8,
      );
    case 'violin':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.09, decay: 0.2, sustain: 0.85, release: 0.35 } },
        [lowpass(3200, 1.5)],
        -3,
      );
    case 'pad':
      return synthVoice(
        T,
        { oscillator: { type: 'fattriangle', count: 3, spread: 24 }, envelope: { attack: 0.6, decay: 0.5, sustain: 0.8, release: 1.4 } },
        [lowpass(2000)],
        -3,
      );
    case 'synth-lead':
      return synthVoice(
        T,
        { oscillator: { type: 'square' }, envelope: { attack: 0.01, decay: 0.2, sustain: 0.6, release: 0.2 } },
        [lowpass(3000, 1.5)],
        -6,
      );
    case 'brass':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.07, decay: 0.25, sustain: 0.75, release: 0.25 } },
        [lowpass(2000, 1.1)],
        -2,
      );
    case 'trumpet':
      return synthVoice(
        T,
        { oscillator: { type: 'sawtooth' }, envelope: { attack: 0.04, decay: 0.15, sustain: 0.8, release: 0.15 } },
        [lowpass(3200, 2)],
        -4,
      );
    case 'sax':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0.8, 0.6, 0.45, 0.3, 0.2, 0.12] },
          envelope: { attack: 0.05, decay: 0.2, sustain: 0.75, release: 0.2 },
        },
        [lowpass(2400, 2.5)],
        -3,
      );
    case 'flute':
      return synthVoice(
        T,
        { oscillator: { type: 'custom', partials: [1, 0.12, 0.05] }, envelope: { attack: 0.06, decay: 0.1, sustain: 0.85, release: 0.2 } },
        [],
      );
    case 'bell':
      return synthVoice(
        T,
        {
          oscillator: { type: 'custom', partials: [1, 0, 0, 0.35, 0, 0, 0.2, 0, 0.1] },
          envelope: { attack: 0.002, decay: 1.4, sustain: 0, release: 1.2 },
        },
        [],
        -2,
      );
  }
}

/** General MIDI drum notes: 36 kick, 38 snare, 42 closed hat, 46 open hat, 49 crash. */
export function makeDrumKit(T: Tone): Voice {
  const out = T.getDestination();
  const kick = new T.MembraneSynth({
    pitchDecay: 0.04,
    octaves: 6,
    envelope: { attack: 0.001, decay: 0.35, sustain: 0, release: 0.1 },
  }).connect(out);
  const snareNoise = new T.NoiseSynth({ noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.16, sustain: 0 } }).chain(
    new T.Filter(1800, 'highpass'),
    out,
  );
  const snareBody = new T.MembraneSynth({ pitchDecay: 0.01, octaves: 2, envelope: { attack: 0.001, decay: 0.1, sustain: 0 } }).connect(out);
  snareBody.volume.value = -8;
  const hat = new T.NoiseSynth({ noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.045, sustain: 0 } }).chain(
    new T.Filter(8000, 'highpass'),
    out,
  );
  hat.volume.value = -10;
  const openHat = new T.NoiseSynth({ noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.3, sustain: 0 } }).chain(
    new T.Filter(7000, 'highpass'),
    out,
  );
  openHat.volume.value = -12;
  const crash = new T.NoiseSynth({ noise: { type: 'white' }, envelope: { attack: 0.001, decay: 1.3, sustain: 0 } }).chain(
    new T.Filter(5000, 'highpass'),
    out,
  );
  crash.volume.value = -14;
  return {
    play(midi, time) {
      if (midi === 36) kick.triggerAttackRelease('C1', 0.1, time);
      else if (midi === 38) {
        snareNoise.triggerAttackRelease(0.1, time);
        snareBody.triggerAttackRelease('G2', 0.05, time);
      } else if (midi === 46) openHat.triggerAttackRelease(0.2, time);
      else if (midi === 49) crash.triggerAttackRelease(1, time);
      else hat.triggerAttackRelease(0.04, time);
    },
  };
}
