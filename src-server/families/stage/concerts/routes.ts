import net from 'node:net';
import type { FastifyRequest } from 'fastify';
import { absentBodyIsEmpty, type FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Accessory, accessoriesNotArray, invalidAccessories } from '../presets/accessories';
import { blank, errorResponses, fieldErrors, invalidInput, precheck, security, signedIn, type StageFailure } from '../http';
import type { Actor, ConcertService } from './service';
import {
  AccessoriesBody,
  AccessoriesChanged,
  AccessoryParams,
  ChangeSongBody,
  ClientBody,
  ConcertList,
  ConcertOne,
  CreateBody,
  Created,
  CurrentSong,
  ListenServerBody,
  ListenServerSet,
  Message,
  RoomParams,
  SongChanged,
  SongInput,
  SongParams,
  SongsChanged,
  Toggled,
  ToggleBody,
  concertView,
  GuestAdmitted,
  GuestBody,
  GuestParams,
  GuestPolicy,
  GuestPolicyBody,
  Invite,
  InviteParams,
  TransportBody,
  TransportDone,
  ReactionBody,
  RequestBody,
  RequestParams,
  RequestMade,
  RequestList,
  StageBody,
  StagePreview,
  StagePreviewBody,
  StageSet,
} from './schemas';
import type { StageViews } from './stage';
import { errors } from '../errors';

const tags = ['stage'];

const actorOf = (request: FastifyRequest): Actor => {
  const user = currentUser(request);
  return { id: user.id, seq: user.seq };
};

const missing = (message: string) => errors.error('MISSING_FIELDS', message);
const invalidSongs = (message: string) => errors.error('INVALID_SONGS', message);

const ROOM_CODES = 'CONCERT_NOT_FOUND: no such room, or it lapsed';
const studioOnly = (what: string) => `PERMISSION_DENIED: only the studio (the concert's creator) may ${what}` as const;

const ORDER = 'Checks run in this order: input (400), room (404), permission (403), room state.';

