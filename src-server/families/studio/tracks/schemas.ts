import { Type, type Static } from 'typebox';
import { Name } from '../http';
import type { TrackRow } from './service';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Number | typeof Type.Integer>>(t: T, description?: string) =>
  Type.Union([t, Type.Null()], description ? { description } : {});

export const Track = Type.Object({
  trackId: Type.Integer(),
  studioId: Type.Integer(),
  trackName: Type.String(),
  instrumentName: Type.String({ description: 'The instrument the recording was converted to' }),
  order: Type.Integer({ minimum: 1, description: 'Position in the studio, 1 = first; contiguous' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed')], {
    description: '`pending` until both files arrived through their upload URLs and were recognised as audio; `failed` when one was not audio or the URLs expired first',
  }),
  failure: Type.Union([Type.Object({ code: Type.String({ description: '`INVALID_AUDIO` or `UPLOAD_EXPIRED`' }), message: Type.String() }), Type.Null()]),
  trackUrl: Nullable(Type.String(), 'Signed GET URL of the converted audio (valid 1 hour, Range supported); null until ready'),
  recordUrl: Nullable(Type.String(), 'Signed GET URL of the raw recording; null until ready'),
  trackFormat: Nullable(Type.String(), 'Read from the content: wav, mp3, m4a, aac, ogg, webm or flac'),
  recordFormat: Nullable(Type.String()),
  duration: Nullable(Type.Number(), 'Seconds of the converted audio, when its container says'),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type TrackView = Static<typeof Track>;

/** Signed download URL of a stored file, or null. */
export type LinkFor = (key: string, format: string | null) => string | null;

export function trackView(r: TrackRow, link: LinkFor): TrackView {
  const ready = r.status === 'ready';
  return {
    trackId: r.id,
    studioId: r.studioId,
    trackName: r.name,
    instrumentName: r.instrument,
    order: r.position,
    status: r.status,
    failure: r.status === 'failed' ? { code: r.failCode ?? 'FAILED', message: r.failReason ?? 'The upload failed' } : null,
    trackUrl: ready ? link(r.trackKey, r.trackFormat) : null,
    recordUrl: ready ? link(r.recordKey, r.recordFormat) : null,
    trackFormat: r.trackFormat,
    recordFormat: r.recordFormat,
    duration: r.duration,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export const TrackName = Name(100, 'Shown in the studio, e.g. "Chorus take 2"');
export const Order = Type.Integer({ minimum: 1, maximum: 10_000, description: '1 = first; past the end means last' });

export const CreateTrackBody = Type.Object(
  {
    trackName: TrackName,
    instrument: Name(50, 'The instrument the recording was converted to, e.g. "trumpet"'),
    order: Type.Optional(Order),
  },
  { additionalProperties: false },
);

const Upload = (what: string) =>
  Type.String({ description: `Signed PUT URL for the ${what}: send the raw bytes as the body (any Content-Type, at most 100 MB); answers 201` });

export const CreatedTrack = Type.Object({
  track: Track,
  trackPresignedUrl: Upload('converted audio'),
  recordPresignedUrl: Upload('raw recording'),
  expiresAt: Type.String({ format: 'date-time', description: 'When both upload URLs stop working; a track still missing a file then fails' }),
  maxBytes: Type.Integer({ description: 'Largest file each URL accepts' }),
});

export const FailBody = Type.Object(
  {
    trackId: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The pending track POST /api/work/track/{studioid} created; default the studio\'s newest track that is not ready' }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateTrackBody = Type.Object(
  { trackName: Type.Optional(TrackName), order: Type.Optional(Order) },
  { additionalProperties: false, minProperties: 1 },
);

export const TrackChange = Type.Object(
  { trackId: Type.Integer({ minimum: 1 }), trackName: Type.Optional(TrackName), order: Type.Optional(Order) },
  { additionalProperties: false },
);
