import { Type, type Static, type TSchema } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { contentDisposition } from '../../../storage/range';
import { multipartForm, readMultipart } from '../../../http/multipart';
import { STUDIO_CONTENT_TYPES, checkStoredAudio, type StudioAudioFormat } from '../files/audio';
import { newIncomingKey, AUDIO_MAX_BYTES } from '../files/store';
import { Envelope, FileBytes, Name, SongParams, StudioParams, errorResponses, ok, security, signedIn, tags } from '../http';
import { songNotFound, errors } from '../errors';
import type { SongService } from '../songs/service';
import type { StudioService } from '../studios/service';
import { COMPOSER_KINDS, DEFAULT_COMPOSER, type ComposerKind } from '../../../compose/composer';
import { KEY_NAMES } from '../../../compose/theory';
import {
  GENRES,
  INSTRUMENTS,
  MOODS,
  genreOf,
  instrumentsOf,
  moodOf,
  type Genre,
  type Instrument,
  type Mood,
} from '../../../compose/prompt';
import { EXTEND_MAX_BARS, type Rework } from '../../../compose/plan';
import type { ComposePayload, ComposeResult, ComposeService } from './service';
import type { Job } from '../../../jobs/queue';
import type { SongRow } from '../songs/service';
import { ComposeAccepted as Accepted, ComposeEngine, ComposeVibes } from '../../../../src-shared/api/studio';

const PROMPT_MAX = 1000;
const Prompt = Type.String({
  minLength: 1,
  maxLength: PROMPT_MAX,
  pattern: '\\S',
  description: 'What the song should become, e.g. "upbeat city pop with brass"',
});

const ENGINE_FIELD =
  'Which engine composes: `arranger` (default; atelier-arranger transcribes the take and arranges a band around it) or `musicgen` ' +
  "(a MusicGen ONNX model from the data folder's models/musicgen/<id>/ makes the music from the prompt; a melody model follows the take's chroma, " +
  "a text-only one continues the take's first seconds when the folder can encode audio, else the result's `note` says the melody was not used)";
const Engine = Type.Union(
  COMPOSER_KINDS.map((k) => Type.Literal(k)),
  { description: ENGINE_FIELD },
);
const DURATION_MAX = 300;
const DurationSec = Type.Number({
  minimum: 1,
  maximum: DURATION_MAX,
  description:
    "Song length in seconds for `musicgen` (default: the take's length; at most what the model makes, 30 s for musicgen-small); the arranger follows the take and ignores it",
});

const MusicKey = Type.Union(
  KEY_NAMES.map((k) => Type.Literal(k)),
  {
    description:
      'The key to compose in, e.g. "C major" or "F# minor" (sharps as #, flats as b: C#, Eb, F#, Ab, Bb); default: the key heard in the take',
  },
);
const Bpm = Type.Number({
  minimum: 40,
  maximum: 240,
  description: 'The tempo to compose at, beats per minute; default: the tempo heard in the take',
});

const VARIANTS = 8;
const Variant = Type.Integer({
  minimum: 0,
  maximum: VARIANTS - 1,
  description:
    "Which arrangement of the take (atelier-arranger): 0 (default) is the genre's own; another number gives the same melody another sound, groove and progression, so two requests with 0 and 1 make two variants",
});
const ImageFilePath = Type.String({
  description: "The new song's own cover, an imageFilePath from POST /api/song/cover; default the basic (or reworked) song's",
});

const AiBody = Type.Object(
  {
    basicSongId: Type.Integer({ minimum: 1, description: 'A song of this studio (saved with basic/save) to compose from' }),
    prompt: Type.Optional(Prompt),
    title: Type.Optional(Name(100, 'Title of the AI song; default "<basic title> (AI)"')),
    genre: Type.Optional(Name(50, "Genre to aim for; default the basic song's")),
    mood: Type.Optional(Name(50, "Mood to aim for; default the basic song's")),
    instruments: Type.Optional(Type.Array(Name(50, 'An instrument to bring forward'), { maxItems: 32 })),
    engine: Type.Optional(Engine),
    durationSec: Type.Optional(DurationSec),
    key: Type.Optional(MusicKey),
    bpm: Type.Optional(Bpm),
    variant: Type.Optional(Variant),
    imageFilePath: Type.Optional(ImageFilePath),
  },
  { additionalProperties: false },
);

const Title = Name(100, 'Title of the new song; default the old title with what changed, e.g. "Hum (AI) · extended"');

