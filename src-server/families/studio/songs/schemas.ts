import { Type, type Static } from 'typebox';
import { Name, SongParams } from '../http';
import type { LinkFor } from '../tracks/schemas';
import type { SongExtraFiles, SongRow } from './service';

const ExtraUrl = (what: string) => `\`/api/song/{songId}/extras/${what}\`: the bytes, with the Bearer token (Range supported)`;

export const SongExtras = Type.Object(
  {
    mp3Url: Type.Union([Type.String(), Type.Null()], { description: ExtraUrl('song.mp3') }),
    midiUrl: Type.Union([Type.String(), Type.Null()], { description: `${ExtraUrl('song.mid')}; the arrangement as a standard MIDI file` }),
    stems: Type.Array(
      Type.Object({
        name: Type.String({ description: 'The part, e.g. `drums`, `bass`, `lead`' }),
        url: Type.String({ description: ExtraUrl('stems/{name}.wav') }),
      }),
      { description: 'One WAV per part of the arrangement, by name' },
    ),
  },
  { description: 'What the composing engine made beside an AI song' },
);

export const Song = Type.Object({
  songId: Type.Integer(),
  studioId: Type.Union([Type.Integer(), Type.Null()], { description: 'Null once its studio was deleted' }),
  basicSongId: Type.Union([Type.Integer(), Type.Null()], { description: 'For an AI song: the basic song it was composed from' }),
  title: Type.String(),
  genre: Type.Union([Type.String(), Type.Null()]),
  mood: Type.Union([Type.String(), Type.Null()]),
  instruments: Type.Array(Type.String()),
  source: Type.Union([Type.Literal('basic'), Type.Literal('ai'), Type.Literal('mix')], {
    description: '`basic`: uploaded by the client without AI; `ai`: composed by AI; `mix`: mixed by the server from the studio\'s tracks',
  }),
  aiUsed: Type.Boolean(),
  format: Type.String({ description: 'Read from the content: wav, mp3, m4a, aac, ogg, webm or flac' }),
  size: Type.Integer({ description: 'Bytes' }),
  duration: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds, when the container says' }),
  songUrl: Type.String({ description: 'Signed GET URL of the audio (valid 1 hour, Range supported)' }),
  downloadUrl: Type.String({ description: '`/api/song/download/{songId}`: the bytes as an attachment, with the Bearer token' }),
  imageUrl: Type.Union([Type.String(), Type.Null()], { description: 'Signed GET URL of the album cover' }),
  imageFilePath: Type.Union([Type.String(), Type.Null()]),
  shared: Type.Boolean({ description: 'Whether a public share link is active' }),
  viewCount: Type.Integer({ description: 'How often the public share page was opened' }),
  createdAt: Type.String({ format: 'date-time' }),
  extras: Type.Union([SongExtras, Type.Null()], { description: 'MP3, MIDI and stems of an AI song composed here; null for other songs' }),
});
export type SongView = Static<typeof Song>;

/** `extras`: what SongService.extras found for the row. */
export function songView(r: SongRow, link: LinkFor, extras: SongExtraFiles | null): SongView {
  const extra = (file: string) => `/api/song/${r.id}/extras/${file}`;
  return {
    songId: r.id,
    studioId: r.studioId,
    basicSongId: r.basicSongId,
    title: r.title,
    genre: r.genre,
    mood: r.mood,
    instruments: r.instruments,
    source: r.source,
    aiUsed: r.aiUsed,
    format: r.format,
    size: r.size,
    duration: r.duration,
    songUrl: link(r.fileKey, r.format)!,
    downloadUrl: `/api/song/download/${r.id}`,
    imageUrl: r.coverKey ? link(r.coverKey, null) : null,
    imageFilePath: r.coverKey,
    shared: r.shareToken !== null,
    viewCount: r.viewCount,
    createdAt: r.createdAt,
    extras: extras && {
      mp3Url: extras.mp3 ? extra('song.mp3') : null,
      midiUrl: extras.midi ? extra('song.mid') : null,
      stems: extras.stems.map((name) => ({ name, url: extra(`stems/${name}.wav`) })),
    },
  };
}

export const ExtraParams = Type.Object({
  ...SongParams.properties,
  '*': Type.String({ minLength: 1, maxLength: 200, description: '`song.mp3`, `song.mid` or `stems/{name}.wav`, as the song\'s `extras` lists them' }),
});

const Genre = Type.Optional(Name(50, 'e.g. "pop", "jazz"'));
const Mood = Type.Optional(Name(50, 'e.g. "calm", "energetic"'));
const Instruments = Type.Optional(Type.Array(Name(50, 'An instrument'), { maxItems: 32, description: 'Instruments the song features' }));
const ImagePath = Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'An `imageFilePath` from GET /api/song/cover' }));
export const Title = Name(100, 'The song title');

/** Longest a cover request waits for the diffusion engine before answering 202 with the job to poll. */
export const COVER_WAIT_MAX_SECONDS = 120;
export const COVER_WAIT_DEFAULT_SECONDS = 60;

