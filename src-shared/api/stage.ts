import { Type, type Static } from 'typebox';

/**
 * The stage family's response shapes (`/api/audio/**`, `/api/concert/**`): the server validates and
 * documents its answers with these schemas, and the UI reads their Static types.
 */

export const AudioFile = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  artist: Type.Union([Type.String(), Type.Null()]),
  file_path: Type.String({ description: 'Storage key under the data folder, e.g. `audio/1795416092714-k3j9x0a2b.mp3`' }),
  file_size: Type.Integer({ description: 'Bytes' }),
  duration: Type.Union([Type.Number(), Type.Null()], { description: "Seconds: the uploader's value, else read from the file" }),
  format: Type.Union([Type.Literal('mp3'), Type.Literal('aac'), Type.Literal('m4a'), Type.Literal('wav')], {
    description: 'Read from the content',
  }),
  created_at: Type.String({ format: 'date-time' }),
  uploaded_by: Type.Integer({ description: "The uploader's stage user number" }),
});

export type AudioFile = Static<typeof AudioFile>;

/** One avatar attachment, as the Unreal client sends it (a socket, an offset, a rotation and a mesh URL). */
export const Accessory = Type.Object({
  socketName: Type.String({ minLength: 1, maxLength: 100, description: 'Skeleton socket, e.g. `Head`' }),
  relativeLocation: Type.Object({ x: Type.Number(), y: Type.Number(), z: Type.Number() }),
  relativeRotation: Type.Object({ pitch: Type.Number(), yaw: Type.Number(), roll: Type.Number() }),
  modelUrl: Type.String({ minLength: 1, maxLength: 2048 }),
});

export type Accessory = Static<typeof Accessory>;

export const ConcertSong = Type.Object({
  songNum: Type.Integer(),
  audioId: Type.Integer(),
  streamUrl: Type.String(),
  stageDirectionId: Type.Union([Type.Integer(), Type.Null()]),
});

export type ConcertSong = Static<typeof ConcertSong>;

export const ListenServer = Type.Object({
  localIP: Type.String(),
  port: Type.Integer(),
  publicIP: Type.Optional(Type.String()),
  publicPort: Type.Optional(Type.Integer()),
});

const concertFields = {
  studioUserId: Type.Integer({ description: "The studio's stage user number" }),
  studioName: Type.String(),
  concertName: Type.String(),
  songs: Type.Array(ConcertSong),
  accessories: Type.Array(Accessory),
  maxAudience: Type.Integer(),
  currentAudience: Type.Integer(),
  currentSong: Type.Union([Type.Integer(), Type.Null()], { description: 'songNum of the current song; null without songs' }),
  isOpen: Type.Boolean(),
  listenServer: Type.Union([ListenServer, Type.Null()], { description: 'null until the studio registers it' }),
  createdAt: Type.Integer({ description: 'Epoch ms' }),
  songStartedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'Server epoch ms when the current song (re)started' }),
  expiresAt: Type.Integer({ description: 'Epoch ms when the room lapses unless the studio changes something first' }),
  allowGuests: Type.Boolean({ description: "Atelier's addition: people may join with a display name only (a guest pass)" }),
  joinCode: Type.Union([Type.String(), Type.Null()], { description: "Atelier's addition: the short code people type to find the room" }),
};

export const ConcertInfo = Type.Object({ roomId: Type.String(), ...concertFields });
export type ConcertInfo = Static<typeof ConcertInfo>;

/** What the invite page shows before anyone joins (GET /api/concert/invite/{code}, no sign-in). */
export const ConcertInvite = Type.Object({
  roomId: Type.String(),
  concertName: Type.String(),
  studioName: Type.String(),
  isOpen: Type.Boolean(),
  allowGuests: Type.Boolean(),
  joinCode: Type.Union([Type.String(), Type.Null()]),
  currentAudience: Type.Integer(),
  maxAudience: Type.Integer(),
});
export type ConcertInvite = Static<typeof ConcertInvite>;
