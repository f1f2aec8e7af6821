import { describe, expect, it } from 'vitest';
import { barBeat, duplicateClip, punchIn, snapTime, splitClip, trimClip, type Arrangement } from './model';

/** 120 BPM 4/4: a beat is 0.5 s, a bar 2 s. One lane with a 6 s take from 0 s. */
const doc = (): Arrangement => ({
  bpm: 120,
  beatsPerBar: 4,
  beatUnit: 4,
  loop: null,
  lanes: [
    {
      laneId: 'bed',
      name: 'Bed',
      volume: 0,
      pan: 0,
      mute: false,
      solo: false,
      takes: [1],
      clips: [{ clipId: 'c1', trackId: 1, start: 0, offset: 0, length: 6 }],
    },
    {
      laneId: 't9',
      name: 'New take',
      volume: 0,
      pan: 0,
      mute: false,
      solo: false,
      takes: [9],
      clips: [{ clipId: 'n', trackId: 9, start: 0, offset: 0, length: 2 }],
    },
  ],
});
const clips = (a: Arrangement) => a.lanes[0]!.clips.map((c) => [c.trackId, c.start, c.offset, c.length]);

describe('arrangement edits', () => {
  it('snaps to the beat and names bars and beats from 1', () => {
    expect(snapTime(1.26, doc(), true)).toBe(1.5);
    expect(snapTime(1.26, doc(), false)).toBe(1.26);
    expect(barBeat(2.5, doc())).toBe('2.2');
  });

  it('trims the front without moving the audio, and never past the take', () => {
    expect(clips(trimClip(doc(), 'c1', 'start', 1, 6))).toEqual([[1, 1, 1, 5]]);
    expect(clips(trimClip(doc(), 'c1', 'end', 9, 6))).toEqual([[1, 0, 0, 6]]);
  });

  it('splits at a time inside the clip into two that play the same audio, and refuses the edges', () => {
    expect(clips(splitClip(doc(), 'c1', 2)!)).toEqual([
      [1, 0, 0, 2],
      [1, 2, 2, 4],
    ]);
    expect(splitClip(doc(), 'c1', 0)).toBeNull();
    expect(clips(duplicateClip(doc(), 'c1'))).toEqual([
      [1, 0, 0, 6],
      [1, 6, 0, 6],
    ]);
  });

  it('punches a take into the loop: the lane keeps both sides, gains the take, and its own lane goes', () => {
    const after = punchIn(doc(), 'bed', 9, 2, 2);
    expect(after.lanes.map((l) => l.laneId)).toEqual(['bed']);
    expect(after.lanes[0]!.takes).toEqual([1, 9]);
    expect(clips(after)).toEqual([
      [1, 0, 0, 2],
      [9, 2, 0, 2],
      [1, 4, 4, 2],
    ]);
    const ids = after.lanes[0]!.clips.map((c) => c.clipId);
    expect(new Set(ids).size).toBe(3);
  });
});
