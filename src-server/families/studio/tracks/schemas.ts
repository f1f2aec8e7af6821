import { Type } from 'typebox';
import { CreatedTrack, Track, type Track as TrackView } from '../../../../src-shared/api/studio';
import { Name } from '../http';
import type { TrackRow } from './service';

export { CreatedTrack, Track, type TrackView };

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

export const FailBody = Type.Object(
  {
    trackId: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "The pending track POST /api/work/track/{studioid} created; default the studio's newest track that is not ready",
      }),
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
