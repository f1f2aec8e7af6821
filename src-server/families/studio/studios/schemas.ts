import { Type } from 'typebox';
import { Name } from '../http';
import { Track, TrackChange, type LinkFor, trackView } from '../tracks/schemas';
import type { TrackRow } from '../tracks/service';
import type { StudioRow, StudioSummary } from './service';

export const StudioName = Name(100, 'Shown on the personal page, e.g. "Summer demo"');

export const Studio = Type.Object({
  studioId: Type.Integer(),
  studioName: Type.String(),
  trackInfo: Type.Array(Type.String(), { description: 'Instruments of the ready tracks, in track order' }),
  trackCount: Type.Integer({ description: 'Every track, pending and failed ones included' }),
  createdAt: Type.String({ format: 'date-time' }),
  modifiedAt: Type.String({ format: 'date-time', description: 'Last change to the studio or its tracks' }),
});

export const studioView = (s: StudioSummary) => ({
  studioId: s.id,
  studioName: s.name,
  trackInfo: s.instruments,
  trackCount: s.trackCount,
  createdAt: s.createdAt,
  modifiedAt: s.updatedAt,
});

export const StudioDetail = Type.Object({
  studioId: Type.Integer(),
  studioName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  modifiedAt: Type.String({ format: 'date-time' }),
  trackList: Type.Array(Track, { description: 'In order' }),
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