const ExtendBody = Type.Object(
  {
    bars: Type.Integer({ minimum: 1, maximum: EXTEND_MAX_BARS, description: 'How many bars to add after the last one' }),
    title: Type.Optional(Title),
    imageFilePath: Type.Optional(ImageFilePath),
  },
  { additionalProperties: false },
);

const RemixBody = Type.Object(
  {
    genre: Type.Optional(Name(50, "A genre the arranger plays (GET /api/compose/vibes); default the song's")),
    mood: Type.Optional(Name(50, "A mood the arranger plays; default the song's")),
    instruments: Type.Optional(Type.Array(Name(50, 'An instrument the arranger has'), { maxItems: 32 })),
    variant: Type.Optional(Variant),
    title: Type.Optional(Title),
    imageFilePath: Type.Optional(ImageFilePath),
  },
  { additionalProperties: false },
);

const ReplaceBody = Type.Object(
  {
    fromBar: Type.Integer({ minimum: 1, description: 'First bar to redo, counting from 1' }),
    toBar: Type.Integer({ minimum: 1, description: 'Last bar to redo (included)' }),
    title: Type.Optional(Title),
    imageFilePath: Type.Optional(ImageFilePath),
  },
  { additionalProperties: false },
);

const unknownVibe = (what: string, value: string, known: readonly string[]) =>
  errors.error('UNKNOWN_VIBE', `The arranger has no ${what} "${value}"; it plays ${known.join(', ')}`);

/** The arranger's genre, mood and instruments for what a request names; 400 UNKNOWN_VIBE for a word it does not play. */
function vibeOf(fields: { genre?: string | null; mood?: string | null; instruments?: string[] }): {
  genre: Genre | null;
  mood: Mood | null;
  instruments: Instrument[];
} {
  const genre = fields.genre ? genreOf(fields.genre) : null;
  if (fields.genre && !genre) throw unknownVibe('genre', fields.genre, GENRES);
  const mood = fields.mood ? moodOf(fields.mood) : null;
  if (fields.mood && !mood) throw unknownVibe('mood', fields.mood, MOODS);
  for (const name of fields.instruments ?? []) if (instrumentsOf([name]).length === 0) throw unknownVibe('instrument', name, INSTRUMENTS);
  return { genre, mood, instruments: instrumentsOf(fields.instruments ?? []) };
}

const ENGINE_UNAVAILABLE = 'COMPOSER_UNAVAILABLE: atelier-arranger is not installed (its basic-pitch model is missing)';
const REWORK_ERRORS = [
  'FORBIDDEN: the song belongs to another account',
  'SONG_NOT_FOUND',
  'NOT_ARRANGED: the song was not composed by atelier-arranger (a voice take, a mix, a MusicGen song, or composed before arrangements were kept)',
  'FILE_NOT_FOUND: the take the song was composed from was deleted',
  ENGINE_UNAVAILABLE,
] as const;

const ComposeForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'The source recording: a WAV file (checked by content), at most 100 MB' }),
  prompt: Prompt,
  genre: Type.Optional(Type.String({ maxLength: 50 })),
  mood: Type.Optional(Type.String({ maxLength: 50 })),
  engine: Type.Optional(Engine),
  durationSec: Type.Optional(
    Type.String({ description: 'A number of seconds, 1-300; see `durationSec` of POST /api/song/studios/{studioid}/ai' }),
  ),
});

const ENGINE =
  'COMPOSER_UNAVAILABLE: the asked engine is not installed: atelier-arranger without its basic-pitch model, or `musicgen` with no usable model folder under models/musicgen/ (the message names what is missing)';

function engineField(value: string | undefined): ComposerKind {
  const text = value?.trim() ?? '';
  if (text === '') return DEFAULT_COMPOSER;
  if (!(COMPOSER_KINDS as readonly string[]).includes(text))
    throw errors.error('VALIDATION_ERROR', `engine must be one of ${COMPOSER_KINDS.join(', ')}`);
  return text as ComposerKind;
}

function durationField(value: string | undefined): number | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 1 || n > DURATION_MAX)
    throw errors.error('VALIDATION_ERROR', `durationSec must be a number of seconds from 1 to ${DURATION_MAX}`);
  return n;
}

function textField(name: string, value: string | undefined, max: number): string | null {
  const text = value?.trim() ?? '';
  if (text.length > max) throw errors.error('VALIDATION_ERROR', `${name} must be at most ${max} characters`);
  return text === '' ? null : text;
}

/** The 202 answer of a queued compose job. */
const accepted = (job: Job<ComposePayload, ComposeResult>, studioId: number) => ({
  jobId: job.id,
  status: 'queued' as const,
  position: job.position ?? null,
  estimatedWaitSeconds: job.estimatedWaitSeconds ?? null,
  studioId,
  basicSongId: job.payload.basicSongId,
});

