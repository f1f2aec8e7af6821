import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { sendStoredFile } from '../../../storage/range';
import {
  FileBytes,
  IdParams,
  blank,
  errorResponses,
  fieldErrors,
  idErrors,
  precheck,
  security,
  signedIn,
  type StageFailure,
} from '../http';
import { multipartForm, readMultipart } from '../../../http/multipart';
import { AUDIO_MAX_BYTES, type AudioService, type ReceivedAudio } from './service';
import { AUDIO_CONTENT_TYPES } from '../../../media/audio-sniff';
import {
  AUDIO_PAGE_DEFAULT,
  AUDIO_PAGE_MAX,
  AudioList,
  AudioListQuery,
  AudioOne,
  AudioPage,
  SearchParams,
  StreamInfo,
  UploadForm,
  Uploaded,
  MySongs,
  FromSongBody,
  audioView,
} from './schemas';
import { errors } from '../errors';

const tags = ['stage'];
const TEXT_MAX = 200;

const readFailure: StageFailure = { code: 'internal', message: 'Server error', database: true };
const streamFailure: StageFailure = { code: 'STREAMING_ERROR', message: 'Failed to stream audio file' };
const uploadFailure: StageFailure = { code: 'UPLOAD_ERROR', message: 'Failed to upload audio file', database: true };

const audioNotFound = () => errors.error('AUDIO_NOT_FOUND', 'Audio file not found');
const fileNotFound = () => errors.error('FILE_NOT_FOUND', 'Audio file not found on server');
const noFile = () => errors.error('NO_FILE', 'No audio file provided');

const validationError = idErrors('audio');

/** The optional `duration` form field: seconds, or absent/empty for "read it from the file". */
function durationField(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw errors.error('INVALID_INPUT', 'duration must be a number of seconds');
  return seconds;
}

function textField(name: string, value: string | undefined): string | null {
  const text = value?.trim() ?? '';
  if (text.length > TEXT_MAX) throw errors.error('INVALID_INPUT', `${name} must be at most ${TEXT_MAX} characters`);
  return text === '' ? null : text;
}

