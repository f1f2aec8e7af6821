import { Type, type Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobSnapshot } from '../../../jobs/queue';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { sendStoredFile } from '../../../storage/range';
import { IMAGE_CONTENT_TYPES, STUDIO_CONTENT_TYPES, sniffStoredImage, type StudioAudioFormat } from '../files/audio';
import { absoluteUrl, newIncomingKey, uploadTicket } from '../files/store';
import { Envelope, FileBytes, SongParams, StudioParams, errorResponses, ok, security, signedIn, tags } from '../http';
import { iso } from '../../../db/time';
import { errors } from '../errors';
import { linksFor } from '../files/links';
import type { StudioServices } from '../family';
import {
  AiSaveBody,
  AiTicket,
  BasicSaveBody,
  BasicTicket,
  COVER_WAIT_DEFAULT_SECONDS,
  COVER_WAIT_MAX_SECONDS,
  Cover,
  CoverJob,
  CoverJobParams,
  CoverQuery,
  ExtraParams,
  FinishBody,
  Share,
  SharedSong,
  Song,
  TokenParams,
  songView,
} from './schemas';
import type { SongFields, SongRow } from './service';
import { SHARE_PAGE_CSP, sharePage } from './share-page';
import type { CoverPayload, CoverResult } from './cover-service';

const others = 'FORBIDDEN: it belongs to another account';
const shareGone = () => errors.error('SHARE_NOT_FOUND', 'This share link does not exist or was turned off');
const contentTypeOf = (format: string) => STUDIO_CONTENT_TYPES[format as StudioAudioFormat] ?? 'application/octet-stream';
// eslint-disable-next-line no-control-regex -- control characters are what a download name must not carry
const safeTitle = (song: SongRow) => song.title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
const fileName = (song: SongRow) => `${safeTitle(song)}.${song.format}`;
const EXTRA_TYPES = { mp3: 'audio/mpeg', mid: 'audio/midi', wav: 'audio/wav' } as const;
/** `drums.wav` of "Hum (AI)" downloads as `Hum (AI) - drums.wav`; the MP3 and MIDI keep the title alone. */
const extraName = (song: SongRow, file: string) => {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return file.startsWith('stems/') ? `${safeTitle(song)} - ${base}` : `${safeTitle(song)}${base.slice(base.lastIndexOf('.'))}`;
};

const SAVE_ERRORS = [
  'VALIDATION_ERROR',
  'INVALID_FILE_PATH: not a path this account was handed',
  'INVALID_AUDIO: the upload is not WAV, MP3, M4A, AAC, Ogg, WebM or FLAC by content; it is discarded',
  'INVALID_IMAGE_PATH',
  others,
  'STUDIO_NOT_FOUND',
  'IMAGE_NOT_FOUND',
  'UPLOAD_NOT_FOUND: nothing was PUT to the presigned URL yet (or this upload was saved already)',
] as const;

/** An API client asking for JSON rather than a page: JSON listed, and before any HTML. */
function wantsJson(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const json = types.indexOf('application/json');
  const html = types.indexOf('text/html');
  return json >= 0 && (html < 0 || json < html);
}

/** The optional descriptive fields every save body shares, trimmed. */
function describe(b: { genre?: string; mood?: string; instruments?: string[] }): Pick<SongFields, 'genre' | 'mood' | 'instruments'> {
  return { genre: b.genre?.trim() ?? null, mood: b.mood?.trim() ?? null, instruments: (b.instruments ?? []).map((i) => i.trim()) };
}

