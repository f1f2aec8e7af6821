import { inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type {
  ConcertActionResult,
  ConcertJoinResult,
  ConcertLeaveResult,
  ConcertSnapshot,
  ConcertSongView,
} from '../../../../src-shared/events';
import { users } from '../../../db/schema';
import { isAppError } from '../../../http/errors';
import { errors } from '../errors';
import type { AtelierSocket } from '../../../realtime/server';
import type { AudioService } from '../audio/service';
import { AUDIO_CONTENT_TYPES } from '../../../media/audio-sniff';
import type { Actor, ConcertChangedEvent, ConcertReaction, ConcertService, ConcertState, Guest } from './service';
import type { StageViews } from './stage';
import { Throttle } from './throttle';

/** Long enough for a whole concert; each snapshot carries freshly signed URLs anyway. */
export const PLAYBACK_URL_TTL_SECONDS = 6 * 60 * 60;
const MAX_ROOM_ID_LENGTH = 100;
/** A listener's reactions and song requests over the socket: enough for a party, too few to flood the room. */
export const REACTION_LIMIT = { count: 8, windowMs: 10_000 };
export const REQUEST_LIMIT = { count: 4, windowMs: 60_000 };
/** The library is read when the listener page opens; a page reloaded in a loop is slowed down. */
export const LIBRARY_LIMIT = { count: 10, windowMs: 60_000 };
/** The request picker lists at most this many library songs, newest first. */
const LIBRARY_SONGS = 500;

export const concertRoom = (roomId: string) => `concert:${roomId}`;

type Failure = { ok: false; code: string; message: string };

const invalidRoomId: Failure = { ok: false, code: 'INVALID_INPUT', message: 'roomId must be a non-empty string' };
const notFound: Failure = { ok: false, code: 'CONCERT_NOT_FOUND', message: 'Concert not found' };

/** Reasons a socket closes because the server let go of it (shutdown), not because its user left. */
const SERVER_LET_GO = new Set(['server namespace disconnect', 'server shutting down']);

/** Clients are not trusted to follow the types. */
function roomIdOf(req: unknown): string | null {
  const roomId = typeof req === 'object' && req !== null ? (req as { roomId?: unknown }).roomId : undefined;
  return typeof roomId === 'string' && roomId !== '' && roomId.length <= MAX_ROOM_ID_LENGTH ? roomId : null;
}

function replier<R>(ack: unknown): (result: R) => void {
  return typeof ack === 'function' ? (result) => (ack as (r: R) => void)(result) : () => {};
}

/**
 * LAN concert sync over socket.io: sockets follow `concert:<roomId>` and get the whole room as
 * `concert:state` after every change. A listener's seat is the same seat POST /join registers; it is
 * freed by `concert:leave` or when the user's last socket in the room goes. Returns the detacher.
 */
export function attachConcertSync(app: FastifyInstance, concerts: ConcertService, audio: AudioService, stage: StageViews): () => void {
  const { realtime } = app;
  const reactions = new Throttle(REACTION_LIMIT.count, REACTION_LIMIT.windowMs, app.clock.now);
  const requests = new Throttle(REQUEST_LIMIT.count, REQUEST_LIMIT.windowMs, app.clock.now);
  const libraryReads = new Throttle(LIBRARY_LIMIT.count, LIBRARY_LIMIT.windowMs, app.clock.now);
  /** Listener sockets per room, by stage user number: two tabs hold one seat until both go. */
  const followers = new Map<string, Map<number, { actor: Actor; sockets: Set<AtelierSocket> }>>();

  const songView = (song: ConcertState['songs'][number]): ConcertSongView => {
    const row = audio.get(song.audioId);
    const base = { songNum: song.songNum, audioId: song.audioId, streamUrl: song.streamUrl, stageDirectionId: song.stageDirectionId };
    // The library row went with its uploader's account: the song stays listed but cannot play.
    if (!row) return { ...base, title: `Audio ${song.audioId}`, artist: null, duration: null, playbackUrl: '' };
    const playbackUrl = app.urlSigner.sign({
      method: 'GET',
      key: row.filePath,
      expiresInSeconds: PLAYBACK_URL_TTL_SECONDS,
      contentType: AUDIO_CONTENT_TYPES[row.format],
    });
    return { ...base, title: row.title, artist: row.artist, duration: row.duration, playbackUrl };
  };

  const audienceOf = (seqs: number[]): ConcertSnapshot['audience'] => {
    if (seqs.length === 0) return [];
    const members = seqs.filter((n) => n > 0);
    const names = new Map(
      members.length === 0
        ? []
        : app.db
            .select({ seq: users.seq, name: users.name })
            .from(users)
            .where(inArray(users.seq, members))
            .all()
            .map((u) => [u.seq, u.name]),
    );
    // Guests are listed by their negated guest number.
    const guests = concerts.guestNames(seqs.filter((n) => n < 0).map((n) => -n));
    return seqs.map((userId) => ({
      userId,
      name: (userId > 0 ? names.get(userId) : guests.get(-userId)) ?? `Listener ${Math.abs(userId)}`,
    }));
  };

  const snapshotOf = (concert: ConcertState, change: string): ConcertSnapshot => ({
    roomId: concert.roomId,
    concertName: concert.concertName,
    studioName: concert.studioName,
    studioUserId: concert.studioUserId,
    isOpen: concert.isOpen,
    maxAudience: concert.maxAudience,
    currentAudience: concert.currentAudience,
    audience: audienceOf(concert.audience),
    songs: concert.songs.map(songView),
    currentSong: concert.currentSong,
    songStartedAt: concert.songStartedAt,
    pausedPositionMs: concert.pausedPositionMs,
    requests: concert.requests.map((r) => {
      const row = audio.get(r.audioId);
      return { ...r, title: row?.title ?? `Audio ${r.audioId}`, artist: row?.artist ?? null };
    }),
    accessories: concert.accessories,
    stage: stage(concert.studioUserId, concert.stageModelId, concert.accessories),
    listenServer: concert.listenServer,
    expiresAt: concert.expiresAt,
    serverTime: app.clock.now(),
    change,
  });

  const follow = (roomId: string, actor: Actor, socket: AtelierSocket) => {
    let seats = followers.get(roomId);
    if (!seats) followers.set(roomId, (seats = new Map()));
    let entry = seats.get(actor.seq);
    if (!entry) seats.set(actor.seq, (entry = { actor, sockets: new Set() }));
    entry.sockets.add(socket);
    void socket.join(concertRoom(roomId));
  };

  /** Stops a socket following; true when it was its user's last socket in the room. */
  const unfollow = (roomId: string, seq: number, socket: AtelierSocket): boolean => {
    const seats = followers.get(roomId);
    const entry = seats?.get(seq);
    if (!seats || !entry?.sockets.delete(socket)) return false;
    void socket.leave(concertRoom(roomId));
    if (entry.sockets.size > 0) return false;
    seats.delete(seq);
    reactions.forget(`${roomId}:${seq}`);
    requests.forget(`${roomId}:${seq}`);
    libraryReads.forget(`${roomId}:${seq}`);
    if (seats.size === 0) followers.delete(roomId);
    return true;
  };

  const freeSeat = (roomId: string, actor: Actor, guest?: Guest) => {
    try {
      if (guest) concerts.unseatGuest(guest);
      else concerts.unseat(roomId, actor);
    } catch (err) {
      // A room that lapsed took its seats with it.
      if (!(isAppError(err) && err.code === 'CONCERT_NOT_FOUND')) app.log.error({ err, roomId }, 'freeing a concert seat failed');
    }
  };

  const onChanged = ({ roomId, change, concert }: ConcertChangedEvent) => {
    const room = concertRoom(roomId);
    if (concert === null) {
      realtime.toRoom(room, 'concert:ended', { roomId, reason: change.type === 'ended' ? 'ended' : 'expired' });
      realtime.io.in(room).socketsLeave(room);
      followers.delete(roomId);
      return;
    }
    if (change.type === 'left') {
      // Sockets still following a freed seat mean the studio removed this client (a listener's own
      // leave stops following first).
      const removed = followers.get(roomId)?.get(change.clientId);
      for (const socket of [...(removed?.sockets ?? [])]) {
        socket.emit('concert:ended', { roomId, reason: 'removed' });
        unfollow(roomId, change.clientId, socket);
      }
    }
    realtime.toRoom(room, 'concert:state', snapshotOf(concert, change.type));
  };

  const join = (socket: AtelierSocket, roomId: string, actor: Actor): ConcertJoinResult => {
    const concert = concerts.get(roomId);
    if (!concert) return notFound;
    if (concert.studioUserId === actor.seq) {
      void socket.join(concertRoom(roomId));
      return { ok: true, role: 'studio', concert: snapshotOf(concert, 'sync') };
    }
    const guest = socket.data.guest;
    if (guest && guest.roomId !== roomId) return { ok: false, code: 'JOIN_FAILED', message: 'This guest pass is for another concert' };
    let seated: ConcertState;
    try {
      seated = guest ? concerts.seatGuest(guest) : concerts.seat(roomId, actor);
    } catch (err) {
      if (isAppError(err)) return { ok: false, code: err.code, message: err.message };
      throw err;
    }
    follow(roomId, actor, socket);
    return { ok: true, role: 'listener', concert: snapshotOf(seated, 'sync') };
  };

  const onConnection = (socket: AtelierSocket) => {
    // Looked up on the first join: most sockets never follow a concert.
    let actor: Actor | null | undefined;
    const actorOf = (): Actor | null => {
      const guest = socket.data.guest;
      if (actor === undefined && guest) actor = { id: socket.data.userId, seq: -guest.seq };
      if (actor === undefined) {
        const user = app.auth.getUser(socket.data.userId);
        actor = user ? { id: user.id, seq: user.seq } : null;
      }
      return actor;
    };
    socket.on('concert:join', (req: unknown, ack: unknown) => {
      const reply = replier<ConcertJoinResult>(ack);
      const roomId = roomIdOf(req);
      if (roomId === null) return reply(invalidRoomId);
      try {
        const me = actorOf();
        if (!me) return reply({ ok: false, code: 'JOIN_FAILED', message: 'This account no longer exists' });
        reply(join(socket, roomId, me));
      } catch (err) {
        app.log.error({ err, roomId }, 'concert:join failed');
        reply({ ok: false, code: 'JOIN_FAILED', message: 'Could not join the concert' });
      }
    });

    /**
     * A seated listener's action (a guest's too: its pass opens the socket, never HTTP), counted
     * against `throttle` per seat; the service's refusals come back in the stage's codes.
     */
    const act = <T extends object>(
      event: 'concert:react' | 'concert:request' | 'concert:library',
      throttle: Throttle,
      run: (roomId: string, me: Actor, req: Record<string, unknown>) => T,
    ) =>
      socket.on(event, (req: unknown, ack: unknown) => {
        const reply = replier<ConcertActionResult<T>>(ack);
        const roomId = roomIdOf(req);
        if (roomId === null) return reply(invalidRoomId);
        const me = actorOf();
        if (!me || !followers.get(roomId)?.get(me.seq)?.sockets.has(socket))
          return reply({ ok: false, code: 'ACCESS_DENIED', message: 'Join the concert first' });
        const wait = throttle.take(`${roomId}:${me.seq}`);
        if (wait > 0) return reply({ ok: false, code: 'SLOW_DOWN', message: `Too many at once: try again in ${Math.ceil(wait / 1000)} s` });
        try {
          reply({ ok: true, ...run(roomId, me, req as Record<string, unknown>) });
        } catch (err) {
          if (isAppError(err)) return reply({ ok: false, code: err.code, message: err.message });
          app.log.error({ err, roomId }, `${event} failed`);
          reply({ ok: false, code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong; try again' });
        }
      });

    act('concert:react', reactions, (roomId, me, req) => {
      const emoji = typeof req.emoji === 'string' ? req.emoji : '';
      concerts.react(roomId, me, emoji, socket.data.guest);
      return {};
    });
    act('concert:request', requests, (roomId, me, req) => {
      if (!Number.isSafeInteger(req.audioId) || (req.audioId as number) < 1)
        throw errors.error('INVALID_INPUT', 'audioId must be a positive whole number');
      return { requestId: concerts.request(roomId, me, req.audioId as number, socket.data.guest).requestId };
    });
    act('concert:library', libraryReads, () => ({
      songs: audio
        .list({ limit: LIBRARY_SONGS, offset: 0 })
        .map((row) => ({ audioId: row.id, title: row.title, artist: row.artist, duration: row.duration })),
    }));

    socket.on('concert:leave', (req: unknown, ack: unknown) => {
      const reply = replier<ConcertLeaveResult>(ack);
      const roomId = roomIdOf(req);
      if (roomId === null) return reply(invalidRoomId);
      void socket.leave(concertRoom(roomId));
      // The studio follows without a seat; a listener's other tabs keep the seat.
      const me = actor;
      if (me && unfollow(roomId, me.seq, socket)) freeSeat(roomId, me, socket.data.guest);
      reply({ ok: true });
    });

    socket.on('disconnect', (reason) => {
      const me = actor;
      if (!me) return;
      for (const roomId of [...followers.keys()]) {
        // At shutdown seats stay with the room in SQLite: listeners reconnect and find them.
        if (unfollow(roomId, me.seq, socket) && !SERVER_LET_GO.has(reason)) freeSeat(roomId, me, socket.data.guest);
      }
    });
  };

  // A guest pass opens this socket and nothing else: no HTTP route accepts it (it is no access token).
  realtime.addPassCheck((token) => {
    const guest = concerts.guestForPass(token);
    return guest ? { userId: `guest:${guest.seq}`, sessionId: `guest:${guest.seq}`, guest } : null;
  });
  const onReaction = (reaction: ConcertReaction) => realtime.toRoom(concertRoom(reaction.roomId), 'concert:reaction', reaction);

  realtime.io.on('connection', onConnection);
  concerts.on('concert:changed', onChanged);
  concerts.on('concert:reaction', onReaction);
  return () => {
    realtime.io.off('connection', onConnection);
    concerts.off('concert:changed', onChanged);
    concerts.off('concert:reaction', onReaction);
  };
}
