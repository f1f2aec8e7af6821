import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Envelope, StudioParams, errorResponses, ok, security, signedIn, tags } from '../http';
import { linksFor } from '../files/links';
import type { TrackService } from '../tracks/service';
import { CreateStudioBody, Deleted, Studio, StudioDetail, UpdateStudioBody, studioDetailView, studioView } from './schemas';
import type { StudioService } from './service';

const others = 'FORBIDDEN: the studio belongs to another account';

/** /api/work/studio/**: the caller's studios ("작업실") and their track lists. */
export async function studioRoutes(app: FamilyApp, studios: StudioService, tracks: TrackService): Promise<void> {
  app.get(
    '/api/work/studio',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'List my studios (작업실 리스트 조회)',
        description: 'Most recently changed first.',
        response: { 200: Envelope(Type.Array(Studio)), ...errorResponses([]) },
      },
    },
    async (request) => ok('OK', studios.list(currentUser(request).id).map(studioView)),
  );

  app.post(
    '/api/work/studio',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Create a studio (작업실 생성)',
        body: CreateStudioBody,
        response: {
          201: Envelope(Studio),
          ...errorResponses(['VALIDATION_ERROR: studioName missing, blank or over 100 characters']),
        },
      },
    },
    async (request, reply) => {
      const row = studios.create(currentUser(request).id, request.body.studioName.trim());
      return reply.code(201).send(ok('Studio created', studioView({ ...row, instruments: [], trackCount: 0 })));
    },
  );

  app.get(
    '/api/work/studio/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Open a studio: its tracks in order (작업실 트랙 리스트 반환)',
        description:
          'Pending tracks whose two files have arrived are checked here: they become `ready` (with signed `trackUrl`/`recordUrl`), ' +
          'or `failed` when a file is not audio or the upload URLs expired before both arrived (their bytes are not kept).',
        params: StudioParams,
        response: { 200: Envelope(StudioDetail), ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const list = await tracks.list(me.id, studio.id);
      return ok('OK', studioDetailView(studio, list, linksFor(app.urlSigner, request)));
    },
  );

  app.put(
    '/api/work/studio/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Edit a studio: rename it and/or rename and reorder its tracks at once (작업실 트랙 리스트 수정)',
        description: 'All changes apply, or none: a track of another studio refuses the whole request.',
        params: StudioParams,
        body: UpdateStudioBody,
        response: {
          200: Envelope(StudioDetail),
          ...errorResponses([
            'VALIDATION_ERROR: empty body, a track named twice, a blank name, an order below 1',
            others,
            'STUDIO_NOT_FOUND',
            'TRACK_NOT_FOUND: a listed track is not in this studio',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const { studioName, updateList } = request.body;
      if (updateList && updateList.length > 0) {
        tracks.update(
          studio.id,
          updateList.map((c) => ({ trackId: c.trackId, order: c.order, trackName: c.trackName?.trim() })),
        );
      }
      if (studioName !== undefined) studios.rename(studio.id, studioName.trim());
      else studios.touch(studio.id);
      const list = await tracks.list(me.id, studio.id);
      return ok('Studio updated', studioDetailView(studios.owned(me.id, studio.id), list, linksFor(app.urlSigner, request)));
    },
  );

  app.delete(
    '/api/work/studio/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete a studio with its tracks and their files (작업실 삭제)',
        description: "The studio's finished songs stay on the owner's page (their `studioId` becomes null).",
        params: StudioParams,
        response: { 200: Envelope(Deleted), ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const { deletedTracks } = await studios.delete(me.id, studio.id);
      return ok('Studio deleted', { studioId: studio.id, deletedTracks });
    },
  );

  app.delete(
    '/api/work/studio/:studioid/reset',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Reset a studio: delete all its tracks and their files (작업실 트랙 리스트 삭제)',
        params: StudioParams,
        response: { 200: Envelope(Deleted), ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const deletedTracks = await tracks.reset(studio.id);
      studios.touch(studio.id);
      return ok('Studio reset', { studioId: studio.id, deletedTracks });
    },
  );
}
