import { Type, type Static } from 'typebox';

/**
 * A studio's arrangement: its takes laid out as clips on lanes, with each lane's mixer. The server
 * stores it as a versioned document with its undo/redo history (`/api/work/studio/{id}/arrangement`);
 * the UI plays, renders and edits it. Times are seconds on the song's timeline.
 */

const Seconds = (description: string, max = 3600) => Type.Number({ minimum: 0, maximum: max, description });
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', description });

export const Clip = Type.Object(
  {
    clipId: Id('Unique in the arrangement'),
    trackId: Type.Integer({ minimum: 1, description: 'The take (a ready track of this studio) the clip plays' }),
    start: Seconds('Where the clip starts on the timeline'),
    offset: Seconds('Where in the take the clip starts (trimmed off the front)'),
    length: Type.Number({
      exclusiveMinimum: 0,
      maximum: 3600,
      description: 'How long the clip plays; offset + length must lie within the take',
    }),
  },
  { additionalProperties: false },
);
export type Clip = Static<typeof Clip>;

export const Lane = Type.Object(
  {
    laneId: Id('Unique in the arrangement'),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    volume: Type.Number({ minimum: -60, maximum: 12, description: 'Gain in dB' }),
    pan: Type.Number({ minimum: -1, maximum: 1, description: '-1 left … 1 right, equal-power' }),
    mute: Type.Boolean(),
    solo: Type.Boolean({ description: 'When any lane is soloed only soloed lanes sound' }),
    takes: Type.Array(Type.Integer({ minimum: 1 }), {
      maxItems: 200,
      description: 'Every take recorded on this lane (track ids), oldest first; clips may play any of them',
    }),
    clips: Type.Array(Clip, { maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type Lane = Static<typeof Lane>;

export const Arrangement = Type.Object(
  {
    bpm: Type.Number({ minimum: 30, maximum: 300, description: 'Tempo of the bar/beat grid' }),
    beatsPerBar: Type.Integer({ minimum: 1, maximum: 16, description: 'Time signature numerator' }),
    beatUnit: Type.Union([Type.Literal(2), Type.Literal(4), Type.Literal(8), Type.Literal(16)], {
      description: 'Time signature denominator',
    }),
    loop: Type.Union(
      [
        Type.Object(
          { start: Seconds('Loop start'), end: Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Loop end, after start' }) },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The loop (and punch-in) region, or null' },
    ),
    lanes: Type.Array(Lane, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type Arrangement = Static<typeof Arrangement>;

export const ArrangementState = Type.Object({
  studioId: Type.Integer(),
  version: Type.Integer({ minimum: 0, description: 'Send it back with the next change; 0 until the first change is stored' }),
  arrangement: Arrangement,
  undo: Type.Integer({ minimum: 0, description: 'How many changes can be undone' }),
  redo: Type.Integer({ minimum: 0, description: 'How many undone changes can be redone' }),
  lastChange: Type.Union([Type.String(), Type.Null()], { description: 'What the change that undo would take back did' }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ArrangementState = Static<typeof ArrangementState>;

/** Linear gains of a lane for the left and right channel: volume, mute, solo and an equal-power pan of the mono take. */
export function laneGains(lane: Lane, anySolo: boolean): { left: number; right: number } {
  if (lane.mute || (anySolo && !lane.solo)) return { left: 0, right: 0 };
  const gain = 10 ** (lane.volume / 20);
  const angle = ((lane.pan + 1) / 2) * (Math.PI / 2);
  return { left: gain * Math.cos(angle), right: gain * Math.sin(angle) };
}

/** A time on the timeline as a whole sample frame: the server's and the browser's render cut at the same sample. */
export const frameOf = (seconds: number, sampleRate: number) => Math.round(seconds * sampleRate);

/** Where the last clip ends, seconds. */
export const arrangementEnd = (a: Arrangement) => Math.max(0, ...a.lanes.flatMap((l) => l.clips.map((c) => c.start + c.length)));
