import { describe, expect, it } from 'vitest';
import { advanceEnded, applyTransport, msUntilEnd, positionMs, type Playback } from '../../src-server/families/stage/concerts/transport';

const T = 1_000_000;
const playing = (over: Partial<Playback> = {}): Playback => ({
  order: [1, 2, 3],
  currentSong: 1,
  songStartedAt: T - 10_000,
  pausedPositionMs: null,
  ...over,
});
const lengths: Record<number, number> = { 1: 30_000, 2: 20_000, 3: 40_000 };
const durationOf = (n: number) => lengths[n] ?? null;

describe('host transport', () => {
  it('pauses where the song is and resumes from there, later', () => {
    const paused = applyTransport(playing(), { action: 'pause' }, T, null);
    expect(paused.pausedPositionMs).toBe(10_000);
    const resumed = applyTransport({ ...playing(), ...paused }, { action: 'resume' }, T + 60_000, null);
    expect(resumed).toEqual({ currentSong: 1, songStartedAt: T + 50_000, pausedPositionMs: null });
    expect(positionMs({ ...playing(), ...resumed }, T + 61_000)).toBe(11_000);
  });

  it('pausing twice keeps the first position', () => {
    const once = applyTransport(playing(), { action: 'pause' }, T, null);
    expect(applyTransport({ ...playing(), ...once }, { action: 'pause' }, T + 5000, null).pausedPositionMs).toBe(10_000);
  });

  it('skips to the next song from its start, and refuses past the last', () => {
    expect(applyTransport(playing(), { action: 'next' }, T, null)).toEqual({ currentSong: 2, songStartedAt: T, pausedPositionMs: null });
    expect(() => applyTransport(playing({ currentSong: 3 }), { action: 'next' }, T, null)).toThrow(/last song/);
  });

  it('previous restarts a song past its first 3 s, else goes to the one before', () => {
    expect(applyTransport(playing({ currentSong: 2 }), { action: 'previous' }, T, null).currentSong).toBe(2);
    expect(applyTransport(playing({ currentSong: 2, songStartedAt: T - 1000 }), { action: 'previous' }, T, null).currentSong).toBe(1);
    expect(applyTransport(playing({ songStartedAt: T - 1000 }), { action: 'previous' }, T, null)).toMatchObject({
      currentSong: 1,
      songStartedAt: T,
    });
  });

  it('seeks within the song, keeps a paused room paused, and refuses past the end', () => {
    expect(applyTransport(playing(), { action: 'seek', positionMs: 25_000 }, T, 30_000).songStartedAt).toBe(T - 25_000);
    const paused = playing({ pausedPositionMs: 4000 });
    expect(applyTransport(paused, { action: 'seek', positionMs: 7000 }, T, 30_000).pausedPositionMs).toBe(7000);
    expect(applyTransport(paused, { action: 'next' }, T, null).pausedPositionMs).toBe(0);
    expect(() => applyTransport(playing(), { action: 'seek', positionMs: 31_000 }, T, 30_000)).toThrow(/30 s long/);
  });

  it('refuses every action on an empty set list', () => {
    expect(() => applyTransport(playing({ order: [], currentSong: null, songStartedAt: null }), { action: 'pause' }, T, null)).toThrow(
      /empty/,
    );
  });
});

describe('auto-advance', () => {
  it('hands over at the exact ms a song ended, across several songs, however late it runs', () => {
    // Song 1 started at T-10 s and is 30 s long: it ended at T+20 s, song 2 (20 s) at T+40 s.
    expect(advanceEnded(playing(), T + 19_999, durationOf)).toBeNull();
    expect(advanceEnded(playing(), T + 25_000, durationOf)).toEqual({ currentSong: 2, songStartedAt: T + 20_000, pausedPositionMs: null });
    expect(advanceEnded(playing(), T + 45_000, durationOf)).toEqual({ currentSong: 3, songStartedAt: T + 40_000, pausedPositionMs: null });
  });

  it('pauses at the end of the last song, and never moves a paused room or a song of unknown length', () => {
    expect(advanceEnded(playing({ currentSong: 3 }), T + 40_000, durationOf)).toEqual({
      currentSong: 3,
      songStartedAt: T - 10_000,
      pausedPositionMs: 40_000,
    });
    expect(advanceEnded(playing({ pausedPositionMs: 29_000 }), T + 90_000, durationOf)).toBeNull();
    expect(advanceEnded(playing(), T + 90_000, () => null)).toBeNull();
  });

  it('knows how long until the current song ends', () => {
    expect(msUntilEnd(playing(), T, durationOf)).toBe(20_000);
    expect(msUntilEnd(playing({ pausedPositionMs: 1 }), T, durationOf)).toBeNull();
  });
});