/** /api/audio/**: the shared library every account of this installation reads and adds to. */
export async function audioRoutes(app: FamilyApp, audio: AudioService): Promise<void> {
  app.get(
    '/api/audio/list',
    {
      onRequest: signedIn,
      config: { validationError: fieldErrors({}), failure: readFailure },
      schema: {
        tags,
        security,
        summary: 'List the shared audio library, a page at a time',
        description:
          `Every account of this installation sees the same library, newest first, ${AUDIO_PAGE_DEFAULT} files a page unless \`limit\` says otherwise ` +
          `(at most ${AUDIO_PAGE_MAX}). \`count\` is the files in this page, \`total\` those in the library; pass \`next_offset\` as \`offset\` for the next page.`,
        querystring: AudioListQuery,
        response: {
          200: AudioPage,
          ...errorResponses(['INVALID_INPUT: `limit` or `offset` out of range', 'DATABASE_ERROR: with the driver `code`', 'internal']),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? AUDIO_PAGE_DEFAULT;
      const offset = request.query.offset ?? 0;
      const rows = audio.list({ limit, offset });
      const total = audio.total();
      const next = offset + rows.length;
      return {
        success: true as const,
        count: rows.length,
        total,
        limit,
        offset,
        next_offset: next < total && rows.length > 0 ? next : null,
        audio_files: rows.map(audioView),
      };
    },
  );

  app.get(
    '/api/audio/search/:query',
    {
      onRequest: signedIn,
      config: { failure: readFailure },
      schema: {
        tags,
        security,
        summary: 'Search the library by title and artist',
        description: 'Matches titles or artists containing the query (case-insensitive for Latin letters; `%` and `_` are literal).',
        params: SearchParams,
        response: {
          200: AudioList,
          ...errorResponses(['INVALID_INPUT: query longer than 200 characters', 'DATABASE_ERROR', 'internal']),
        },
      },
    },
    async (request) => {
      const rows = audio.search(request.params.query);
      return { success: true as const, count: rows.length, audio_files: rows.map(audioView) };
    },
  );

  app.get(
    '/api/audio/stream/:id',
    {
      onRequest: signedIn,
      config: { validationError, failure: streamFailure },
      schema: {
        tags,
        security,
        summary: 'Get the streaming URL of an audio file',
        description:
          'Files are stored locally: `stream_url` is `/api/audio/file/<id>` on this server (with Range support), `storage_type` is `"local"`.',
        params: IdParams,
        response: {
          200: StreamInfo,
          ...errorResponses([
            'INVALID_ID',
            'AUDIO_NOT_FOUND: no such id',
            'FILE_NOT_FOUND: its file is missing on disk',
            'STREAMING_ERROR',
          ]),
        },
      },
    },
    async (request) => {
      const row = audio.get(request.params.id);
      if (!row) throw audioNotFound();
      if (!(await app.storage.exists(row.filePath))) throw fileNotFound();
      return {
        success: true as const,
        stream_url: `/api/audio/file/${row.id}`,
        audio_file: { id: row.id, title: row.title, format: row.format, file_size: row.fileSize },
        storage_type: 'local' as const,
      };
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/audio/file/:id',
    onRequest: signedIn,
    config: { validationError, failure: streamFailure },
    schema: {
      tags,
      security,
      summary: 'Stream an audio file (Range supported)',
      description:
        'The bytes, with `Accept-Ranges: bytes`. One `Range: bytes=a-b`, `a-` or `-n` answers 206 with `Content-Range`; a range past the end answers 416 ' +
        '`RANGE_NOT_SATISFIABLE` with `Content-Range: bytes */<size>`. `Content-Type` follows the stored format: `audio/mp3`, `audio/aac`, `audio/mp4` (M4A), `audio/wav`. ' +
        'HEAD answers the same headers without the body.',
      params: IdParams,
      response: {
        200: FileBytes('The whole file'),
        206: FileBytes('The requested byte range'),
        ...errorResponses(['INVALID_ID', 'AUDIO_NOT_FOUND', 'FILE_NOT_FOUND', 'range_not_satisfiable', 'STREAMING_ERROR']),
      },
    },
    handler: async (request, reply) => {
      const row = audio.get(request.params.id);
      if (!row) throw audioNotFound();
      return sendStoredFile(request, reply, app.storage, row.filePath, {
        contentType: AUDIO_CONTENT_TYPES[row.format],
        missing: fileNotFound,
      });
    },
  });

  app.get(
    '/api/audio/:id',
    {
      onRequest: signedIn,
      config: { validationError, failure: readFailure },
      schema: {
        tags,
        security,
        summary: "Get one audio file's details",
        params: IdParams,
        response: {
          200: AudioOne,
          ...errorResponses(['INVALID_ID', 'AUDIO_NOT_FOUND', 'DATABASE_ERROR', 'internal']),
        },
      },
    },
    async (request) => {
      const row = audio.get(request.params.id);
      if (!row) throw audioNotFound();
      return { success: true as const, audio_file: audioView(row) };
    },
  );

  app.post(
    '/api/audio/upload',
    {
      onRequest: signedIn,
      ...multipartForm,
      config: { failure: uploadFailure },
      schema: {
        tags,
        security,
        summary: 'Upload an audio file to the shared library',
        description:
          'multipart/form-data with `audio` (the file), `title` (required), `artist` and `duration` (seconds) in any order. ' +
          'The type is recognised from the bytes, never the file name: AAC (ADTS), M4A, MP3 or WAV, at most 100 MB. ' +
          '`format` and, unless sent, `duration` are read from the file. A refused upload leaves nothing stored. ' +
          'A request that is not multipart has no file: `NO_FILE`.',
        consumes: ['multipart/form-data'],
        body: UploadForm,
        response: {
          201: Uploaded,
          ...errorResponses([
            'NO_FILE',
            'MISSING_TITLE',
            'INVALID_FILE_TYPE: the content is not AAC/M4A/MP3/WAV',
            'INVALID_INPUT: duration not a number, title or artist over 200 characters',
            'FILE_TOO_LARGE: over 100 MB',
            'UPLOAD_ERROR',
            'DATABASE_ERROR',
          ]),
        },
      },
    },
    async (request, reply) => {
      const uploader = currentUser(request);
      let received: ReceivedAudio | null = null;
      try {
        const fields = await readMultipart(request, reply, {
          maxFileBytes: AUDIO_MAX_BYTES,
          notMultipart: noFile,
          files: { audio: async (file) => void (received = await audio.receive(file)) },
        });
        if (!received) throw noFile();
        const title = textField('title', fields.title);
        if (!title) throw errors.error('MISSING_TITLE', 'Title is required');
        const row = audio.create(
          received,
          { title, artist: textField('artist', fields.artist), duration: durationField(fields.duration) },
          uploader.id,
        );
        received = null;
        return reply.code(201).send({ success: true as const, message: 'Audio file uploaded successfully', audio_file: audioView(row) });
      } catch (err) {
        if (received) await audio.discard((received as ReceivedAudio).key);
        throw err;
      }
    },
  );

  app.get(
    '/api/audio/my-songs',
    {
      onRequest: signedIn,
      config: { failure: readFailure },
      schema: {
        tags,
        security,
        summary: "The caller's finished songs (My songs and their studios' songs), to add to the library",
        description: 'Newest first, at most 500. `audioId` is set for a song already in the library.',
        response: { 200: MySongs, ...errorResponses(['LIST_FAILED']) },
      },
    },
    async (request) => ({ success: true as const, songs: audio.mySongs(currentUser(request).id) }),
  );

  app.post(
    '/api/audio/from-song',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (blank(body.songId) ? errors.error('MISSING_FIELDS', 'songId is required') : null)),
      config: { failure: uploadFailure },
      schema: {
        tags,
        security,
        summary: 'Add one of your songs to the library without uploading it again',
        description:
          "The server copies the song's stored file into the library (title from the song, artist = your display name). " +
          'A song added before answers 200 with its existing file; a new one 201.',
        body: FromSongBody,
        response: {
          200: Uploaded,
          201: Uploaded,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_INPUT',
            'INVALID_FILE_TYPE: the song is in a format the library does not take',
            'AUDIO_NOT_FOUND: not one of your songs',
            'FILE_NOT_FOUND',
            'UPLOAD_ERROR',
            'DATABASE_ERROR',
          ]),
        },
      },
    },
    async (request, reply) => {
      const { row, created } = await audio.addFromSong(currentUser(request).id, request.body.songId);
      return reply.code(created ? 201 : 200).send({
        success: true as const,
        message: created ? 'Song added to the library' : 'Song is already in the library',
        audio_file: audioView(row),
      });
    },
  );
}