/** /api/song/**: finished songs, their covers, downloads and public share links. */
export async function songRoutes(
  app: FamilyApp,
  { songs, studios, tracks, finisher, covers }: Pick<StudioServices, 'songs' | 'studios' | 'tracks' | 'finisher' | 'covers'>,
): Promise<void> {
  const view = async (request: FastifyRequest, row: SongRow) => songView(row, linksFor(app.urlSigner, request), await songs.extras(row));
  const views = (request: FastifyRequest, rows: SongRow[]) => Promise.all(rows.map((r) => view(request, r)));
  const cover = async (ownerId: string, key: string | undefined) => (key === undefined ? null : songs.checkCover(ownerId, key));

  app.get(
    '/api/song',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'My finished songs, newest first (완성곡 리스트, 마이페이지)',
        response: { 200: Envelope(Type.Array(Song)), ...errorResponses([]) },
      },
    },
    async (request) => ok('OK', await views(request, songs.listByOwner(currentUser(request).id))),
  );

  app.get(
    '/api/song/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "A studio's finished songs, newest first (완성곡 리스트, 개별 스튜디오)",
        params: StudioParams,
        response: {
          200: Envelope(Type.Array(Song)),
          ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const studio = studios.owned(currentUser(request).id, request.params.studioid);
      return ok('OK', await views(request, songs.listByStudio(studio.id)));
    },
  );

  app.get(
    '/api/song/ai/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "A studio's songs composed with AI, newest first (스튜디오별 AI 사용된 완성곡 리스트)",
        params: StudioParams,
        response: {
          200: Envelope(Type.Array(Song)),
          ...errorResponses(['VALIDATION_ERROR', others, 'STUDIO_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const studio = studios.owned(currentUser(request).id, request.params.studioid);
      return ok('OK', await views(request, songs.listByStudio(studio.id, { aiOnly: true })));
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/song/download/:songId',
    onRequest: signedIn,
    schema: {
      tags,
      security,
      summary: 'Download a finished song (개별 완성곡 반환)',
      description:
        'The audio as an attachment named after the title, `Content-Type` from its format. One `Range` answers 206 with `Content-Range`; past the end 416 `RANGE_NOT_SATISFIABLE`. HEAD: headers only.',
      params: SongParams,
      response: {
        200: FileBytes('The whole song', 'audio/*'),
        206: FileBytes('The requested byte range', 'audio/*'),
        ...errorResponses([
          'VALIDATION_ERROR',
          others,
          'SONG_NOT_FOUND',
          'FILE_NOT_FOUND: its file is missing on disk',
          'range_not_satisfiable',
        ]),
      },
    },
    handler: async (request, reply) => {
      const song = songs.owned(currentUser(request).id, request.params.songId);
      return sendStoredFile(request, reply, app.storage, song.fileKey, {
        contentType: contentTypeOf(song.format),
        downloadName: fileName(song),
      });
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/song/:songId/extras/*',
    onRequest: signedIn,
    schema: {
      tags,
      security,
      summary: "Download an AI song's MP3, MIDI or one stem",
      description:
        "The file is one an AI song's `extras` lists: `song.mp3` (audio/mpeg), `song.mid` (audio/midi) or `stems/{name}.wav` (audio/wav), as an attachment. " +
        'One `Range` answers 206 with `Content-Range`; past the end 416 `RANGE_NOT_SATISFIABLE`. HEAD: headers only.',
      params: ExtraParams,
      response: {
        200: FileBytes('The whole file', 'audio/*'),
        206: FileBytes('The requested byte range', 'audio/*'),
        ...errorResponses([
          'VALIDATION_ERROR',
          others,
          'SONG_NOT_FOUND',
          'FILE_NOT_FOUND: not a file this song has',
          'range_not_satisfiable',
        ]),
      },
    },
    handler: async (request, reply) => {
      const song = songs.owned(currentUser(request).id, request.params.songId);
      const file = request.params['*'];
      const key = songs.extraKey(song, file);
      const type = EXTRA_TYPES[file.slice(file.lastIndexOf('.') + 1) as keyof typeof EXTRA_TYPES];
      const missing = () => errors.error('FILE_NOT_FOUND', 'This song has no such file');
      return sendStoredFile(request, reply, app.storage, key, { contentType: type, downloadName: extraName(song, file), missing });
    },
  });

  app.delete(
    '/api/song/download/:songId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete a finished song and its file (개별 완성곡 삭제)',
        description: 'Its share link stops working. Its cover goes too unless another song shows it.',
        params: SongParams,
        response: {
          200: Envelope(Type.Object({ songId: Type.Integer() })),
          ...errorResponses(['VALIDATION_ERROR', others, 'SONG_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const song = songs.owned(currentUser(request).id, request.params.songId);
      await songs.delete(song);
      return ok('Song deleted', { songId: song.id });
    },
  );

  const coverView = (request: FastifyRequest, c: CoverResult) => ({
    ...c,
    imageUrl: linksFor(app.urlSigner, request)(c.imageFilePath, null)!,
  });
  const jobView = (request: FastifyRequest, job: JobSnapshot<CoverResult>, payload: CoverPayload) => {
    const failed = job.status === 'failed' || job.status === 'cancelled';
    const error = failed ? covers.failure(job) : null;
    return {
      jobId: job.id,
      status: job.status,
      progress: job.progress,
      stage: job.stage,
      message: job.message,
      position: job.position,
      estimatedWaitSeconds: job.estimatedWaitSeconds,
      model: payload.modelId,
      seed: payload.seed,
      cover: job.status === 'completed' && job.result ? coverView(request, job.result) : null,
      error: error && { code: error.code, message: error.message },
    };
  };

  const makeCover = async (request: FastifyRequest, reply: FastifyReply, fields: Static<typeof CoverQuery>, doneStatus: 200 | 201) => {
    const me = currentUser(request);
    const words = { title: fields.title.trim(), genre: fields.genre?.trim() ?? null, mood: fields.mood?.trim() ?? null };
    const plan = covers.plan(
      { ...words, engine: fields.engine ?? 'auto', model: fields.model ?? null, seed: fields.seed ?? null },
      me.tier,
    );
    await songs.sweepCovers(me.id);
    if (plan.engine === 'procedural')
      return reply.code(doneStatus).send(ok('Cover created', coverView(request, await covers.drawProcedural(me.id, words, plan.seed))));

    const job = covers.enqueue(me.id, words, plan);
    // A client that hangs up while waiting no longer wants the cover: stop drawing it.
    const hungUp = new AbortController();
    const onClose = () => {
      if (!reply.sent && !reply.raw.writableFinished) hungUp.abort();
    };
    reply.raw.on('close', onClose);
    let now: JobSnapshot<CoverResult>;
    try {
      now = await covers.wait(job.id, (fields.wait ?? COVER_WAIT_DEFAULT_SECONDS) * 1000, hungUp.signal);
    } finally {
      reply.raw.off('close', onClose);
    }
    if (hungUp.signal.aborted) now = covers.cancel(job.id, 'The client went away before the cover was drawn');
    if (now.status === 'completed' && now.result) return reply.code(doneStatus).send(ok('Cover created', coverView(request, now.result)));
    if (now.status === 'failed' || now.status === 'cancelled') throw covers.failure(now);
    return reply.code(202).send(ok('The cover is being drawn', jobView(request, now, job.payload)));
  };
  const COVER_ERRORS = [
    'VALIDATION_ERROR: title missing or blank, an unknown engine, `model` or `seed` with engine `procedural`',
    'MODEL_NOT_AVAILABLE: the model needs a higher plan',
    'MODEL_NOT_FOUND: no image model has that id',
    'COVER_CANCELLED: the job was cancelled while this request waited',
    'IMAGE_ENGINE_FAILED: the diffusion engine failed (its message says why)',
    'IMAGE_MODEL_UNAVAILABLE: engine `diffusion` asked for, but no usable image model is installed',
  ] as const;
  const coverSchema = (method: string) => ({
    tags,
    security,
    summary: `Make an album cover from a title, genre and mood (앨범커버 생성)${method === 'POST' ? ', the same as GET with a JSON body' : ''}`,
    description:
      'A 1024×1024 PNG with the title (and genre · mood) typeset on it, stored for this account: pass `imageFilePath` when saving a song. `engine` in the answer says who drew it.\n\n' +
      "**Diffusion** (`engine` `auto` with an image model installed under `models/diffusion/`, or `diffusion`): the Image Studio's Stable Diffusion engine draws the art from a prompt made of " +
      "the title, genre and mood (album-cover art direction, no lettering), square at the model's native size (20 euler_a steps; LCM-distilled models 6 `lcm` steps, turbo models 4), " +
      'with a seed derived from the words unless `seed` is given, so the same words draw the same cover. It runs as a `studio.cover` job in the GPU lane (progress as `job:update`): ' +
      `the request waits up to \`wait\` seconds (default ${COVER_WAIT_DEFAULT_SECONDS}, at most ${COVER_WAIT_MAX_SECONDS}), then answers 202 with the job; poll GET /api/song/cover/jobs/{jobId} for the cover. ` +
      'A client that hangs up while waiting cancels the job.\n\n' +
      '**Procedural** (`engine` `procedural`, or `auto` with no model): drawn at once with no model. The mood picks the colours (happy, sad, calm, energetic, romantic, dark, mysterious, dreamy; ' +
      'others get colours from the words), the genre the pattern, the title the layout, so the same words give the same cover.',
  });
  const coverResponses = (doneStatus: 200 | 201) => ({
    [doneStatus]: Envelope(Cover),
    202: { ...Envelope(CoverJob), description: 'The diffusion engine is still drawing: poll GET /api/song/cover/jobs/{jobId}' },
    ...errorResponses(COVER_ERRORS),
  });

  app.get(
    '/api/song/cover',
    { onRequest: signedIn, schema: { ...coverSchema('GET'), querystring: CoverQuery, response: coverResponses(200) } },
    async (request, reply) => makeCover(request, reply, request.query, 200),
  );

  app.post(
    '/api/song/cover',
    { onRequest: signedIn, schema: { ...coverSchema('POST'), body: CoverQuery, response: coverResponses(201) } },
    async (request, reply) => makeCover(request, reply, request.body, 201),
  );

  app.get(
    '/api/song/cover/jobs/:jobId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'A cover the diffusion engine is drawing: progress, then the cover',
        description:
          'For a 202 answer of /api/song/cover. `cover` is set once `status` is `completed`; `error` once it is `failed` or `cancelled`.',
        params: CoverJobParams,
        response: {
          200: Envelope(CoverJob),
          ...errorResponses(['VALIDATION_ERROR', "FORBIDDEN: another account's job", 'JOB_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const job = covers.owned(currentUser(request).id, request.params.jobId);
      return ok('OK', jobView(request, job, job.payload));
    },
  );

  app.delete(
    '/api/song/cover/jobs/:jobId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Stop drawing a cover',
        description: 'A queued or running cover job is cancelled; a finished one is answered as it is.',
        params: CoverJobParams,
        response: {
          200: Envelope(CoverJob),
          ...errorResponses(['VALIDATION_ERROR', "FORBIDDEN: another account's job", 'JOB_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const job = covers.owned(currentUser(request).id, request.params.jobId);
      const now = covers.cancel(job.id);
      return ok('Cover job cancelled', jobView(request, now, job.payload));
    },
  );

  const ticket = async (request: FastifyRequest) => {
    const me = currentUser(request);
    await tracks.sweep(me.id);
    return uploadTicket(app.urlSigner, request, newIncomingKey(me.id), app.clock.now());
  };
  const ticketDescription = (save: string) =>
    `Step 1 of 3: PUT the audio bytes to the URL (any Content-Type, at most 100 MB, within 15 minutes), then POST ${save} with the file path. An upload never saved is removed after a while.`;

  // The two upload addresses differ only in the names a client reads them by (basicSong… / aiSong…).
  type Ticket = { url: string; key: string };
  for (const [kind, schema, summary, named] of [
    [
      'basic',
      BasicTicket,
      'Upload address for a song made without AI (basicSong presignedUrl 발급)',
      (t: Ticket) => ({ basicSongPresignedUrl: t.url, basicSongFilePath: t.key }),
    ],
    [
      'ai',
      AiTicket,
      'Upload address for a song made with AI (aiSong presignedUrl 발급)',
      (t: Ticket) => ({ aiSongPresignedUrl: t.url, aiSongFilePath: t.key }),
    ],
  ] as const) {
    app.get(
      `/api/song/${kind}/presignedUrl`,
      {
        onRequest: signedIn,
        schema: {
          tags,
          security,
          summary,
          description: ticketDescription(`/api/song/studios/{studioid}/${kind}/save`),
          response: { 200: Envelope(schema), ...errorResponses([]) },
        },
      },
      async (request) => {
        const t = await ticket(request);
        return ok('Upload URL issued', {
          ...named(t),
          expiresAt: iso(t.expiresAt),
          maxBytes: t.maxBytes,
        });
      },
    );
  }

  app.post(
    '/api/song/studios/:studioid/basic/save',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Save an uploaded song made without AI (basicSong 데이터베이스 저장 요청)',
        description:
          'Step 3 of 3, after GET /api/song/basic/presignedUrl and the upload. The file is checked by content before the song exists.',
        params: StudioParams,
        body: BasicSaveBody,
        response: { 201: Envelope(Song), ...errorResponses(SAVE_ERRORS) },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const b = request.body;
      const coverKey = await cover(me.id, b.imageFilePath);
      const row = await songs.saveUpload(
        me.id,
        studio.id,
        b.basicSongFilePath,
        { title: b.name.trim(), ...describe(b), coverKey, source: 'basic' },
        'basicSongFilePath',
      );
      return reply.code(201).send(ok('Song saved', await view(request, row)));
    },
  );

  app.post(
    '/api/song/studios/:studioid/ai/save',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Save an uploaded song made with AI (aiSong 데이터베이스 저장 요청)',
        description: 'Step 3 of 3, after GET /api/song/ai/presignedUrl and the upload. The song is listed by GET /api/song/ai/{studioid}.',
        params: StudioParams,
        body: AiSaveBody,
        response: {
          201: Envelope(Song),
          ...errorResponses([
            ...SAVE_ERRORS,
            'STUDIO_NOT_FOUND',
            'IMAGE_NOT_FOUND',
            'SONG_NOT_FOUND: basicSongId is not a song of this studio',
          ]),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const b = request.body;
      if (b.basicSongId !== undefined) finisher.requireBasic(me.id, studio.id, b.basicSongId);
      const coverKey = await cover(me.id, b.imageFilePath);
      const row = await songs.saveUpload(
        me.id,
        studio.id,
        b.aiSongFilePath,
        { title: b.name.trim(), ...describe(b), coverKey, source: 'ai', basicSongId: b.basicSongId ?? null },
        'aiSongFilePath',
      );
      return reply.code(201).send(ok('Song saved', await view(request, row)));
    },
  );

  app.post(
    '/api/song/:studioid',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Finish a song: save an uploaded mix, or have the server mix the studio's tracks (완성곡 변환 저장)",
        description:
          'Send exactly one of `songFilePath` (a `basicSongFilePath` you uploaded to) or `trackIds` (ready tracks of this studio, mixed by ffmpeg into one MP3 as long as the longest track). ' +
          'Either way the result is checked as audio before the song exists.',
        params: StudioParams,
        body: FinishBody,
        response: {
          201: Envelope(Song),
          ...errorResponses([
            ...SAVE_ERRORS,
            'VALIDATION_ERROR: neither or both of songFilePath and trackIds, a track listed twice',
            'TRACK_NOT_FOUND: not in this studio',
            'TRACK_NOT_READY: a listed track has not finished uploading',
            'MIX_FAILED: ffmpeg could not mix the tracks',
            'FFMPEG_UNAVAILABLE: mixing needs ffmpeg, which was not found',
          ]),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const b = request.body;
      const row = await finisher.finish(me.id, studio.id, b, { title: b.title.trim(), ...describe(b) });
      return reply.code(201).send(ok('Song saved', await view(request, row)));
    },
  );

  app.get(
    '/api/song/share/:songId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Share a finished song: a public link anyone can open without signing in (완성곡 공유)',
        description:
          '`shareUrl` is a page that plays the song in a browser; asking it for JSON (`Accept: application/json`) answers `{songTitle, songUrl, imageUrl...}`. ' +
          'The link stays the same until DELETE /api/song/share/{songId} turns it off or the song is deleted. ' +
          "While LAN sharing is on the links use this computer's LAN address (`lan: true`), so others on the network can open them; while it is off they use the address of the request and reach this computer only.",
        params: SongParams,
        response: { 200: Envelope(Share), ...errorResponses(['VALIDATION_ERROR', others, 'SONG_NOT_FOUND']) },
      },
    },
    async (request) => {
      const song = songs.owned(currentUser(request).id, request.params.songId);
      const token = songs.share(song);
      const base = `/api/song/shared/${token}`;
      const { origin, lan } = app.lan.publicOrigin(request);
      return ok('Song shared', {
        songId: song.id,
        title: song.title,
        shareUrl: `${origin}${base}`,
        audioUrl: `${origin}${base}/audio`,
        imageUrl: song.coverKey ? `${origin}${base}/cover` : null,
        lan,
      });
    },
  );

  app.delete(
    '/api/song/share/:songId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Turn off the public link of a song',
        params: SongParams,
        response: {
          200: Envelope(Type.Object({ songId: Type.Integer() })),
          ...errorResponses(['VALIDATION_ERROR', others, 'SONG_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const song = songs.owned(currentUser(request).id, request.params.songId);
      songs.unshare(song);
      return ok('Share link turned off', { songId: song.id });
    },
  );

  const shared = (token: string) => {
    const song = songs.byToken(token);
    if (!song) throw shareGone();
    return song;
  };

  app.get(
    '/api/song/shared/:token',
    {
      schema: {
        tags,
        summary: 'The public page of a shared song (no sign-in)',
        description: 'HTML with a player for browsers; `{songTitle, songUrl, imageUrl, ...}` for `Accept: application/json`.',
        params: TokenParams,
        response: {
          200: {
            description: 'A page with a player for browsers; JSON for `Accept: application/json`',
            content: { 'text/html': { schema: Type.String() }, 'application/json': { schema: Envelope(SharedSong) } },
          },
          ...errorResponses(['VALIDATION_ERROR: malformed token', 'SHARE_NOT_FOUND'], { auth: false }),
        },
      },
    },
    async (request, reply) => {
      const song = shared(request.params.token);
      const base = `/api/song/shared/${request.params.token}`;
      const urls = { audio: `${base}/audio`, cover: song.coverKey ? `${base}/cover` : null };
      if (wantsJson(request.headers.accept)) {
        return ok('OK', {
          songTitle: song.title,
          songUrl: absoluteUrl(request, urls.audio),
          imageUrl: urls.cover && absoluteUrl(request, urls.cover),
          genre: song.genre,
          mood: song.mood,
          duration: song.duration,
        });
      }
      songs.countView(song);
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', SHARE_PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(
          sharePage(song, urls, {
            url: absoluteUrl(request, base),
            image: urls.cover && absoluteUrl(request, urls.cover),
            audio: absoluteUrl(request, urls.audio),
            description: [song.genre, song.mood].filter(Boolean).join(' · ') || 'A song made with Atelier',
          }),
        );
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/song/shared/:token/audio',
    schema: {
      tags,
      summary: 'The audio of a shared song (no sign-in; Range supported)',
      params: TokenParams,
      response: {
        200: FileBytes('The whole song', 'audio/*'),
        206: FileBytes('The requested byte range', 'audio/*'),
        ...errorResponses(['VALIDATION_ERROR', 'SHARE_NOT_FOUND', 'FILE_NOT_FOUND', 'range_not_satisfiable'], { auth: false }),
      },
    },
    handler: async (request, reply) => {
      const song = shared(request.params.token);
      return sendStoredFile(request, reply, app.storage, song.fileKey, {
        contentType: contentTypeOf(song.format),
        cacheControl: 'no-cache',
      });
    },
  });

  app.get(
    '/api/song/shared/:token/cover',
    {
      schema: {
        tags,
        summary: 'The album cover of a shared song (no sign-in)',
        params: TokenParams,
        response: {
          200: FileBytes('The image', 'image/*'),
          ...errorResponses(['VALIDATION_ERROR', 'SHARE_NOT_FOUND', 'FILE_NOT_FOUND'], { auth: false }),
        },
      },
    },
    async (request, reply) => {
      const song = shared(request.params.token);
      const format = song.coverKey ? await sniffStoredImage(app.storage, song.coverKey) : null;
      const noCover = () => errors.error('FILE_NOT_FOUND', 'This song has no cover');
      if (!song.coverKey || !format) throw noCover();
      return sendStoredFile(request, reply, app.storage, song.coverKey, { contentType: IMAGE_CONTENT_TYPES[format], missing: noCover });
    },
  );
}