/** /api/concert/**: LAN concert rooms run by a studio's listen server. */
export async function concertRoutes(app: FamilyApp, concerts: ConcertService, stage: StageViews): Promise<void> {
  app.post(
    '/api/concert/create',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (blank(body.concertName)) return missing('concertName is required');
        if (body.songs !== undefined && !Array.isArray(body.songs)) return invalidSongs('songs must be an array');
        if (body.accessories !== undefined && !Array.isArray(body.accessories)) return accessoriesNotArray();
        return null;
      }),
      config: {
        validationError: fieldErrors({ songs: (issue) => invalidSongs(issue.text), accessories: invalidAccessories }),
        failure: { code: 'CREATE_FAILED', message: 'Failed to create concert' } satisfies StageFailure,
      },
      schema: {
        tags,
        security,
        summary: 'Create a concert room',
        description:
          "The caller becomes the room's studio (`studioUserId`). `songs`, `accessories` and `maxAudience` (default 100) are optional; each song's `audioId` must be in the " +
          'audio library, `songNum`s unique, and `streamUrl` defaults to `/api/audio/file/<audioId>`. The first song by songNum is current. A new room is closed: ' +
          "register the listen server, dress the avatar, then open it. It lapses `expiresIn` seconds (default 7200) after the studio's last change. Answers 200 as the spec shows.",
        body: CreateBody,
        response: {
          200: Created,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_SONGS: not an array, bad item, duplicate songNum, unknown audioId',
            'INVALID_ACCESSORIES',
            'INVALID_INPUT: maxAudience, expiresIn',
            'CREATE_FAILED',
          ]),
        },
      },
    },
    async (request) => {
      const concert = concerts.create(actorOf(request), { ...request.body, concertName: request.body.concertName.trim() });
      return { success: true as const, roomId: concert.roomId, expiresIn: Math.round((concert.expiresAt - concert.createdAt) / 1000) };
    },
  );

  app.get(
    '/api/concert/list',
    {
      onRequest: signedIn,
      config: { failure: { code: 'LIST_FAILED', message: 'Failed to list concerts' } },
      schema: {
        tags,
        security,
        summary: 'List live concert rooms',
        description: 'Every room that has not lapsed, open or closed, newest first (lapsed rooms are purged here).',
        response: { 200: ConcertList, ...errorResponses(['LIST_FAILED']) },
      },
    },
    async () => {
      const list = concerts.list();
      return { success: true as const, count: list.length, concerts: list.map(concertView) };
    },
  );

  const clientErrors = fieldErrors({ clientId: () => errors.error('MISSING_CLIENT_ID', 'clientId must be a stage user number') });
  const clientPrecheck = precheck((body) => (blank(body.clientId) ? errors.error('MISSING_CLIENT_ID', 'clientId is required') : null));

  app.post(
    '/api/concert/:roomId/join',
    {
      onRequest: signedIn,
      preValidation: clientPrecheck,
      config: { validationError: clientErrors },
      schema: {
        tags,
        security,
        summary: "Register a client in the room (studio's listen server only)",
        description:
          "The listen server calls this when a client connects. `clientId` is the client's stage user number. A client already registered keeps its one seat " +
          "and is answered 200 even while the room is closed (a retry, a reconnect); the studio's own number takes no seat. " +
          ORDER,
        params: RoomParams,
        body: ClientBody,
        response: {
          200: Message,
          ...errorResponses([
            'MISSING_CLIENT_ID: absent or not a user number',
            'JOIN_FAILED: "Concert is full", "Concert is not open", unknown user',
            studioOnly('register clients'),
            ROOM_CODES,
          ]),
        },
      },
    },
    async (request) => {
      concerts.join(request.params.roomId, actorOf(request), request.body.clientId);
      return { success: true as const, message: 'Client joined concert successfully' };
    },
  );

  app.post(
    '/api/concert/:roomId/leave',
    {
      onRequest: signedIn,
      preValidation: clientPrecheck,
      config: { validationError: clientErrors },
      schema: {
        tags,
        security,
        summary: "Remove a client from the room (studio's listen server only)",
        description: 'A client that is not registered is already gone: this succeeds too, so a listen server may retry. ' + ORDER,
        params: RoomParams,
        body: ClientBody,
        response: { 200: Message, ...errorResponses(['MISSING_CLIENT_ID', studioOnly('remove clients'), ROOM_CODES]) },
      },
    },
    async (request) => {
      concerts.leave(request.params.roomId, actorOf(request), request.body.clientId);
      return { success: true as const, message: 'Client left concert successfully' };
    },
  );

  app.get(
    '/api/concert/:roomId/info',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Get a room's details",
        description: 'Any signed-in account may read it, as the list shows the same.',
        params: RoomParams,
        response: { 200: ConcertOne, ...errorResponses([ROOM_CODES]) },
      },
    },
    async (request) => {
      const concert = concerts.get(request.params.roomId);
      if (!concert) throw errors.error('CONCERT_NOT_FOUND', 'Concert not found');
      return { success: true as const, concert: concertView(concert) };
    },
  );

  app.post(
    '/api/concert/:roomId/songs/add',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (blank(body.songNum) || blank(body.audioId) ? missing('songNum and audioId are required') : null)),
      config: { validationError: fieldErrors({ roomId: invalidInput }, (issue) => invalidSongs(issue.text)) },
      schema: {
        tags,
        security,
        summary: 'Add a song (studio only)',
        description:
          '`audioId` must be in the audio library; `streamUrl` defaults to `/api/audio/file/<audioId>`. Songs stay in songNum order. Adding to an empty list makes the song ' +
          'current (and stamps `songStartedAt`). Allowed while open. ' +
          ORDER,
        params: RoomParams,
        body: SongInput,
        response: {
          200: SongsChanged,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_SONGS: bad field, unknown audioId',
            studioOnly('manage songs'),
            ROOM_CODES,
            'DUPLICATE_SONG_NUM: songNum is already in the list',
          ]),
        },
      },
    },
    async (request) => {
      const concert = concerts.addSong(request.params.roomId, actorOf(request), request.body);
      return { success: true as const, message: 'Song added successfully', songs: concert.songs, currentSong: concert.currentSong };
    },
  );

  app.delete(
    '/api/concert/:roomId/songs/:songNum',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Remove a song (studio only)',
        description:
          'Removing the current song makes the next one by songNum current, else the one before it, else none (`currentSong: null`); the new current song gets a fresh ' +
          '`songStartedAt`. ' +
          ORDER,
        params: SongParams,
        response: {
          200: SongsChanged,
          ...errorResponses(['INVALID_INPUT: songNum is not a positive integer', studioOnly('manage songs'), ROOM_CODES, 'SONG_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const concert = concerts.removeSong(request.params.roomId, actorOf(request), request.params.songNum);
      return { success: true as const, message: 'Song removed successfully', songs: concert.songs, currentSong: concert.currentSong };
    },
  );

  app.post(
    '/api/concert/:roomId/songs/change',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (blank(body.songNum) ? missing('songNum is required') : null)),
      schema: {
        tags,
        security,
        summary: 'Change the current song (studio only)',
        description:
          'Also restarts it when it already is current: `songStartedAt` becomes now, which the realtime layer broadcasts. ' + ORDER,
        params: RoomParams,
        body: ChangeSongBody,
        response: {
          200: SongChanged,
          ...errorResponses(['MISSING_FIELDS', 'INVALID_INPUT', studioOnly('manage songs'), ROOM_CODES, 'SONG_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      concerts.changeSong(request.params.roomId, actorOf(request), request.body.songNum);
      return { success: true as const, message: 'Song changed successfully', currentSong: request.body.songNum };
    },
  );

  app.get(
    '/api/concert/:roomId/current-song',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Get the current song (participants only)',
        description:
          'Participants are the studio and the clients its listen server registered. `currentSong` is null while the room has no songs; `songStartedAt` says when it (re)started.',
        params: RoomParams,
        response: { 200: CurrentSong, ...errorResponses(['ACCESS_DENIED: "Not in concert room"', ROOM_CODES]) },
      },
    },
    async (request) => {
      const { song, concert } = concerts.currentSong(request.params.roomId, actorOf(request));
      return {
        success: true as const,
        currentSong: song && {
          ...song,
          concertName: concert.concertName,
          studioName: concert.studioName,
          songStartedAt: concert.songStartedAt,
        },
      };
    },
  );

  type AccessoryCode = 'ADD_ACCESSORY_FAILED' | 'REMOVE_ACCESSORY_FAILED' | 'UPDATE_ACCESSORIES_FAILED';
  const accessoryCodes = (code: AccessoryCode, more: Parameters<typeof errorResponses>[0]) =>
    errorResponses([...more, `${code}: the concert is open`, studioOnly('edit accessories'), ROOM_CODES]);
  /** A body whose `accessories` list is required: its own codes for a missing or malformed list. */
  const accessoriesBody = {
    preValidation: precheck((body) => {
      if (body.accessories === undefined) return missing('accessories is required');
      return Array.isArray(body.accessories) ? null : accessoriesNotArray();
    }),
    config: { validationError: fieldErrors({ accessories: invalidAccessories }) },
  };
  const WHILE_CLOSED = 'Only while the concert is closed: the audience already dressed the avatar. ';

  app.post(
    '/api/concert/:roomId/accessories/add',
    {
      onRequest: signedIn,
      config: { validationError: fieldErrors({ roomId: invalidInput }, invalidAccessories) },
      schema: {
        tags,
        security,
        summary: 'Add an accessory (studio only, while closed)',
        description: WHILE_CLOSED + ORDER,
        params: RoomParams,
        body: Accessory,
        response: { 200: AccessoriesChanged, ...accessoryCodes('ADD_ACCESSORY_FAILED', ['INVALID_ACCESSORIES']) },
      },
    },
    async (request) => {
      const concert = concerts.addAccessory(request.params.roomId, actorOf(request), request.body);
      return { success: true as const, message: 'Accessory added successfully', accessories: concert.accessories };
    },
  );

  app.delete(
    '/api/concert/:roomId/accessories/:index',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Remove an accessory by its position (studio only, while closed)',
        description: WHILE_CLOSED + 'Later accessories move up one place. ' + ORDER,
        params: AccessoryParams,
        response: {
          200: AccessoriesChanged,
          ...accessoryCodes('REMOVE_ACCESSORY_FAILED', [
            'INVALID_INPUT: index is not a whole number',
            'ACCESSORY_NOT_FOUND: index past the end',
          ]),
        },
      },
    },
    async (request) => {
      const concert = concerts.removeAccessory(request.params.roomId, actorOf(request), request.params.index);
      return { success: true as const, message: 'Accessory removed successfully', accessories: concert.accessories };
    },
  );

  app.put(
    '/api/concert/:roomId/accessories',
    {
      onRequest: signedIn,
      ...accessoriesBody,
      schema: {
        tags,
        security,
        summary: 'Replace all accessories (studio only, while closed)',
        description: WHILE_CLOSED + ORDER,
        params: RoomParams,
        body: AccessoriesBody,
        response: {
          200: AccessoriesChanged,
          ...accessoryCodes('UPDATE_ACCESSORIES_FAILED', ['MISSING_FIELDS', 'INVALID_ACCESSORIES']),
        },
      },
    },
    async (request) => {
      const concert = concerts.replaceAccessories(request.params.roomId, actorOf(request), request.body.accessories);
      return { success: true as const, message: 'Accessories updated successfully', accessories: concert.accessories };
    },
  );

  app.put(
    '/api/concert/:roomId/stage',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (body.modelId === undefined ? missing('modelId is required (null takes the stage away)') : null)),
      schema: {
        tags,
        security,
        summary: "Choose the stage's 3D model (studio only, while closed)",
        description:
          "Atelier's addition. Listeners see this model dressed with the accessories (`stage` in the `concert:state` snapshot); " +
          'without one they see no stage. The model must be uploaded (`POST /api/models/upload`), not only registered by its path. ' +
          WHILE_CLOSED +
          ORDER,
        params: RoomParams,
        body: StageBody,
        response: {
          200: StageSet,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_INPUT',
            'UPDATE_STAGE_FAILED: the concert is open',
            studioOnly('choose the stage model'),
            ROOM_CODES,
            "MODEL_NOT_FOUND: not one of the studio's models",
            'MODEL_NOT_STORED: registered by its path only',
          ]),
        },
      },
    },
    async (request) => {
      const concert = concerts.setStageModel(request.params.roomId, actorOf(request), request.body.modelId);
      return { success: true as const, message: 'Stage model updated', stageModelId: concert.stageModelId };
    },
  );

  app.post(
    '/api/concert/:roomId/stage/preview',
    {
      onRequest: signedIn,
      ...accessoriesBody,
      schema: {
        tags,
        security,
        summary: 'Preview the stage with other accessories (studio only)',
        description:
          "What listeners would see with these accessories (and `modelId`, else the concert's stage model): the same `stage` as the snapshot, " +
          "with signed URLs of the studio's stored models. Nothing is changed. An accessory names a library model by `modelUrl` `/api/models/file/<id>`. " +
          ORDER,
        params: RoomParams,
        body: StagePreviewBody,
        response: {
          200: StagePreview,
          ...errorResponses(['MISSING_FIELDS', 'INVALID_ACCESSORIES', 'INVALID_INPUT', studioOnly('preview the stage'), ROOM_CODES]),
        },
      },
    },
    async (request) => {
      const concert = concerts.studioView(request.params.roomId, actorOf(request));
      const modelId = request.body.modelId === undefined ? concert.stageModelId : request.body.modelId;
      return { success: true as const, stage: stage(concert.studioUserId, modelId, request.body.accessories) };
    },
  );

  app.post(
    '/api/concert/:roomId/listen-server',
    {
      onRequest: signedIn,
      preValidation: [
        precheck((body) => (blank(body.localIP) || blank(body.port) ? missing('localIP and port are required') : null)),
        // A listen server without a public address may send nulls for it. They are dropped before
        // validation, so such a server is stored and answered as one that sent none.
        async (request) => {
          const body = request.body as Record<string, unknown>;
          for (const field of ['publicIP', 'publicPort']) if (body[field] === null) delete body[field];
        },
      ],
      schema: {
        tags,
        security,
        summary: "Register the studio's listen server (studio only)",
        description:
          '`publicIP` and `publicPort` are optional (absent or null). Addresses must be IPv4 or IPv6; ports 1-65535. Registering again replaces it. ' +
          ORDER,
        params: RoomParams,
        body: ListenServerBody,
        response: {
          200: ListenServerSet,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_INPUT: not an IP address, port out of range',
            studioOnly('register the listen server'),
            ROOM_CODES,
          ]),
        },
      },
    },
    async (request) => {
      const { localIP, publicIP } = request.body;
      for (const [name, address] of [
        ['localIP', localIP],
        ['publicIP', publicIP],
      ] as const) {
        if (address !== undefined && net.isIP(address) === 0)
          throw errors.error('INVALID_INPUT', `${name} must be an IPv4 or IPv6 address`);
      }
      const concert = concerts.setListenServer(request.params.roomId, actorOf(request), request.body);
      return { success: true as const, message: 'Listen server info updated successfully', listenServer: concert.listenServer! };
    },
  );

  app.post(
    '/api/concert/:roomId/toggle-open',
    {
      onRequest: signedIn,
      // No body at all means "flip it", like `{}`.
      preValidation: absentBodyIsEmpty,
      schema: {
        tags,
        security,
        summary: 'Open or close the room (studio only)',
        description:
          '`isOpen: true` opens, `false` closes, no `isOpen` flips. Opening restarts the current song (`songStartedAt` = now). Only an open room takes new clients; ' +
          'registered clients stay while it is closed. ' +
          ORDER,
        params: RoomParams,
        body: ToggleBody,
        response: {
          200: Toggled,
          ...errorResponses(['INVALID_INPUT', studioOnly('open or close the room'), ROOM_CODES]),
        },
      },
    },
    async (request) => {
      const concert = concerts.setOpen(request.params.roomId, actorOf(request), request.body.isOpen);
      return { success: true as const, message: concert.isOpen ? 'Concert is now open' : 'Concert is now closed', isOpen: concert.isOpen };
    },
  );

  app.get(
    '/api/concert/invite/:code',
    {
      schema: {
        tags,
        summary: "What the invite page shows before joining: the concert's name, host and whether a display name is enough (no sign-in)",
        description: "Atelier's addition. `code` is the room's short join code (any case) or its roomId.",
        params: InviteParams,
        response: { 200: Invite, ...errorResponses([ROOM_CODES]) },
      },
    },
    async (request) => {
      const invite = concerts.invite(request.params.code);
      if (!invite) throw errors.error('CONCERT_NOT_FOUND', 'No concert has this code; check it with the host');
      return { success: true as const, invite };
    },
  );

  app.post(
    '/api/concert/:roomId/guests',
    {
      schema: {
        tags,
        summary: 'Join with a display name only: a guest pass for this concert, no account (no sign-in)',
        description:
          "Atelier's addition. The pass opens this room's socket (auth.token) and nothing else. " +
          '`GUESTS_NOT_ALLOWED` (403) when the host asks for accounts; `JOIN_FAILED` (400) when the doors are closed or every seat is taken.',
        params: RoomParams,
        body: GuestBody,
        response: {
          201: GuestAdmitted,
          ...errorResponses([
            'MISSING_FIELDS',
            'JOIN_FAILED: the doors are closed or every seat is taken',
            'GUESTS_NOT_ALLOWED',
            ROOM_CODES,
          ]),
        },
      },
    },
    async (request, reply) => {
      const name = request.body.displayName.trim();
      if (name === '') throw missing('displayName is required');
      const { pass, guest } = concerts.admitGuest(request.params.roomId, name);
      return reply.code(201).send({
        success: true as const,
        message: 'Welcome to the concert',
        guestPass: pass,
        roomId: guest.roomId,
        displayName: guest.name,
      });
    },
  );

  app.put(
    '/api/concert/:roomId/guests',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Let people join with a display name only, or ask them for an account on this Atelier (studio only)',
        description: "Atelier's addition. Guests already seated keep their seats. " + ORDER,
        params: RoomParams,
        body: GuestPolicyBody,
        response: {
          200: GuestPolicy,
          ...errorResponses(['INVALID_INPUT', studioOnly('choose who may join'), ROOM_CODES]),
        },
      },
    },
    async (request) => {
      const concert = concerts.setAllowGuests(request.params.roomId, actorOf(request), request.body.allowGuests);
      return {
        success: true as const,
        message: concert.allowGuests ? 'Guests may join by name' : 'Listeners need an account here',
        allowGuests: concert.allowGuests,
      };
    },
  );

  app.delete(
    '/api/concert/:roomId/guests/:guestId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Take a guest's seat away (studio only); the guest's page is told it was removed",
        description: "Atelier's addition: guests have no stage user number for POST /leave. " + ORDER,
        params: GuestParams,
        response: {
          200: Message,
          ...errorResponses(['INVALID_INPUT', studioOnly('remove listeners'), ROOM_CODES]),
        },
      },
    },
    async (request) => {
      concerts.removeGuest(request.params.roomId, actorOf(request), request.params.guestId);
      return { success: true as const, message: 'Guest removed' };
    },
  );

  await partyRoutes(app, concerts);
}

