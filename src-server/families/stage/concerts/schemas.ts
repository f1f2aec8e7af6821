import { Type } from 'typebox';
import {
  Accessory,
  ConcertInfo,
  ConcertInvitation,
  ConcertSong as Song,
  ConcertStage,
  ListenServer,
} from '../../../../src-shared/api/stage';
import { AccessoryList } from '../presets/accessories';
import { OrNull } from '../http';
import { CONCERT_TTL_SECONDS, DEFAULT_MAX_AUDIENCE, REACTIONS, type ConcertState } from './service';

export { ConcertInfo, Song };

export const MAX_SONGS = 200;

export const SongInput = Type.Object({
  songNum: Type.Integer({ minimum: 1, description: 'Unique in a concert; songs are kept in songNum order' }),
  audioId: Type.Integer({ minimum: 1, description: 'An id of the shared audio library' }),
  streamUrl: Type.Optional(Type.String({ maxLength: 2048, description: 'Defaults to `/api/audio/file/<audioId>`' })),
  stageDirectionId: Type.Optional(OrNull(Type.Integer())),
});

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const ListenServerBody = Type.Object({
  localIP: Type.String({ minLength: 1, maxLength: 64, description: 'IPv4 or IPv6 address on the LAN' }),
  port: Port,
  publicIP: Type.Optional(Type.String({ maxLength: 64, description: 'IPv4 or IPv6 address; absent (or null) when there is none' })),
  publicPort: Type.Optional(Port),
});

export const CreateBody = Type.Object({
  concertName: Type.String({ minLength: 1, maxLength: 200 }),
  songs: Type.Optional(Type.Array(SongInput, { maxItems: MAX_SONGS })),
  accessories: Type.Optional(AccessoryList),
  maxAudience: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: `Defaults to ${DEFAULT_MAX_AUDIENCE}` })),
  expiresIn: Type.Optional(
    Type.Integer({
      minimum: 60,
      maximum: 86_400,
      description: `Seconds the room lives after the studio's last change; defaults to ${CONCERT_TTL_SECONDS}`,
    }),
  ),
});

/** The room as the spec shows it; the audience's user numbers stay with the studio and the realtime layer. */
export const concertView = (c: ConcertState) => ({
  roomId: c.roomId,
  studioUserId: c.studioUserId,
  studioName: c.studioName,
  concertName: c.concertName,
  songs: c.songs,
  accessories: c.accessories,
  maxAudience: c.maxAudience,
  currentAudience: c.currentAudience,
  currentSong: c.currentSong,
  isOpen: c.isOpen,
  listenServer: c.listenServer,
  createdAt: c.createdAt,
  songStartedAt: c.songStartedAt,
  expiresAt: c.expiresAt,
  allowGuests: c.allowGuests,
  joinCode: c.joinCode,
});

export const InviteParams = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 100, description: 'The join code (any case) or the roomId' }),
});

export const Invite = Type.Object({ success: Type.Literal(true), invite: ConcertInvitation });

export const GuestBody = Type.Object({
  displayName: Type.String({ minLength: 1, maxLength: 40, description: 'What the host and the audience see' }),
});

export const GuestAdmitted = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  guestPass: Type.String({
    description:
      'Connect socket.io with auth.token set to it and emit concert:join for this room. It opens nothing else: no HTTP route takes it.',
  }),
  roomId: Type.String(),
  displayName: Type.String(),
});

export const GuestPolicyBody = Type.Object({ allowGuests: Type.Boolean() });
export const GuestPolicy = Type.Object({ success: Type.Literal(true), message: Type.String(), allowGuests: Type.Boolean() });

export const RoomParams = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 100, description: '`concert_<ms>_<random>`' }) });
export const SongParams = Type.Object({ ...RoomParams.properties, songNum: Type.Integer({ minimum: 1 }) });
export const AccessoryParams = Type.Object({
  ...RoomParams.properties,
  index: Type.Integer({ minimum: 0, description: 'Position in the accessories list, from 0' }),
});

