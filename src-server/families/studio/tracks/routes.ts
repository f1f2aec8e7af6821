import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { uploadTicket } from '../files/store';
import { Envelope, StudioParams, StudioTrackParams, TrackParams, errorResponses, ok, security, signedIn, tags } from '../http';
import { iso } from '../../../db/time';
import { notYours, trackNotFound } from '../errors';
import { linksFor } from '../files/links';
import type { StudioService } from '../studios/service';
import { CreateTrackBody, CreatedTrack, FailBody, Track, UpdateTrackBody, trackView } from './schemas';
import type { TrackService } from './service';

const Removed = Type.Object({ trackId: Type.Integer(), studioId: Type.Integer() });
const others = 'FORBIDDEN: the studio or track belongs to another account';

/** /api/work/track/**: recording a track through signed uploads, and editing or deleting it. */
export async function trackRoutes(app: FamilyApp, studios: StudioService, tracks: TrackService): Promise<void> {
  app.post(
    '/api/work/track/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Start a track: upload addresses for the converted audio and the raw recording (변환된 트랙 업로드)',
        description:
          '1. This call creates the track as `pending` at `order` (default: last; later tracks move down) and answers two signed PUT URLs. ' +
          '2. PUT the converted audio to `trackPresignedUrl` and the raw recording to `recordPresignedUrl` (raw bytes, at most 100 MB each). ' +
          '3. GET /api/work/studio/{studioid}: the track is `ready` once both files are there and are audio (WAV, MP3, M4A, AAC, Ogg, WebM or FLAC, by content). ' +
          'If an upload fails, DELETE /api/work/track/{studioid}/fail with the trackId removes the track and whatever arrived.',
        params: StudioParams,
        body: CreateTrackBody,
        response: {
          201: Envelope(CreatedTrack),
          ...errorResponses(['VALIDATION_ERROR: trackName or instrument missing or blank, order below 1', others, 'STUDIO_NOT_FOUND']),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const b = request.body;
      const row = tracks.create(me.id, studio.id, { name: b.trackName.trim(), instrument: b.instrument.trim(), order: b.order });
      studios.touch(studio.id);
      const now = app.clock.now();
      const track = uploadTicket(app.urlSigner, request, row.trackKey, now);
      const record = uploadTicket(app.urlSigner, request, row.recordKey, now);
      return reply.code(201).send(
        ok('Track created; upload its two files', {
          track: trackView(row, linksFor(app.urlSigner, request)),
          trackPresignedUrl: track.url,
          recordPresignedUrl: record.url,
          expiresAt: iso(Math.min(row.uploadExpiresAt, track.expiresAt)),
          maxBytes: track.maxBytes,
        }),
      );
    },
  );

  app.delete(
    '/api/work/track/:studioid/fail',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Give up a track whose recording, conversion or upload failed (변환된 트랙 업로드 실패처리)',
        description:
          'Removes the pending (or failed) track and any file that did arrive. A `ready` track is refused: delete it with DELETE /api/work/track/{trackId}. ' +
          "With no body (as the seed's clients send it), the studio's newest track that is not ready is the one removed.",
        params: StudioParams,
        body: FailBody,
        response: {
          200: Envelope(Removed),
          ...errorResponses([
            'VALIDATION_ERROR: trackId not a positive integer',
            others,
            'STUDIO_NOT_FOUND',
            'TRACK_NOT_FOUND: not in this studio',
            'TRACK_NOT_PENDING: the track was uploaded completely',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const removed = await tracks.fail(studio.id, request.body.trackId);
      studios.touch(studio.id);
      return ok('Failed track removed', { trackId: removed.id, studioId: studio.id });
    },
  );

  app.delete(
    '/api/work/track/:trackId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete one track and its files (개별 트랙 삭제)',
        description: 'The tracks after it move up one place.',
        params: TrackParams,
        response: { 200: Envelope(Removed), ...errorResponses(['VALIDATION_ERROR', others, 'TRACK_NOT_FOUND']) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const row = tracks.get(request.params.trackId);
      if (!row) throw trackNotFound();
      if (row.ownerId !== me.id) throw notYours('track');
      await tracks.remove(row);
      studios.touch(row.studioId);
      return ok('Track deleted', { trackId: row.id, studioId: row.studioId });
    },
  );

  app.put(
    '/api/work/track/:studioid/:trackId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Rename a track and/or move it (개별 트랙 수정)',
        description: '`order` moves the track to that place (1 = first, past the end = last); the others shift and stay numbered 1..n.',
        params: StudioTrackParams,
        body: UpdateTrackBody,
        response: {
          200: Envelope(Track),
          ...errorResponses([
            'VALIDATION_ERROR: empty body, blank name, order below 1',
            others,
            'STUDIO_NOT_FOUND',
            'TRACK_NOT_FOUND: not in this studio',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const row = tracks.move(studio.id, request.params.trackId, { trackName: request.body.trackName?.trim(), order: request.body.order });
      studios.touch(studio.id);
      return ok('Track updated', trackView(await tracks.settle(row), linksFor(app.urlSigner, request)));
    },
  );
}
