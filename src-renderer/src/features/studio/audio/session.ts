import * as Tone from './tone';
import { audioReady } from './context';
import type { Microphone } from './microphone';

/** How one track sounds in the mix; kept in the browser, the server stores only the audio. */
export interface ChannelSettings {
  volume: number;
  pan: number;
  mute: boolean;
  solo: boolean;
}

export const DEFAULT_CHANNEL: ChannelSettings = { volume: 0, pan: 0, mute: false, solo: false };

interface Strip {
  player: Tone.Player;
  channel: Tone.Channel;
}

/** Seconds from Transport start to the take's first beat, and the beats of the count-in. */
export interface CountIn {
  beats: number;
  seconds: number;
}

export const countInFor = (bpm: number, beats: number): CountIn => ({ beats, seconds: (60 / bpm) * beats });

/**
 * Every track of the open studio as a Tone.Player on its own Channel (volume, pan, mute, solo),
 * all synced to the Transport so they start together, and a metronome on the same clock.
 */
export class StudioSession {
  private strips = new Map<number, Strip>();
  private click: Tone.Synth | null = null;
  private clickEvent: number | null = null;

  setTrack(trackId: number, buffer: AudioBuffer, settings: ChannelSettings): void {
    this.removeTrack(trackId);
    const channel = new Tone.Channel({
      volume: settings.volume,
      pan: settings.pan,
      mute: settings.mute,
      solo: settings.solo,
    }).toDestination();
    const player = new Tone.Player(new Tone.ToneAudioBuffer(buffer)).connect(channel);
    player.sync().start(0);
    this.strips.set(trackId, { player, channel });
  }

  has(trackId: number): boolean {
    return this.strips.has(trackId);
  }

  removeTrack(trackId: number): void {
    const strip = this.strips.get(trackId);
    if (!strip) return;
    strip.player.unsync().dispose();
    strip.channel.dispose();
    this.strips.delete(trackId);
  }

  keepOnly(trackIds: Set<number>): void {
    for (const id of [...this.strips.keys()]) if (!trackIds.has(id)) this.removeTrack(id);
  }

  apply(trackId: number, s: ChannelSettings): void {
    const strip = this.strips.get(trackId);
    if (!strip) return;
    strip.channel.volume.value = s.volume;
    strip.channel.pan.value = s.pan;
    strip.channel.mute = s.mute;
    strip.channel.solo = s.solo;
  }

  /** Longest loaded track, in seconds. */
  get length(): number {
    let longest = 0;
    for (const { player } of this.strips.values()) longest = Math.max(longest, player.buffer.duration);
    return longest;
  }

  /** Transport seconds of the take timeline (negative during a count-in). */
  position(offset = 0): number {
    return Tone.getTransport().seconds - offset;
  }

  /** Plays every track from the start, together. */
  async play(): Promise<void> {
    await audioReady();
    this.stop();
    const transport = Tone.getTransport();
    transport.position = 0;
    transport.start('+0.05');
  }

  stop(): void {
    const transport = Tone.getTransport();
    transport.stop();
    if (this.clickEvent !== null) transport.clear(this.clickEvent);
    this.clickEvent = null;
    for (const { player } of this.strips.values()) player.unsync().sync().start(0);
  }

  /**
   * Starts a recording pass: a count-in of clicks at `bpm`, then the tracks play along from
   * their start while the microphone records. Answers the context time of the take's first beat.
   */
  async record(mic: Microphone, bpm: number, countIn: CountIn, metronome: boolean, onBeat: (beat: number) => void): Promise<number> {
    await audioReady();
    this.stop();
    const transport = Tone.getTransport();
    transport.bpm.value = bpm;
    transport.position = 0;
    // Played tracks are shifted by the count-in so their start lands on the take's first beat.
    for (const { player } of this.strips.values()) player.unsync().sync().start(countIn.seconds);
    this.click ??= new Tone.Synth({
      oscillator: { type: 'triangle' },
      envelope: { attack: 0.001, decay: 0.06, sustain: 0, release: 0.02 },
      volume: -8,
    }).toDestination();
    const click = this.click;
    let beat = 0;
    this.clickEvent = transport.scheduleRepeat(
      (time) => {
        const n = beat++;
        const counting = n < countIn.beats;
        if (counting || metronome) click.triggerAttackRelease(n % 4 === 0 ? 'A5' : 'E5', 0.03, time);
        Tone.getDraw().schedule(() => onBeat(n - countIn.beats), time);
      },
      '4n',
      0,
    );
    const start = Tone.now() + 0.1;
    mic.start();
    transport.start(start);
    return start + countIn.seconds;
  }

  dispose(): void {
    this.stop();
    for (const id of [...this.strips.keys()]) this.removeTrack(id);
    this.click?.dispose();
    this.click = null;
  }
}
