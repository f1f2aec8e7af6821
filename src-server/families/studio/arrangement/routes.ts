import fs from 'node:fs';
import fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Arrangement, ArrangementState } from '../../../../src-shared/api/arrangement';
import { Song } from '../../../../src-shared/api/studio';
import { checkStoredAudio } from '../files/audio';
import { linksFor } from '../files/links';
import { ownerPrefix } from '../files/store';
import { Envelope, FileBytes, Name, StudioParams, errorResponses, ok, security, signedIn, tags } from '../http';
import { errors } from '../errors';
import type { StudioServices } from '../family';
import { songView } from '../songs/schemas';
import { songExtrasPrefix } from '../songs/service';
import type { ArrangementService } from './service';

const others = 'FORBIDDEN: the studio belongs to another account';
const Version = Type.Integer({ minimum: 0, description: 'The `version` the change was made on (from the last answer)' });

const WriteBody = Type.Object(
  {
    version: Version,
    arrangement: Arrangement,
    label: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'What the change did, e.g. "Split clip"; shown by undo' }),
    ),
  },
  { additionalProperties: false },
);
const StepBody = Type.Object({ version: Version }, { additionalProperties: false });
const MixQuery = Type.Object(
  { sampleRate: Type.Optional(Type.Integer({ minimum: 8000, maximum: 96000, description: 'Default 48000; the browser sends its own' })) },
  { additionalProperties: false },
);
const SongBody = Type.Object(
  {
    title: Name(100, 'The song title'),
    genre: Type.Optional(Name(50, 'e.g. "pop"')),
    mood: Type.Optional(Name(50, 'e.g. "calm"')),
  },
  { additionalProperties: false },
);

const StemsBody = Type.Object(
  {
    songId: Type.Integer({ minimum: 1, description: 'An AI song of this studio whose compose job kept stems' }),
    bpm: Type.Optional(
      Type.Number({ minimum: 30, maximum: 300, description: "The grid's tempo; default the tempo the song was composed in" }),
    ),
  },
  { additionalProperties: false },
);

/** What rendering the arrangement can answer besides the mix. */
const MIX_ERRORS = errorResponses([
  'VALIDATION_ERROR',
  others,
  'STUDIO_NOT_FOUND',
  'NOTHING_TO_MIX: no clips',
  'MIX_FAILED: a take could not be decoded',
  'FFMPEG_UNAVAILABLE',
]);

const CONFLICT = 'ARRANGEMENT_CONFLICT: `version` is not the current one (someone else changed it); reload and redo the change';

