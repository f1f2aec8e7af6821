import { Type, type Static } from 'typebox';

/**
 * The studio family's response shapes (`/api/work/**`, `/api/song/**`): the server validates and
 * documents its answers with these schemas, and the UI reads their Static types.
 */

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Number | typeof Type.Integer>>(t: T, description?: string) =>
  Type.Union([t, Type.Null()], description ? { description } : {});

export const Track = Type.Object({
  trackId: Type.Integer(),
  studioId: Type.Integer(),
  trackName: Type.String(),
  instrumentName: Type.String({ description: 'The instrument the recording was converted to' }),
  order: Type.Integer({ minimum: 1, description: 'Position in the studio, 1 = first; contiguous' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed')], {
    description:
      '`pending` until both files arrived through their upload URLs and were recognised as audio; `failed` when one was not audio or the URLs expired first',
  }),
  failure: Type.Union([
    Type.Object({ code: Type.String({ description: '`INVALID_AUDIO` or `UPLOAD_EXPIRED`' }), message: Type.String() }),
    Type.Null(),
  ]),
  trackUrl: Nullable(Type.String(), 'Signed GET URL of the converted audio (valid 1 hour, Range supported); null until ready'),
  recordUrl: Nullable(Type.String(), 'Signed GET URL of the raw recording; null until ready'),
  trackFormat: Nullable(Type.String(), 'Read from the content: wav, mp3, m4a, aac, ogg, webm or flac'),
  recordFormat: Nullable(Type.String()),
  duration: Nullable(Type.Number(), 'Seconds of the converted audio, when its container says'),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Track = Static<typeof Track>;

const Upload = (what: string) =>
  Type.String({
    description: `Signed PUT URL for the ${what}: send the raw bytes as the body (any Content-Type, at most 100 MB); answers 201`,
  });

export const CreatedTrack = Type.Object({
  track: Track,
  trackPresignedUrl: Upload('converted audio'),
  recordPresignedUrl: Upload('raw recording'),
  expiresAt: Type.String({
    format: 'date-time',
    description: 'When both upload URLs stop working; a track still missing a file then fails',
  }),
  maxBytes: Type.Integer({ description: 'Largest file each URL accepts' }),
});

export type CreatedTrack = Static<typeof CreatedTrack>;

export const Studio = Type.Object({
  studioId: Type.Integer(),
  studioName: Type.String(),
  trackInfo: Type.Array(Type.String(), { description: 'Instruments of the ready tracks, in track order' }),
  trackCount: Type.Integer({ description: 'Every track, pending and failed ones included' }),
  createdAt: Type.String({ format: 'date-time' }),
  modifiedAt: Type.String({ format: 'date-time', description: 'Last change to the studio or its tracks' }),
});

export type Studio = Static<typeof Studio>;

export const StudioDetail = Type.Object({
  studioId: Type.Integer(),
  studioName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  modifiedAt: Type.String({ format: 'date-time' }),
  trackList: Type.Array(Track, { description: 'In order' }),
});

export type StudioDetail = Static<typeof StudioDetail>;

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

export type SongExtras = Static<typeof SongExtras>;

export const Song = Type.Object({
  songId: Type.Integer(),
  studioId: Type.Union([Type.Integer(), Type.Null()], { description: 'Null once its studio was deleted' }),
  basicSongId: Type.Union([Type.Integer(), Type.Null()], { description: 'For an AI song: the basic song it was composed from' }),
  title: Type.String(),
  genre: Type.Union([Type.String(), Type.Null()]),
  mood: Type.Union([Type.String(), Type.Null()]),
  instruments: Type.Array(Type.String()),
  source: Type.Union([Type.Literal('basic'), Type.Literal('ai'), Type.Literal('mix')], {
    description: "`basic`: uploaded by the client without AI; `ai`: composed by AI; `mix`: mixed by the server from the studio's tracks",
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
export type Song = Static<typeof Song>;

export const Cover = Type.Object({
  imageFilePath: Type.String({ description: 'Pass it as `imageFilePath` when saving a song' }),
  imageUrl: Type.String({ description: 'Signed GET URL of the PNG (valid 1 hour)' }),
  engine: Type.String({ description: 'Who drew it: `procedural`, or `diffusion:<model id> (onnx, <execution provider>)`' }),
  model: Type.Union([Type.String(), Type.Null()], { description: 'The image model (diffusion only)' }),
  seed: Type.Union([Type.Integer(), Type.Null()], { description: 'The diffusion seed, to draw it again (diffusion only)' }),
});

export type Cover = Static<typeof Cover>;

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
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], {
    description: 'Once failed or cancelled',
  }),
});

export type CoverJob = Static<typeof CoverJob>;

export const BasicTicket = Type.Object({
  basicSongPresignedUrl: Type.String({ description: 'Signed PUT URL: send the audio bytes as the body (at most 100 MB)' }),
  basicSongFilePath: Type.String({ description: 'Send it back to POST /api/song/studios/{studioid}/basic/save' }),
  expiresAt: Type.String({ format: 'date-time' }),
  maxBytes: Type.Integer(),
});

export type BasicTicket = Static<typeof BasicTicket>;

export const Share = Type.Object({
  songId: Type.Integer(),
  title: Type.String(),
  shareUrl: Type.String({ description: 'Public page that plays the song in a browser, no sign-in needed' }),
  audioUrl: Type.String({ description: 'Public audio stream (Range supported)' }),
  imageUrl: Type.Union([Type.String(), Type.Null()], { description: 'Public cover image' }),
  lan: Type.Boolean({
    description:
      "Whether the links use this computer's LAN address (LAN sharing is on): others on the network can open them. False: they work on this computer only until LAN sharing is turned on",
  }),
});

export type Share = Static<typeof Share>;

/** The composing engines a compose request may name. */
export const COMPOSER_KINDS = ['arranger', 'musicgen'] as const;

export const ComposeAccepted = Type.Object({
  jobId: Type.String({ format: 'uuid', description: 'Follow it through the `job:update` socket.io event (kind `studio.compose`)' }),
  status: Type.Literal('queued'),
  position: Type.Union([Type.Integer(), Type.Null()], { description: '1 = next to run' }),
  estimatedWaitSeconds: Type.Union([Type.Number(), Type.Null()]),
  studioId: Type.Integer(),
  basicSongId: Type.Integer(),
});
export type ComposeAccepted = Static<typeof ComposeAccepted>;

export const ComposeVibes = Type.Object({
  genres: Type.Array(Type.String(), { description: 'Genres atelier-arranger plays, e.g. `lofi`' }),
  moods: Type.Array(Type.String()),
  instruments: Type.Array(Type.String(), { description: 'Instruments it can bring forward or lead with' }),
});
export type ComposeVibes = Static<typeof ComposeVibes>;

export const ComposeEngine = Type.Object({
  engine: Type.Enum([...COMPOSER_KINDS], {
    description: `The \`engine\` value to send: ${COMPOSER_KINDS.map((k) => `\`${k}\``).join(' or ')}`,
  }),
  name: Type.Union([Type.String(), Type.Null()], {
    description: 'The installed engine and where it runs, e.g. `musicgen:musicgen-small (onnx, cpu)`; null when not installed',
  }),
  available: Type.Boolean({ description: 'Whether a compose request naming it is accepted now' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why not, in words (what to install where)' }),
  maxDurationSec: Type.Union([Type.Number(), Type.Null()], { description: 'The longest song it makes; null when it follows the take' }),
});
export type ComposeEngine = Static<typeof ComposeEngine>;
