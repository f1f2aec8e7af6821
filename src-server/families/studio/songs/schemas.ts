import { Type } from 'typebox';
import { BasicTicket, Cover, CoverJob, Share, Song, SongExtras, type Song as SongView } from '../../../../src-shared/api/studio';
import { Name, SongParams } from '../http';
import type { LinkFor } from '../tracks/schemas';
import type { SongExtraFiles, SongRow } from './service';

export { BasicTicket, Cover, CoverJob, Share, Song, SongExtras, type SongView };

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
  '*': Type.String({
    minLength: 1,
    maxLength: 200,
    description: "`song.mp3`, `song.mid` or `stems/{name}.wav`, as the song's `extras` lists them",
  }),
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
    model: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'A checkpoint id from GET /api/v1/models (type `main`); default the first one installed',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 4294967295,
        description: 'Diffusion seed; default one derived from the words, so the same words draw the same cover',
      }),
    ),
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

export const CoverJobParams = Type.Object({ jobId: Type.String({ format: 'uuid', description: 'The `jobId` a 202 cover answer gave' }) });

const FilePath = (name: string) =>
  Type.String({ minLength: 1, maxLength: 512, description: `The \`${name}\` a presignedUrl request answered` });

export const BasicSaveBody = Type.Object(
  {
    basicSongFilePath: FilePath('basicSongFilePath'),
    name: Title,
    genre: Genre,
    mood: Mood,
    instruments: Instruments,
    imageFilePath: ImagePath,
  },
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
      Type.Array(Type.Integer({ minimum: 1 }), {
        minItems: 1,
        maxItems: 64,
        description: 'Ready tracks of this studio to mix into the song, each once',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AiTicket = Type.Object({
  aiSongPresignedUrl: Type.String({ description: 'Signed PUT URL: send the audio bytes as the body (at most 100 MB)' }),
  aiSongFilePath: Type.String({ description: 'Send it back to POST /api/song/studios/{studioid}/ai/save' }),
  expiresAt: Type.String({ format: 'date-time' }),
  maxBytes: Type.Integer(),
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