/** AI composition: from a saved basic song as a job (202), or from an uploaded WAV at once. */
export async function composeRoutes(app: FamilyApp, compose: ComposeService, songs: SongService, studios: StudioService): Promise<void> {
  app.get(
    '/api/compose/engines',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'The composing engines on this machine (Atelier addition)',
        description:
          'Not in the spec: which `engine` values the compose routes accept right now, so a client can offer only those. Looked at afresh on every call (a model copied into the data folder counts at once).',
        response: { 200: Envelope(Type.Array(ComposeEngine)), ...errorResponses([]) },
      },
    },
    async () => ok('Composing engines', compose.engines()),
  );

  app.post(
    '/api/song/studios/:studioid/ai',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Ask AI to turn a basic song into a song of a genre and mood (AI 작곡 요청, 202)',
        description:
          'Queues a `studio.compose` job and answers 202 at once; progress arrives as `job:update` events and the finished song appears in GET /api/song/ai/{studioid}. ' +
          '`key` and `bpm` set the key and tempo instead of those heard in the take (the finished result reports both, so a client can offer them for correcting). ' +
          'Everything is checked first; then, when the asked engine (`engine`, default `arranger`) is not installed, 503 `COMPOSER_UNAVAILABLE` and nothing is queued. ' +
          "The finished job's result names the engine that made the song (e.g. `musicgen:musicgen-small (onnx, cpu)`) and, for MusicGen, a `note` on how the melody was used; " +
          'a MusicGen song is mixed with the take and keeps `stems/musicgen.wav` and `stems/vocal.wav`.',
        params: StudioParams,
        body: AiBody,
        response: {
          202: Envelope(Accepted),
          ...errorResponses([
            'VALIDATION_ERROR: also: `durationSec` longer than the MusicGen model makes',
            'FORBIDDEN: the studio belongs to another account',
            'STUDIO_NOT_FOUND',
            'SONG_NOT_FOUND: basicSongId is not a song of this studio',
            'FILE_NOT_FOUND: its audio is missing on disk',
            'UNKNOWN_VIBE: with the arranger, a genre, mood or instrument it does not play (GET /api/compose/vibes lists them)',
            'INVALID_IMAGE_PATH',
            'IMAGE_NOT_FOUND',
            ENGINE,
          ]),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const studio = studios.owned(me.id, request.params.studioid);
      const b = request.body;
      const basic = songs.get(b.basicSongId);
      if (!basic || basic.ownerId !== me.id || basic.studioId !== studio.id) throw songNotFound();
      if (!(await app.storage.exists(basic.fileKey))) throw errors.error('FILE_NOT_FOUND', "The basic song's audio is missing on disk");
      const genre = b.genre?.trim() ?? basic.genre;
      const mood = b.mood?.trim() ?? basic.mood;
      const instruments = b.instruments?.map((i) => i.trim()) ?? basic.instruments;
      // The arranger plays only what it knows; a word it does not is refused rather than quietly played as pop.
      if ((b.engine ?? DEFAULT_COMPOSER) === 'arranger') vibeOf({ genre: b.genre, mood: b.mood, instruments: b.instruments });
      const coverKey = b.imageFilePath === undefined ? null : await songs.checkCover(me.id, b.imageFilePath);
      const prompt =
        b.prompt?.trim() ?? [genre, mood, instruments.length > 0 ? `featuring ${instruments.join(', ')}` : null].filter(Boolean).join(' ');
      const job = compose.request({
        ownerId: me.id,
        studioId: studio.id,
        basicSongId: basic.id,
        title: b.title?.trim() ?? `${basic.title} (AI)`,
        prompt,
        genre,
        mood,
        instruments,
        engine: b.engine ?? DEFAULT_COMPOSER,
        durationSec: b.durationSec ?? null,
        key: b.key ?? null,
        bpm: b.bpm ?? null,
        variant: b.variant ?? 0,
        coverKey,
      });
      return reply.code(202).send(ok('Composition requested', accepted(job, studio.id)));
    },
  );

  app.get(
    '/api/compose/vibes',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'The genres, moods and instruments atelier-arranger plays (Atelier addition)',
        description:
          'Not in the spec: the words a compose, remix or AI request may name for the arranger; each changes what it plays (the genre its drums, bass, comping and sounds; the mood its velocity, hats and pad; an instrument leads or is brought forward).',
        response: { 200: Envelope(ComposeVibes), ...errorResponses([]) },
      },
    },
    async () => ok('Vibes', { genres: [...GENRES], moods: [...MOODS], instruments: [...INSTRUMENTS] }),
  );

  /** One rework route: checks the body, queues the change of the caller's song and answers 202 with the job. */
  const reworkRoute = <B extends TSchema>(
    verb: 'extend' | 'remix' | 'replace',
    doc: { summary: string; description: string; errors: Parameters<typeof errorResponses>[0] },
    body: B,
    ask: (b: Static<B>) => { change: (song: SongRow) => Rework; title: (song: SongRow) => string; imageFilePath?: string },
  ) =>
    app.post<{ Params: { songId: number }; Body: Static<B> }>(
      `/api/song/:songId/${verb}`,
      {
        onRequest: signedIn,
        schema: {
          tags,
          security,
          summary: doc.summary,
          description:
            doc.description +
            " Queues a `studio.compose` job and answers 202; the finished job's `songId` is a new song (with its MP3, MIDI and stems), and the original stays as it was. A failed job leaves no file behind. " +
            'Only songs atelier-arranger composed can be reworked: their arrangement is kept beside them.',
          params: SongParams,
          body,
          response: { 202: Envelope(Accepted), ...errorResponses([...doc.errors, ...REWORK_ERRORS]) },
        },
      },
      async (request, reply) => {
        const asked = ask(request.body as Static<B>);
        const me = currentUser(request);
        const song = songs.owned(me.id, request.params.songId);
        const cover = asked.imageFilePath === undefined ? null : await songs.checkCover(me.id, asked.imageFilePath);
        const job = await compose.requestRework(song, asked.change(song), asked.title(song), cover);
        return reply.code(202).send(ok('Rework requested', accepted(job, song.studioId ?? 0)));
      },
    );

  reworkRoute(
    'extend',
    {
      summary: 'Extend an AI song by some bars (Atelier addition)',
      description:
        "The arranger continues the song: its opening bars' melody and chords again, for `bars` more bars, so the song grows by that many bars. Every sample before the old ending is the old song's own.",
      errors: [
        'VALIDATION_ERROR: `bars` not 1-32',
        'SECTION_OUT_OF_RANGE: the song would pass 256 bars',
        'INVALID_IMAGE_PATH',
        'IMAGE_NOT_FOUND',
      ],
    },
    ExtendBody,
    (b) => ({
      change: () => ({ kind: 'extend', bars: b.bars }),
      title: (song) => b.title?.trim() ?? `${song.title} · extended`,
      ...(b.imageFilePath === undefined ? {} : { imageFilePath: b.imageFilePath }),
    }),
  );

  reworkRoute(
    'remix',
    {
      summary: 'Remix an AI song in another vibe (Atelier addition)',
      description:
        'The same melody (note for note) and the same take, arranged again with another genre, mood, instruments or variant; chords are found afresh for the genre.',
      errors: [
        'VALIDATION_ERROR',
        'UNKNOWN_VIBE: a genre, mood or instrument the arranger does not play',
        'INVALID_IMAGE_PATH',
        'IMAGE_NOT_FOUND',
      ],
    },
    RemixBody,
    (b) => {
      const asked = vibeOf(b);
      return {
        change: (song) => {
          const was = vibeOf({
            genre: song.genre,
            mood: song.mood,
            instruments: song.instruments.filter((i) => instrumentsOf([i]).length),
          });
          return {
            kind: 'remix',
            genre: asked.genre ?? was.genre ?? 'pop',
            mood: b.mood ? asked.mood : was.mood,
            instruments: b.instruments ? asked.instruments : was.instruments,
            variant: b.variant ?? 0,
          };
        },
        title: (song) => b.title?.trim() ?? `${song.title} · ${[b.genre, b.mood].filter(Boolean).join(' ') || 'remix'}`,
        ...(b.imageFilePath === undefined ? {} : { imageFilePath: b.imageFilePath }),
      };
    },
  );

  reworkRoute(
    'replace',
    {
      summary: 'Redo a section of an AI song (Atelier addition)',
      description:
        "Bars `fromBar` to `toBar` (counted from 1, both included) are arranged again with another groove, comping and bass line; every sample outside them is the old song's own.",
      errors: [
        'VALIDATION_ERROR',
        'SECTION_OUT_OF_RANGE: fromBar after toBar, or toBar past the last bar',
        'INVALID_IMAGE_PATH',
        'IMAGE_NOT_FOUND',
      ],
    },
    ReplaceBody,
    (b) => ({
      change: () => ({ kind: 'replace', fromBar: b.fromBar, toBar: b.toBar }),
      title: (song) => b.title?.trim() ?? `${song.title} · bars ${b.fromBar}-${b.toBar} redone`,
      ...(b.imageFilePath === undefined ? {} : { imageFilePath: b.imageFilePath }),
    }),
  );

  app.post(
    '/api/compose',
    {
      onRequest: signedIn,
      ...multipartForm,
      schema: {
        tags,
        security,
        summary: 'Compose from an uploaded WAV and a text prompt; answers the finished audio (AI 작곡)',
        description:
          'multipart/form-data with `file` (WAV, recognised by content, at most 100 MB) and `prompt` (1-1000 characters), optionally `genre`, `mood`, ' +
          "`engine` (`arranger`, the default, or `musicgen`) and `durationSec` (MusicGen's song length), in any order. " +
          'Answers the composed audio as an attachment, with `x-atelier-engine` (which engine composed it), `x-atelier-key` and `x-atelier-tempo` headers, ' +
          'and `x-atelier-note` when the engine has something to say (e.g. that MusicGen did not use the melody). ' +
          'Mood, genre, instruments to bring forward and tempo words (English or Korean) are read from the prompt. ' +
          'Nothing is kept on the server. Everything is checked first; then, when the asked engine is not installed, 503 `COMPOSER_UNAVAILABLE`.',
        consumes: ['multipart/form-data'],
        body: ComposeForm,
        response: {
          200: FileBytes('The composed song', 'audio/*'),
          ...errorResponses([
            'VALIDATION_ERROR: not multipart, no `file` part, no or blank `prompt`, over-long fields, an unknown `engine`, a `durationSec` that is not 1-300 s or longer than the MusicGen model makes',
            'INVALID_AUDIO: the file is not WAV',
            'PAYLOAD_TOO_LARGE: the file is over 100 MB',
            'NO_MELODY_FOUND: no singing or humming could be heard in the recording and there is no prompt to compose from (with one, a take with too little melody is composed from the prompt and the `x-atelier-note` says so)',
            'COMPOSER_FAILED: the engine produced no audio',
            ENGINE,
          ]),
        },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      let input: string | null = null;
      let output: string | null = null;
      let composed: {
        bytes: Buffer;
        format: StudioAudioFormat;
        engine: string;
        key: string | null;
        tempo: number | null;
        note: string | null;
      };
      try {
        const fields = await readMultipart(request, reply, {
          maxFileBytes: AUDIO_MAX_BYTES,
          notMultipart: () => errors.error('VALIDATION_ERROR', 'Send multipart/form-data with a `file` part (WAV) and a `prompt` field'),
          files: {
            file: async (file) => {
              input = newIncomingKey(me.id);
              await app.storage.put(input, file, { maxBytes: AUDIO_MAX_BYTES });
            },
          },
        });
        if (input === null) throw errors.error('VALIDATION_ERROR', 'body.file is required: a WAV recording');
        const prompt = textField('prompt', fields.prompt, PROMPT_MAX);
        if (!prompt) throw errors.error('VALIDATION_ERROR', 'body.prompt is required');
        const genre = textField('genre', fields.genre, 50);
        const mood = textField('mood', fields.mood, 50);
        const engine = engineField(fields.engine);
        const durationSec = durationField(fields.durationSec);
        const audio = await checkStoredAudio(app.storage, input);
        if (audio?.format !== 'wav') throw errors.error('INVALID_AUDIO', 'The file must be a WAV recording (recognised by its content)');

        const aborted = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableEnded) aborted.abort(new DOMException('The client went away', 'AbortError'));
        });
        compose.check({ engine, durationSec });
        const result = await compose.composeNow(input, { prompt, genre, mood, instruments: [], engine, durationSec }, aborted.signal);
        output = result.key;
        composed = {
          bytes: await app.storage.get(result.key),
          format: result.audio.format,
          engine: result.engine,
          key: result.musicKey,
          tempo: result.tempo,
          note: result.note,
        };
      } finally {
        // Nothing of a composition stays on the server, whatever happened.
        if (input) await app.storage.delete(input);
        if (output) await app.storage.delete(output);
      }
      reply.header('x-atelier-engine', composed.engine);
      if (composed.key) reply.header('x-atelier-key', composed.key);
      if (composed.tempo) reply.header('x-atelier-tempo', String(composed.tempo));
      if (composed.note) reply.header('x-atelier-note', composed.note);
      return reply
        .type(STUDIO_CONTENT_TYPES[composed.format])
        .header('content-disposition', contentDisposition(`composed.${composed.format}`))
        .send(composed.bytes);
    },
  );
}