export const CoverQuery = Type.Object(
  {
    title: Title,
    genre: Genre,
    mood: Mood,
    engine: Type.Optional(
      Type.Enum(['auto', 'diffusion', 'procedural'], {
        default: 'auto',
        description:
          '`auto` (default): the diffusion engine when an image model is installed, else the procedural cover; `diffusion`: the engine or 503 `IMAGE_MODEL_UNAVAILABLE`; `procedural`: no model',
      }),
    ),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A checkpoint id from GET /api/v1/models (type `main`); default the first one installed' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Diffusion seed; default one derived from the words, so the same words draw the same cover' })),
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: COVER_WAIT_MAX_SECONDS,
        description: `Seconds to wait for the diffusion engine (default ${COVER_WAIT_DEFAULT_SECONDS}); past them the answer is 202 with a job to poll at GET /api/song/cover/jobs/{jobId}. 0: answer 202 at once`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const Cover = Type.Object({
  imageFilePath: Type.String({ description: 'Pass it as `imageFilePath` when saving a song' }),
  imageUrl: Type.String({ description: 'Signed GET URL of the PNG (valid 1 hour)' }),
  engine: Type.String({ description: 'Who drew it: `procedural`, or `diffusion:<model id> (onnx, <execution provider>)`' }),
  model: Type.Union([Type.String(), Type.Null()], { description: 'The image model (diffusion only)' }),
  seed: Type.Union([Type.Integer(), Type.Null()], { description: 'The diffusion seed, to draw it again (diffusion only)' }),
});

export const CoverJobParams = Type.Object({ jobId: Type.String({ format: 'uuid', description: 'The `jobId` a 202 cover answer gave' }) });

export const CoverJob = Type.Object({
  jobId: Type.String({ format: 'uuid', description: 'Also followed by the `job:update` socket.io event (kind `studio.cover`)' }),
  status: Type.Enum(['queued', 'processing', 'completed', 'failed', 'cancelled']),
  progress: Type.Number({ description: '0..1' }),
  stage: Type.Union([Type.String(), Type.Null()], { description: '`loading`, `denoising`, `typesetting`' }),
  message: Type.Union([Type.String(), Type.Null()], { description: 'e.g. "Step 12/20"' }),
  position: Type.Union([Type.Integer(), Type.Null()], { description: 'While queued: 1 = next to run' }),
  estimatedWaitSeconds: Type.Union([Type.Number(), Type.Null()]),
  model: Type.String({ description: 'The image model drawing it' }),
  seed: Type.Integer(),
  cover: Type.Union([Cover, Type.Null()], { description: 'Once completed' }),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], { description: 'Once failed or cancelled' }),
});

const FilePath = (name: string) => Type.String({ minLength: 1, maxLength: 512, description: `The \`${name}\` a presignedUrl request answered` });

export const BasicSaveBody = Type.Object(
  { basicSongFilePath: FilePath('basicSongFilePath'), name: Title, genre: Genre, mood: Mood, instruments: Instruments, imageFilePath: ImagePath },
  { additionalProperties: false },
);

export const AiSaveBody = Type.Object(
  {
    aiSongFilePath: FilePath('aiSongFilePath'),
    name: Title,
    genre: Genre,
    mood: Mood,
    instruments: Instruments,
    imageFilePath: ImagePath,
    basicSongId: Type.Optional(Type.Integer({ minimum: 1, description: 'The basic song it was composed from, in the same studio' })),
  },
  { additionalProperties: false },
);

export const FinishBody = Type.Object(
  {
    title: Title,
    genre: Genre,
    mood: Mood,
    instruments: Instruments,
    imageFilePath: ImagePath,
    songFilePath: Type.Optional(FilePath('basicSongFilePath')),
    trackIds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 64, description: "Ready tracks of this studio to mix into the song, each once" }),
    ),
  },
  { additionalProperties: false },
);

export const BasicTicket = Type.Object({
  basicSongPresignedUrl: Type.String({ description: 'Signed PUT URL: send the audio bytes as the body (at most 100 MB)' }),
  basicSongFilePath: Type.String({ description: 'Send it back to POST /api/song/studios/{studioid}/basic/save' }),
  expiresAt: Type.String({ format: 'date-time' }),
  maxBytes: Type.Integer(),
});

export const AiTicket = Type.Object({
  aiSongPresignedUrl: Type.String({ description: 'Signed PUT URL: send the audio bytes as the body (at most 100 MB)' }),
  aiSongFilePath: Type.String({ description: 'Send it back to POST /api/song/studios/{studioid}/ai/save' }),
  expiresAt: Type.String({ format: 'date-time' }),
  maxBytes: Type.Integer(),
});

export const Share = Type.Object({
  songId: Type.Integer(),
  title: Type.String(),
  shareUrl: Type.String({ description: 'Public page that plays the song in a browser, no sign-in needed' }),
  audioUrl: Type.String({ description: 'Public audio stream (Range supported)' }),
  imageUrl: Type.Union([Type.String(), Type.Null()], { description: 'Public cover image' }),
});

export const SharedSong = Type.Object({
  songTitle: Type.String(),
  songUrl: Type.String(),
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  genre: Type.Union([Type.String(), Type.Null()]),
  mood: Type.Union([Type.String(), Type.Null()]),
  duration: Type.Union([Type.Number(), Type.Null()]),
});

export const TokenParams = Type.Object({ token: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
