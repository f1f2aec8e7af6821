import { Type } from 'typebox';
import { Studio, StudioDetail } from '../../../../src-shared/api/studio';
import { Name } from '../http';
import { TrackChange, type LinkFor, trackView } from '../tracks/schemas';
import type { TrackRow } from '../tracks/service';
import type { StudioRow, StudioSummary } from './service';

export const StudioName = Name(100, 'Shown on the personal page, e.g. "Summer demo"');

export { Studio, StudioDetail };

export const studioView = (s: StudioSummary) => ({
  studioId: s.id,
  studioName: s.name,
  trackInfo: s.instruments,
  trackCount: s.trackCount,
  createdAt: s.createdAt,
  modifiedAt: s.updatedAt,
});

export const studioDetailView = (s: StudioRow, tracks: TrackRow[], link: LinkFor) => ({
  studioId: s.id,
  studioName: s.name,
  createdAt: s.createdAt,
  modifiedAt: s.updatedAt,
  trackList: tracks.map((t) => trackView(t, link)),
});

export const CreateStudioBody = Type.Object({ studioName: StudioName }, { additionalProperties: false });

export const UpdateStudioBody = Type.Object(
  {
    studioName: Type.Optional(StudioName),
    updateList: Type.Optional(
      Type.Array(TrackChange, {
        maxItems: 1000,
        description: 'Tracks to rename and/or reorder, all or nothing. Orders are then renumbered 1..n; on a tie a listed track goes first',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Deleted = Type.Object({ studioId: Type.Integer(), deletedTracks: Type.Integer() });