export const ClientBody = Type.Object({
  clientId: Type.Integer({ minimum: 1, description: "The client's stage user number (`user.id` of its login)" }),
});
export const ChangeSongBody = Type.Object({ songNum: Type.Integer({ minimum: 1 }) });
export const AccessoriesBody = Type.Object({ accessories: AccessoryList });
export const ToggleBody = Type.Object({ isOpen: Type.Optional(Type.Boolean({ description: 'Omit to flip the current state' })) });

const ok = Type.Literal(true);

export const Created = Type.Object({ success: ok, roomId: Type.String(), expiresIn: Type.Integer({ description: 'Seconds' }) });
export const ConcertList = Type.Object({ success: ok, count: Type.Integer(), concerts: Type.Array(ConcertInfo) });
export const ConcertOne = Type.Object({ success: ok, concert: ConcertInfo });
export const Message = Type.Object({ success: ok, message: Type.String() });
export const SongsChanged = Type.Object({
  success: ok,
  message: Type.String(),
  songs: Type.Array(Song),
  currentSong: Type.Union([Type.Integer(), Type.Null()]),
});
export const SongChanged = Type.Object({ success: ok, message: Type.String(), currentSong: Type.Integer() });
export const CurrentSong = Type.Object({
  success: ok,
  currentSong: Type.Union([
    Type.Object({
      ...Song.properties,
      concertName: Type.String(),
      studioName: Type.String(),
      songStartedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'Server epoch ms when it (re)started' }),
    }),
    Type.Null(),
  ]),
});
export const AccessoriesChanged = Type.Object({ success: ok, message: Type.String(), accessories: Type.Array(Accessory) });
export const ListenServerSet = Type.Object({ success: ok, message: Type.String(), listenServer: ListenServer });
export const Toggled = Type.Object({ success: ok, message: Type.String(), isOpen: Type.Boolean() });

export const GuestParams = Type.Object({
  ...RoomParams.properties,
  guestId: Type.Integer({ minimum: 1, description: 'The guest number (the audience lists a guest as its negative)' }),
});
export const TransportBody = Type.Object({
  action: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('next'), Type.Literal('previous'), Type.Literal('seek')]),
  positionMs: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 24 * 3600_000, description: 'For `seek` (required there): ms from the start of the current song' }),
  ),
});
export const Playback = Type.Object({
  currentSong: Type.Union([Type.Integer(), Type.Null()]),
  songStartedAt: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Server epoch ms of the virtual start: position = now - songStartedAt while playing',
  }),
  pausedPositionMs: Type.Union([Type.Integer(), Type.Null()], { description: 'Ms into the song where it is paused; null while it plays' }),
  serverTime: Type.Integer({ description: 'Server epoch ms of this answer' }),
});
export const TransportDone = Type.Object({ success: ok, message: Type.String(), playback: Playback });

export const ReactionBody = Type.Object({ emoji: Type.String({ maxLength: 16, description: `One of ${REACTIONS.join(' ')}` }) });
export const RequestBody = Type.Object({ audioId: Type.Integer({ minimum: 1, description: 'A song of the shared audio library' }) });
export const RequestParams = Type.Object({ ...RoomParams.properties, requestId: Type.String({ minLength: 1, maxLength: 40 }) });
export const SongRequest = Type.Object({
  requestId: Type.String(),
  audioId: Type.Integer(),
  userId: Type.Integer({ description: "The requester's stage user number" }),
  name: Type.String(),
  at: Type.Integer({ description: 'Epoch ms' }),
});
export const RequestMade = Type.Object({ success: ok, message: Type.String(), request: SongRequest });
export const RequestList = Type.Object({ success: ok, requests: Type.Array(SongRequest) });

export const StageBody = Type.Object({
  modelId: OrNull(Type.Integer({ minimum: 1 }), {
    description: "One of the studio's uploaded 3D models (`GET /api/models/list`); null takes the stage away",
  }),
});
export const StageSet = Type.Object({ success: ok, message: Type.String(), stageModelId: Type.Union([Type.Integer(), Type.Null()]) });
export const StagePreviewBody = Type.Object({
  modelId: Type.Optional(OrNull(Type.Integer({ minimum: 1 }), { description: "Omit for the concert's own stage model" })),
  accessories: AccessoryList,
});
export const StagePreview = Type.Object({
  success: ok,
  stage: Type.Union([ConcertStage, Type.Null()], { description: 'null without a stage model (listeners see no stage)' }),
});
