import net from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
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
} from './schemas';
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
export async function concertRoutes(app: FamilyApp, concerts: ConcertService): Promise<void> {
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
      preValidation: precheck((body) => {
        if (body.accessories === undefined) return missing('accessories is required');
        return Array.isArray(body.accessories) ? null : accessoriesNotArray();
      }),
      config: { validationError: fieldErrors({ accessories: invalidAccessories }) },
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
      preValidation: async (request) => {
        request.body ??= {};
      },
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
}