const PARTICIPANTS = 'ACCESS_DENIED: "Not in concert room" (only the studio and seated listeners)';

/** Listening-party additions: host transport, ending a concert, reactions and song requests. */
async function partyRoutes(app: FamilyApp, concerts: ConcertService): Promise<void> {
  app.post(
    '/api/concert/:roomId/transport',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => {
        if (blank(body.action)) return missing('action is required');
        return body.action === 'seek' && blank(body.positionMs) ? missing('positionMs is required to seek') : null;
      }),
      schema: {
        tags,
        security,
        summary: 'Pause, resume, skip, go back or seek (studio only)',
        description:
          "The room clock is the server's: the answer and a `concert:state` broadcast (change `transport`) carry the new `songStartedAt` and `pausedPositionMs`, " +
          'and every listener plays from them. `next`/`previous`/`seek` keep a paused room paused. `previous` after the first 3 s restarts the song. ' +
          'Songs also advance by themselves when they end (change `advanced`): the next starts at the exact ms the last ended; after the last song the room pauses at its end. ' +
          ORDER,
        params: RoomParams,
        body: TransportBody,
        response: {
          200: TransportDone,
          ...errorResponses([
            'MISSING_FIELDS',
            'INVALID_INPUT',
            'SEEK_OUT_OF_RANGE: past the end of the song',
            studioOnly('control playback'),
            ROOM_CODES,
            'NOTHING_PLAYING: empty set list',
            'END_OF_SET_LIST: next on the last song',
          ]),
        },
      },
    },
    async (request) => {
      const { action, positionMs } = request.body;
      const concert = concerts.transport(
        request.params.roomId,
        actorOf(request),
        action === 'seek' ? { action, positionMs: positionMs ?? 0 } : { action },
      );
      const { currentSong, songStartedAt, pausedPositionMs } = concert;
      return {
        success: true as const,
        message: `Playback: ${request.body.action}`,
        playback: { currentSong, songStartedAt, pausedPositionMs, serverTime: request.server.clock.now() },
      };
    },
  );

  app.delete(
    '/api/concert/:roomId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'End and delete a concert (studio only)',
        description:
          'Everyone following the room gets `concert:ended` with reason `ended`; the room, its seats and its requests are gone. ' + ORDER,
        params: RoomParams,
        response: { 200: Message, ...errorResponses([studioOnly('end the concert'), ROOM_CODES]) },
      },
    },
    async (request) => {
      concerts.end(request.params.roomId, actorOf(request));
      return { success: true as const, message: 'Concert ended' };
    },
  );

  app.post(
    '/api/concert/:roomId/reactions',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (blank(body.emoji) ? missing('emoji is required') : null)),
      schema: {
        tags,
        security,
        summary: 'Send a reaction (participants)',
        description: "Broadcast to the room as `concert:reaction` with the sender's name; not stored. " + ORDER,
        params: RoomParams,
        body: ReactionBody,
        response: {
          200: Message,
          ...errorResponses(['MISSING_FIELDS', 'INVALID_REACTION', PARTICIPANTS, ROOM_CODES]),
        },
      },
    },
    async (request) => {
      concerts.react(request.params.roomId, actorOf(request), request.body.emoji);
      return { success: true as const, message: 'Reaction sent' };
    },
  );

  app.get(
    '/api/concert/:roomId/requests',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Song requests waiting for the studio (participants)',
        description: 'Oldest first. The `concert:state` snapshot carries them too, with titles.',
        params: RoomParams,
        response: { 200: RequestList, ...errorResponses([PARTICIPANTS, ROOM_CODES]) },
      },
    },
    async (request) => {
      const { concert } = concerts.currentSong(request.params.roomId, actorOf(request));
      return { success: true as const, requests: concert.requests };
    },
  );

  app.post(
    '/api/concert/:roomId/requests',
    {
      onRequest: signedIn,
      preValidation: precheck((body) => (blank(body.audioId) ? missing('audioId is required') : null)),
      schema: {
        tags,
        security,
        summary: 'Request a song from the audio library (participants)',
        description:
          'The request waits for the studio (change `requests`). Asking again for a song already waiting answers that request. At most 50 wait. ' +
          ORDER,
        params: RoomParams,
        body: RequestBody,
        response: {
          200: RequestMade,
          ...errorResponses(['MISSING_FIELDS', 'INVALID_INPUT', PARTICIPANTS, ROOM_CODES, 'AUDIO_NOT_FOUND', 'TOO_MANY_REQUESTS']),
        },
      },
    },
    async (request) => {
      const made = concerts.request(request.params.roomId, actorOf(request), request.body.audioId);
      return { success: true as const, message: 'Song requested', request: made };
    },
  );

  app.post(
    '/api/concert/:roomId/requests/:requestId/accept',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Accept a song request into the set list (studio only)',
        description: 'The song goes to the end of the set list with the next songNum (current at once when the list was empty). ' + ORDER,
        params: RequestParams,
        response: {
          200: SongsChanged,
          ...errorResponses([studioOnly('answer requests'), ROOM_CODES, 'REQUEST_NOT_FOUND']),
        },
      },
    },
    async (request) => {
      const concert = concerts.acceptRequest(request.params.roomId, actorOf(request), request.params.requestId);
      return { success: true as const, message: 'Request accepted', songs: concert.songs, currentSong: concert.currentSong };
    },
  );

  app.delete(
    '/api/concert/:roomId/requests/:requestId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Decline a song request (studio only)',
        description: ORDER,
        params: RequestParams,
        response: { 200: Message, ...errorResponses([studioOnly('answer requests'), ROOM_CODES, 'REQUEST_NOT_FOUND']) },
      },
    },
    async (request) => {
      concerts.declineRequest(request.params.roomId, actorOf(request), request.params.requestId);
      return { success: true as const, message: 'Request declined' };
    },
  );
}