/** /api/work/studio/{studioid}/arrangement/**: the studio's clips on lanes, versioned with undo/redo, and its mix. */
export async function arrangementRoutes(app: FamilyApp, s: StudioServices, arrangements: ArrangementService): Promise<void> {
  const { studios, tracks, songs } = s;
  const open = async (ownerId: string, studioId: number) => {
    const studio = studios.owned(ownerId, studioId);
    const list = await tracks.list(ownerId, studio.id);
    return { studio, list };
  };

  app.get(
    '/api/work/studio/:studioid/arrangement',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "A studio's arrangement: lanes of clips over its takes, the grid and the loop",
        description:
          'Before the first change (version 0) every ready take is a lane with the whole take as one clip. A take recorded or imported ' +
          'later that no lane lists appears as a new lane; clips of deleted takes are dropped.',
        params: StudioParams,
        response: { 200: Envelope(ArrangementState), ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']) },
      },
    },
    async (request) => {
      const { studio, list } = await open(currentUser(request).id, request.params.studioid);
      return ok('OK', arrangements.state(studio.id, list));
    },
  );

  app.put(
    '/api/work/studio/:studioid/arrangement',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Store a change of the arrangement (optimistic: name the version it was made on)',
        description:
          'The whole document replaces the current one as `version + 1`; the one it replaces goes on the undo stack (the last 200 are kept) and the redo stack is emptied. ' +
          'A `version` that is not the current one is refused with 409, so two windows never overwrite each other.',
        params: StudioParams,
        body: WriteBody,
        response: {
          200: Envelope(ArrangementState),
          ...errorResponses([
            'VALIDATION_ERROR: a field out of range, two lanes or clips with one id',
            'INVALID_CLIP: a clip reads past the end of its take, a clip or lane names a take that is not a ready track of this studio, the loop ends before it starts',
            others,
            'STUDIO_NOT_FOUND',
            CONFLICT,
          ]),
        },
      },
    },
    async (request) => {
      const { studio, list } = await open(currentUser(request).id, request.params.studioid);
      const b = request.body;
      const state = arrangements.write(studio.id, b.version, b.arrangement, b.label ?? 'Edit', list);
      studios.touch(studio.id);
      return ok('Arrangement saved', state);
    },
  );

  for (const direction of ['undo', 'redo'] as const) {
    app.post(
      `/api/work/studio/:studioid/arrangement/${direction}`,
      {
        onRequest: signedIn,
        schema: {
          tags,
          security,
          summary: direction === 'undo' ? 'Undo the last change of the arrangement' : 'Redo the last undone change',
          description: 'Kept on the server, so the history survives a reload. The result is a new version.',
          params: StudioParams,
          body: StepBody,
          response: {
            200: Envelope(ArrangementState),
            ...errorResponses([
              'VALIDATION_ERROR',
              others,
              'STUDIO_NOT_FOUND',
              CONFLICT,
              direction === 'undo' ? 'NOTHING_TO_UNDO' : 'NOTHING_TO_REDO',
            ]),
          },
        },
      },
      async (request) => {
        const { studio, list } = await open(currentUser(request).id, request.params.studioid);
        const state = arrangements.step(studio.id, request.body.version, direction, list);
        return ok(direction === 'undo' ? 'Change undone' : 'Change redone', state);
      },
    );
  }

  app.post(
    '/api/work/studio/:studioid/arrangement/stems',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Open a composed song's stems as tracks, each on its own lane from bar 1",
        description:
          'Each stem (`drums`, `bass`, `piano`…) becomes a ready track of the studio with a lane of its own, starting at 0 s, and the grid takes the ' +
          "song's tempo, so the stems sit on the bars. One change of the arrangement (undo gives back the tempo; the stems stay in the studio as tracks and lanes).",
        params: StudioParams,
        body: StemsBody,
        response: {
          201: Envelope(ArrangementState),
          ...errorResponses([
            'VALIDATION_ERROR',
            others,
            'STUDIO_NOT_FOUND',
            'SONG_NOT_FOUND: not a song of this studio',
            'FILE_NOT_FOUND: the song has no stems',
            'INVALID_AUDIO: a stem is not audio',
          ]),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const { studio } = await open(me.id, request.params.studioid);
      const song = songs.owned(me.id, request.body.songId);
      if (song.studioId !== studio.id) throw errors.error('SONG_NOT_FOUND', 'The song is not one of this studio');
      const stems = (await songs.extras(song))?.stems ?? [];
      if (stems.length === 0) throw errors.error('FILE_NOT_FOUND', 'This song has no stems: only songs composed with AI keep them');
      const before = arrangements.state(studio.id, await tracks.list(me.id, studio.id));
      const added = [];
      for (const stem of stems) {
        const file = app.storage.absolutePath(songs.extraKey(song, `stems/${stem}.wav`));
        const row = await tracks.fromFile(me.id, studio.id, { name: `${song.title} · ${stem}`.slice(0, 100), instrument: stem }, file);
        if (row.status !== 'ready') throw errors.error('INVALID_AUDIO', `The stem "${stem}" is not audio`);
        added.push(row);
      }
      const list = await tracks.list(me.id, studio.id);
      const composed = app.jobs.snapshot(path.basename(songExtrasPrefix(song.fileKey)))?.result as { tempo?: number | null } | null;
      const bpm = request.body.bpm ?? composed?.tempo ?? before.arrangement.bpm;
      // The new tracks already show as lanes of their own; storing that view with the tempo makes it one undoable change.
      const shown = arrangements.state(studio.id, list).arrangement;
      const state = arrangements.write(studio.id, before.version, { ...shown, bpm }, `Open stems of ${song.title}`.slice(0, 100), list);
      studios.touch(studio.id);
      return reply.code(201).send(ok(`${added.length} stems opened as tracks`, state));
    },
  );

  app.get(
    '/api/work/studio/:studioid/arrangement/mix',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'The arrangement mixed as it sounds: stereo 16-bit WAV',
        description:
          "Every audible clip (mute and solo applied) at its place, through its lane's volume and equal-power pan, summed without a limiter: " +
          "the same sum the studio's player makes, so the browser's render of the arrangement equals this file.",
        params: StudioParams,
        querystring: MixQuery,
        response: {
          200: FileBytes('The mix', 'audio/wav'),
          ...MIX_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { studio, list } = await open(currentUser(request).id, request.params.studioid);
      const state = arrangements.state(studio.id, list);
      const bytes = await arrangements.render(state, list, { sampleRate: request.query.sampleRate ?? 48000, ext: 'wav' }, (file) =>
        fsp.readFile(file),
      );
      return reply
        .type('audio/wav')
        .header('content-disposition', `attachment; filename="studio-${studio.id}-v${state.version}.wav"`)
        .send(bytes);
    },
  );

  app.post(
    '/api/work/studio/:studioid/arrangement/song',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Save the arrangement as a song: the mix the user hears, as an MP3',
        description: 'Clip edits, volume, pan, mute and solo are applied (the same sum as …/arrangement/mix), not the raw takes.',
        params: StudioParams,
        body: SongBody,
        response: {
          201: Envelope(Song),
          ...MIX_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const { studio, list } = await open(me.id, request.params.studioid);
      const state = arrangements.state(studio.id, list);
      const key = `${ownerPrefix(me.id)}/songs/${crypto.randomUUID()}.mp3`;
      await arrangements.render(state, list, { sampleRate: 48000, ext: 'mp3' }, (file) => app.storage.put(key, fs.createReadStream(file)));
      const audible = new Set(
        state.arrangement.lanes.filter((l) => l.clips.length > 0 && !l.mute).flatMap((l) => l.clips.map((c) => c.trackId)),
      );
      try {
        const audio = await checkStoredAudio(app.storage, key);
        if (!audio) throw errors.error('MIX_FAILED', 'Mixing the arrangement produced no audio');
        const row = songs.insert(me.id, studio.id, key, audio, {
          title: request.body.title.trim(),
          genre: request.body.genre?.trim() ?? null,
          mood: request.body.mood?.trim() ?? null,
          instruments: [...new Set(list.filter((t) => audible.has(t.id)).map((t) => t.instrument))],
          coverKey: null,
          source: 'mix',
        });
        studios.touch(studio.id);
        return reply.code(201).send(ok('Song saved', songView(row, linksFor(app.urlSigner, request), null)));
      } catch (err) {
        await app.storage.delete(key);
        throw err;
      }
    },
  );
}
