import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { and, asc, desc, eq, inArray, isNotNull, lte, or } from 'drizzle-orm';
import type { Log } from '../../../log';
import type { Db } from '../../../db/client';
import { stageConcertAudience, stageConcertGuests, stageConcerts, users } from '../../../db/schema';
import { accessoryOf, type AccessoryItem } from '../presets/accessories';
import { randomBase36 } from '../../../storage/file-names';
import { errors } from '../errors';
import type { ConcertInvite } from '../../../../src-shared/api/stage';
import { advanceEnded, applyTransport, msUntilEnd, TransportError, type Playback, type TransportAction } from './transport';

/** Seconds a room lives after the studio's last change, as the original Redis TTL did. */
export const CONCERT_TTL_SECONDS = 7200;
export const DEFAULT_MAX_AUDIENCE = 100;
/** How often lapsed rooms are purged even when nobody asks for them. */
export const SWEEP_INTERVAL_MS = 60_000;

export interface ConcertSong {
  songNum: number;
  audioId: number;
  streamUrl: string;
  stageDirectionId: number | null;
}

/** A listener's song request, waiting for the studio to accept or decline it. */
export interface ConcertRequest {
  requestId: string;
  audioId: number;
  /** The requester's stage user number and display name. */
  userId: number;
  name: string;
  /** Epoch ms. */
  at: number;
}

/** The reactions a participant may send; anything else is refused rather than shown. */
export const REACTIONS = ['👏', '🔥', '❤️', '🎉', '😂', '🤘'] as const;
export type Reaction = (typeof REACTIONS)[number];
export const MAX_PENDING_REQUESTS = 50;

export interface ConcertReaction {
  roomId: string;
  userId: number;
  name: string;
  emoji: Reaction;
  /** Server epoch ms. */
  at: number;
}

export interface SongInput {
  songNum: number;
  audioId: number;
  streamUrl?: string;
  stageDirectionId?: number | null;
}

export interface ListenServer {
  localIP: string;
  port: number;
  publicIP?: string;
  publicPort?: number;
}

/** A room as every client and the realtime layer see it. */
export interface ConcertState {
  roomId: string;
  /** The owner's stage user number: the "studio", which runs the listen server. */
  studioUserId: number;
  studioName: string;
  concertName: string;
  /** Ordered by songNum. */
  songs: ConcertSong[];
  accessories: AccessoryItem[];
  maxAudience: number;
  currentAudience: number;
  /** Stage user numbers of the registered clients, in joining order; a guest (no account) is its guest number, negated. */
  audience: number[];
  /** songNum of the current song; null when there are no songs. */
  currentSong: number | null;
  isOpen: boolean;
  listenServer: ListenServer | null;
  /** Epoch ms. */
  createdAt: number;
  /** Server epoch ms when the current song (re)started: set whenever currentSong changes or the room opens. */
  songStartedAt: number | null;
  /** Ms into the current song where the studio paused; null while it plays. */
  pausedPositionMs: number | null;
  requests: ConcertRequest[];
  /** Epoch ms when the room lapses unless the studio changes something first. */
  expiresAt: number;
  /** Whether people may join with a display name only; off: an account on this Atelier is needed. */
  allowGuests: boolean;
  /** The short code people type to find the room. */
  joinCode: string | null;
}

/** A guest as its pass names it: a number of its own, one room, a display name. */
export interface Guest {
  seq: number;
  roomId: string;
  name: string;
}

export type ConcertChange =
  | { type: 'created' }
  | { type: 'joined'; clientId: number }
  | { type: 'left'; clientId: number }
  | { type: 'songs' }
  | { type: 'song-changed' }
  | { type: 'transport'; action: TransportAction['action'] }
  | { type: 'advanced' }
  | { type: 'requests' }
  | { type: 'accessories' }
  | { type: 'listen-server' }
  | { type: 'open'; isOpen: boolean }
  | { type: 'guests'; allowGuests: boolean }
  | { type: 'expired' }
  | { type: 'ended' };

export interface ConcertChangedEvent {
  roomId: string;
  change: ConcertChange;
  /** The room after the change; null once it expired. */
  concert: ConcertState | null;
}

export interface ConcertEvents {
  'concert:changed': [ConcertChangedEvent];
  'concert:reaction': [ConcertReaction];
}

/** Who calls: the signed-in user's UUID and stage number. */
export interface Actor {
  id: string;
  seq: number;
}

export interface CreateConcert {
  concertName: string;
  songs?: SongInput[];
  accessories?: AccessoryItem[];
  maxAudience?: number;
  expiresIn?: number;
}

type Row = typeof stageConcerts.$inferSelect;

const notFound = () => errors.error('CONCERT_NOT_FOUND', 'Concert not found');
const denied = (message: string) => errors.error('PERMISSION_DENIED', message);
const joinFailed = (message: string) => errors.error('JOIN_FAILED', message);
const songNotFound = (songNum: number) => errors.error('SONG_NOT_FOUND', `Song ${songNum} is not in this concert`);
type WhileOpenCode = 'ADD_ACCESSORY_FAILED' | 'REMOVE_ACCESSORY_FAILED' | 'UPDATE_ACCESSORIES_FAILED';
const whileOpen = (code: WhileOpenCode, what: string) => errors.error(code, `Cannot ${what} while concert is open`);

const REGISTER_CLIENTS = 'Only the studio listen server can register a client.';
const UNREGISTER_CLIENTS = 'Only the studio listen server can unregister a client.';
const MANAGE_SONGS = 'Only the studio can manage the songs of this concert.';
const EDIT_ACCESSORIES = 'Only the studio can edit the accessories of this concert.';
const SET_LISTEN_SERVER = 'Only the studio can register its listen server.';
const OPEN_CLOSE = 'Only the studio can open or close this concert.';
const TRANSPORT = 'Only the studio can control playback.';
const END = 'Only the studio can end this concert.';
const ANSWER_REQUESTS = 'Only the studio can answer song requests.';
const NOT_IN_ROOM = 'Not in concert room';

const streamUrlFor = (audioId: number) => `/api/audio/file/${audioId}`;

const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const JOIN_CODE_LENGTH = 6;
const hashPass = (pass: string) => crypto.createHash('sha256').update(pass).digest('hex');

/**
 * LAN concerts: rooms the studio (the account that created one and runs the listen server) fills
 * with songs and accessories, opens, and registers clients into. Rooms and their audience live in
 * SQLite, so they survive a restart; each lapses CONCERT_TTL_SECONDS after the studio's last
 * change. Every change is emitted as `concert:changed` with the whole room, for the realtime layer.
 */
export class ConcertService extends EventEmitter<ConcertEvents> {
  private timer: NodeJS.Timeout | null = null;
  /** Per room, the wake-up at the end of its current song (auto-advance); only while started. */
  private readonly songEnds = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly audioExists: (audioId: number) => boolean,
    private readonly now: () => number,
    private readonly log?: Log,
    /** Seconds of an audio file, null when unknown: a song of unknown length never auto-advances. */
    private readonly durationOf: (audioId: number) => number | null = () => null,
  ) {
    super();
  }

  /** Starts purging lapsed rooms and advancing ended songs in the background. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweepExpired(), SWEEP_INTERVAL_MS).unref();
    this.advanceAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const wake of this.songEnds.values()) clearTimeout(wake);
    this.songEnds.clear();
  }

  /** Moves every room whose song ended on to the next one (the room clock, not any listener, decides). */
  advanceAll(): string[] {
    const rows = this.db.select().from(stageConcerts).all();
    return rows.filter((row) => this.advance(row)).map((row) => row.roomId);
  }

  /** Host transport: pause, resume, seek, next, previous. Every listener applies it from the broadcast. */
  transport(roomId: string, actor: Actor, action: TransportAction): ConcertState {
    const row = this.owned(roomId, actor, TRANSPORT);
    const playback = this.playbackOf(row);
    const duration = row.currentSong === null ? null : this.songDurationMs(row, row.currentSong);
    try {
      this.save(row, applyTransport(playback, action, this.now(), duration));
    } catch (err) {
      if (err instanceof TransportError) throw errors.error(err.code, err.message);
      throw err;
    }
    return this.changed(roomId, { type: 'transport', action: action.action });
  }

  /** Ends the concert now: the room is deleted and everyone following it is told. */
  end(roomId: string, actor: Actor): void {
    this.owned(roomId, actor, END);
    this.purge(roomId, 'ended');
  }

  /** A participant's reaction, shown to everyone in the room; nothing is stored. */
  react(roomId: string, actor: Actor, emoji: string): ConcertReaction {
    const row = this.participantRow(roomId, actor);
    if (!(REACTIONS as readonly string[]).includes(emoji)) throw errors.error('INVALID_REACTION', `Reactions are ${REACTIONS.join(' ')}`);
    const reaction: ConcertReaction = {
      roomId: row.roomId,
      userId: actor.seq,
      name: this.nameOf(actor),
      emoji: emoji as Reaction,
      at: this.now(),
    };
    try {
      this.emit('concert:reaction', reaction);
    } catch (err) {
      this.log?.error({ err, roomId }, 'concert:reaction listener failed');
    }
    return reaction;
  }

  /** A participant asks for a library song; asking again for one already waiting answers that request. */
  request(roomId: string, actor: Actor, audioId: number): ConcertRequest {
    const row = this.participantRow(roomId, actor);
    if (!this.audioExists(audioId)) throw errors.error('AUDIO_NOT_FOUND', `audioId ${audioId} is not in the audio library`);
    const pending = row.requests as ConcertRequest[];
    const same = pending.find((r) => r.audioId === audioId);
    if (same) return same;
    if (pending.length >= MAX_PENDING_REQUESTS)
      throw errors.error('TOO_MANY_REQUESTS', `At most ${MAX_PENDING_REQUESTS} requests may wait`);
    const request: ConcertRequest = { requestId: randomBase36(10), audioId, userId: actor.seq, name: this.nameOf(actor), at: this.now() };
    // A listener's request is not the studio's change: it does not keep the room alive.
    this.db
      .update(stageConcerts)
      .set({ requests: [...pending, request] })
      .where(eq(stageConcerts.roomId, roomId))
      .run();
    this.changed(roomId, { type: 'requests' });
    return request;
  }

  /** Puts a request at the end of the set list (current at once when nothing is). */
  acceptRequest(roomId: string, actor: Actor, requestId: string): ConcertState {
    const row = this.owned(roomId, actor, ANSWER_REQUESTS);
    const pending = row.requests as ConcertRequest[];
    const request = this.requestOf(pending, requestId);
    const songs = this.songsOfRow(row);
    const songNum = (songs.at(-1)?.songNum ?? 0) + 1;
    const [song] = this.songsOf([{ songNum, audioId: request.audioId }]);
    this.save(row, {
      songs: [...songs, song!],
      requests: pending.filter((r) => r !== request),
      ...this.current(row, row.currentSong ?? songNum),
    });
    return this.changed(roomId, { type: 'songs' });
  }

  declineRequest(roomId: string, actor: Actor, requestId: string): ConcertState {
    const row = this.owned(roomId, actor, ANSWER_REQUESTS);
    const pending = row.requests as ConcertRequest[];
    const request = this.requestOf(pending, requestId);
    this.save(row, { requests: pending.filter((r) => r !== request) });
    return this.changed(roomId, { type: 'requests' });
  }

  create(owner: Actor, input: CreateConcert): ConcertState {
    const songs = this.songsOf(input.songs ?? []);
    const now = this.now();
    const ttlSeconds = input.expiresIn ?? CONCERT_TTL_SECONDS;
    const roomId = `concert_${now}_${randomBase36(9)}`;
    this.db
      .insert(stageConcerts)
      .values({
        roomId,
        ownerId: owner.id,
        concertName: input.concertName,
        songs,
        accessories: (input.accessories ?? []).map(accessoryOf),
        maxAudience: input.maxAudience ?? DEFAULT_MAX_AUDIENCE,
        currentSong: songs[0]?.songNum ?? null,
        // A new room is closed: the studio sets it up, then opens it.
        isOpen: false,
        listenServer: null,
        songStartedAt: null,
        ttlSeconds,
        createdAt: now,
        expiresAt: now + ttlSeconds * 1000,
        joinCode: this.freeJoinCode(),
      })
      .run();
    return this.changed(roomId, { type: 'created' });
  }

  /** The room, or null when it never existed or has lapsed (a lapsed one is purged now). */
  get(roomId: string): ConcertState | null {
    const row = this.live(roomId);
    return row ? this.stateOf(row) : null;
  }

  /** Every live room, newest first. */
  list(): ConcertState[] {
    this.sweepExpired();
    return this.db
      .select()
      .from(stageConcerts)
      .orderBy(desc(stageConcerts.createdAt))
      .all()
      .map((row) => this.stateOf(row));
  }

  /** Whether `userId` may follow the room: its studio or a registered client. */
  isParticipant(roomId: string, userId: string): boolean {
    const row = this.live(roomId);
    if (!row) return false;
    if (row.ownerId === userId) return true;
    return (
      this.db
        .select({ userId: stageConcertAudience.userId })
        .from(stageConcertAudience)
        .where(and(eq(stageConcertAudience.roomId, roomId), eq(stageConcertAudience.userId, userId)))
        .get() !== undefined
    );
  }

  /**
   * Registers a client (by stage user number) in an open room with a free seat. Someone in the room
   * already is answered as registered and nothing changes: a seated client (a listen server's retry,
   * or a reconnect while the room is closed, as `seat` allows) keeps its one seat, and the studio's
   * own number takes none, so a listen server that registers its host player fills no seat with it.
   */
  join(roomId: string, actor: Actor, clientId: number): ConcertState {
    const row = this.owned(roomId, actor, REGISTER_CLIENTS);
    const client = this.db.select({ id: users.id }).from(users).where(eq(users.seq, clientId)).get();
    const seated = this.audienceOf(roomId);
    if (client?.id === row.ownerId || seated.includes(clientId)) return this.stateOf(row);
    if (!row.isOpen) throw joinFailed('Concert is not open');
    if (!client) throw joinFailed(`No user ${clientId}`);
    if (seated.length >= row.maxAudience) throw joinFailed('Concert is full');
    this.db.insert(stageConcertAudience).values({ roomId, userId: client.id, joinedAt: this.now() }).run();
    this.touch(row);
    return this.changed(roomId, { type: 'joined', clientId });
  }

  /** Removes a client; one that is not in the room is already gone, so this succeeds too, changing nothing. */
  leave(roomId: string, actor: Actor, clientId: number): ConcertState {
    const row = this.owned(roomId, actor, UNREGISTER_CLIENTS);
    const client = this.db.select({ id: users.id }).from(users).where(eq(users.seq, clientId)).get();
    const freed = client
      ? this.db
          .delete(stageConcertAudience)
          .where(and(eq(stageConcertAudience.roomId, roomId), eq(stageConcertAudience.userId, client.id)))
          .run().changes
      : 0;
    if (freed === 0) return this.stateOf(row);
    this.touch(row);
    return this.changed(roomId, { type: 'left', clientId });
  }

  /** Adds a song; songNum is unique in a room. The first song of an empty list becomes the current one. */
  addSong(roomId: string, actor: Actor, input: SongInput): ConcertState {
    const row = this.owned(roomId, actor, MANAGE_SONGS);
    const songs = this.songsOfRow(row);
    if (songs.some((s) => s.songNum === input.songNum)) {
      throw errors.error('DUPLICATE_SONG_NUM', `Song ${input.songNum} is already in this concert`);
    }
    const [song] = this.songsOf([input]);
    const next = [...songs, song!].sort((a, b) => a.songNum - b.songNum);
    const currentSong = row.currentSong ?? song!.songNum;
    this.save(row, { songs: next, ...this.current(row, currentSong) });
    return this.changed(roomId, { type: 'songs' });
  }

  /**
   * Removes a song. Removing the current one moves to the next song by songNum, else the one
   * before it, else none.
   */
  removeSong(roomId: string, actor: Actor, songNum: number): ConcertState {
    const row = this.owned(roomId, actor, MANAGE_SONGS);
    const songs = this.songsOfRow(row);
    const at = songs.findIndex((s) => s.songNum === songNum);
    if (at < 0) throw songNotFound(songNum);
    const next = songs.filter((_, i) => i !== at);
    const currentSong = row.currentSong === songNum ? ((next[at] ?? next[at - 1])?.songNum ?? null) : row.currentSong;
    this.save(row, { songs: next, ...this.current(row, currentSong) });
    return this.changed(roomId, { type: 'songs' });
  }

  /** Makes `songNum` current and restarts it, even when it already was. */
  changeSong(roomId: string, actor: Actor, songNum: number): ConcertState {
    const row = this.owned(roomId, actor, MANAGE_SONGS);
    if (!this.songsOfRow(row).some((s) => s.songNum === songNum)) throw songNotFound(songNum);
    this.save(row, { currentSong: songNum, songStartedAt: this.now(), pausedPositionMs: null });
    return this.changed(roomId, { type: 'song-changed' });
  }

  /** The current song for a participant, with the room's name and studio; null when there are no songs. */
  currentSong(roomId: string, actor: Actor): { song: ConcertSong | null; concert: ConcertState } {
    const row = this.live(roomId);
    if (!row) throw notFound();
    if (!this.isParticipant(roomId, actor.id)) throw errors.error('ACCESS_DENIED', NOT_IN_ROOM);
    const concert = this.stateOf(row);
    return { song: concert.songs.find((s) => s.songNum === concert.currentSong) ?? null, concert };
  }

  addAccessory(roomId: string, actor: Actor, accessory: AccessoryItem): ConcertState {
    return this.editAccessories(roomId, actor, 'ADD_ACCESSORY_FAILED', 'add accessory', (list) => [...list, accessoryOf(accessory)]);
  }

  removeAccessory(roomId: string, actor: Actor, index: number): ConcertState {
    return this.editAccessories(roomId, actor, 'REMOVE_ACCESSORY_FAILED', 'remove accessory', (list) => {
      if (index >= list.length) throw errors.error('ACCESSORY_NOT_FOUND', `No accessory at index ${index}`);
      return list.filter((_, i) => i !== index);
    });
  }

  replaceAccessories(roomId: string, actor: Actor, accessories: AccessoryItem[]): ConcertState {
    return this.editAccessories(roomId, actor, 'UPDATE_ACCESSORIES_FAILED', 'update accessories', () => accessories.map(accessoryOf));
  }

  setListenServer(roomId: string, actor: Actor, server: ListenServer): ConcertState {
    const row = this.owned(roomId, actor, SET_LISTEN_SERVER);
    const listenServer: ListenServer = { localIP: server.localIP, port: server.port };
    if (server.publicIP !== undefined) listenServer.publicIP = server.publicIP;
    if (server.publicPort !== undefined) listenServer.publicPort = server.publicPort;
    this.save(row, { listenServer });
    return this.changed(roomId, { type: 'listen-server' });
  }

  /** Opens or closes the room; without `isOpen` it flips. Opening restarts the current song. */
  setOpen(roomId: string, actor: Actor, isOpen?: boolean): ConcertState {
    const row = this.owned(roomId, actor, OPEN_CLOSE);
    const open = isOpen ?? !row.isOpen;
    const opening = open && !row.isOpen;
    this.save(row, { isOpen: open, ...(opening ? this.current(row, row.currentSong, true) : {}) });
    return this.changed(roomId, { type: 'open', isOpen: open });
  }

  /** Purges every lapsed room; returns their ids. */
  sweepExpired(): string[] {
    const lapsed = this.db
      .select({ roomId: stageConcerts.roomId })
      .from(stageConcerts)
      .where(lte(stageConcerts.expiresAt, this.now()))
      .all()
      .map((r) => r.roomId);
    for (const roomId of lapsed) this.purge(roomId);
    return lapsed;
  }

  private purge(roomId: string, why: 'expired' | 'ended' = 'expired'): void {
    this.db.delete(stageConcerts).where(eq(stageConcerts.roomId, roomId)).run();
    this.clearSongEnd(roomId);
    this.emitChange({ roomId, change: { type: why }, concert: null });
  }

  private participantRow(roomId: string, actor: Actor): Row {
    const row = this.live(roomId);
    if (!row) throw notFound();
    if (!this.isParticipant(roomId, actor.id)) throw errors.error('ACCESS_DENIED', NOT_IN_ROOM);
    return row;
  }

  private requestOf(pending: ConcertRequest[], requestId: string): ConcertRequest {
    const request = pending.find((r) => r.requestId === requestId);
    if (!request) throw errors.error('REQUEST_NOT_FOUND', `No request ${requestId} in this concert`);
    return request;
  }

  private nameOf(actor: Actor): string {
    return this.db.select({ name: users.name }).from(users).where(eq(users.id, actor.id)).get()?.name ?? `User ${actor.seq}`;
  }

  private playbackOf(row: Row): Playback {
    return {
      order: this.songsOfRow(row).map((s) => s.songNum),
      currentSong: row.currentSong,
      songStartedAt: row.songStartedAt,
      pausedPositionMs: row.pausedPositionMs,
    };
  }

  private songDurationMs(row: Row, songNum: number): number | null {
    const song = this.songsOfRow(row).find((s) => s.songNum === songNum);
    const seconds = song ? this.durationOf(song.audioId) : null;
    return seconds === null ? null : Math.round(seconds * 1000);
  }

  /** Auto-advance of one room; true when its song changed. Not the studio's change: the TTL stays. */
  private advance(row: Row): boolean {
    const next = advanceEnded(this.playbackOf(row), this.now(), (n) => this.songDurationMs(row, n));
    if (next) {
      this.db.update(stageConcerts).set(next).where(eq(stageConcerts.roomId, row.roomId)).run();
      this.changed(row.roomId, { type: 'advanced' });
    } else {
      this.scheduleSongEnd(row);
    }
    return next !== null;
  }

  /** Wakes up when the current song ends, while the service runs. */
  private scheduleSongEnd(row: Row): void {
    this.clearSongEnd(row.roomId);
    if (!this.timer) return;
    const wait = msUntilEnd(this.playbackOf(row), this.now(), (n) => this.songDurationMs(row, n));
    if (wait === null) return;
    const wake = setTimeout(() => {
      this.songEnds.delete(row.roomId);
      const fresh = this.live(row.roomId);
      if (fresh) this.advance(fresh);
    }, wait + 1).unref();
    this.songEnds.set(row.roomId, wake);
  }

  private clearSongEnd(roomId: string): void {
    const wake = this.songEnds.get(roomId);
    if (wake) clearTimeout(wake);
    this.songEnds.delete(roomId);
  }

  /** The row of a room that has not lapsed; a lapsed one is purged on the way. */
  private live(roomId: string): Row | null {
    const row = this.db.select().from(stageConcerts).where(eq(stageConcerts.roomId, roomId)).get();
    if (!row) return null;
    if (row.expiresAt <= this.now()) {
      this.purge(roomId);
      return null;
    }
    return row;
  }

  /** A live room the actor is the studio of: 404 before 403. */
  private owned(roomId: string, actor: Actor, deniedMessage: string): Row {
    const row = this.live(roomId);
    if (!row) throw notFound();
    if (row.ownerId !== actor.id) throw denied(deniedMessage);
    return row;
  }

  private editAccessories(
    roomId: string,
    actor: Actor,
    code: WhileOpenCode,
    what: string,
    edit: (list: AccessoryItem[]) => AccessoryItem[],
  ): ConcertState {
    const row = this.owned(roomId, actor, EDIT_ACCESSORIES);
    // The audience already dressed the avatar: accessories change only while the room is closed.
    if (row.isOpen) throw whileOpen(code, what);
    this.save(row, { accessories: edit(row.accessories as AccessoryItem[]) });
    return this.changed(roomId, { type: 'accessories' });
  }

  /** currentSong and, when it changes (or `restart`), a fresh songStartedAt; a paused room stays paused at 0. */
  private current(row: Row, currentSong: number | null, restart = false): Pick<Row, 'currentSong' | 'songStartedAt' | 'pausedPositionMs'> {
    if (currentSong === row.currentSong && !restart) {
      return { currentSong, songStartedAt: row.songStartedAt, pausedPositionMs: row.pausedPositionMs };
    }
    if (currentSong === null) return { currentSong, songStartedAt: null, pausedPositionMs: null };
    return { currentSong, songStartedAt: this.now(), pausedPositionMs: row.pausedPositionMs === null ? null : 0 };
  }

  /** Writes a studio change; every change keeps the room alive for another TTL. */
  private save(row: Row, values: Partial<Row>): void {
    this.db
      .update(stageConcerts)
      .set({ ...values, expiresAt: this.now() + row.ttlSeconds * 1000 })
      .where(eq(stageConcerts.roomId, row.roomId))
      .run();
  }

  private touch(row: Row): void {
    this.save(row, {});
  }

  /** Songs as stored: each audioId must be in the library, songNums unique, streamUrl filled in. */
  private songsOf(inputs: SongInput[]): ConcertSong[] {
    const seen = new Set<number>();
    const songs = inputs.map((input) => {
      if (seen.has(input.songNum)) throw errors.error('INVALID_SONGS', `songNum ${input.songNum} appears more than once`);
      seen.add(input.songNum);
      if (!this.audioExists(input.audioId)) throw errors.error('INVALID_SONGS', `audioId ${input.audioId} is not in the audio library`);
      const streamUrl = input.streamUrl?.trim();
      return {
        songNum: input.songNum,
        audioId: input.audioId,
        streamUrl: streamUrl ? streamUrl : streamUrlFor(input.audioId),
        stageDirectionId: input.stageDirectionId ?? null,
      };
    });
    return songs.sort((a, b) => a.songNum - b.songNum);
  }

  private songsOfRow(row: Row): ConcertSong[] {
    return row.songs as ConcertSong[];
  }

  private audienceOf(roomId: string): number[] {
    const members = this.db
      .select({ n: users.seq, at: stageConcertAudience.joinedAt })
      .from(stageConcertAudience)
      .innerJoin(users, eq(users.id, stageConcertAudience.userId))
      .where(eq(stageConcertAudience.roomId, roomId))
      .orderBy(asc(stageConcertAudience.joinedAt))
      .all();
    const guests = this.db
      .select({ seq: stageConcertGuests.seq, at: stageConcertGuests.seatedAt })
      .from(stageConcertGuests)
      .where(and(eq(stageConcertGuests.roomId, roomId), isNotNull(stageConcertGuests.seatedAt)))
      .all()
      .map((g) => ({ n: -g.seq, at: g.at! }));
    // A stable sort keeps members and guests who joined in one millisecond in a fixed order.
    return [...members, ...guests].sort((a, b) => a.at - b.at).map((r) => r.n);
  }

  private stateOf(row: Row): ConcertState {
    const studio = this.db.select({ seq: users.seq, name: users.name }).from(users).where(eq(users.id, row.ownerId)).get()!;
    const audience = this.audienceOf(row.roomId);
    return {
      roomId: row.roomId,
      studioUserId: studio.seq,
      studioName: studio.name,
      concertName: row.concertName,
      songs: this.songsOfRow(row),
      accessories: row.accessories as AccessoryItem[],
      maxAudience: row.maxAudience,
      currentAudience: audience.length,
      audience,
      currentSong: row.currentSong,
      isOpen: row.isOpen,
      listenServer: row.listenServer as ListenServer | null,
      createdAt: row.createdAt,
      songStartedAt: row.songStartedAt,
      pausedPositionMs: row.pausedPositionMs,
      requests: row.requests as ConcertRequest[],
      expiresAt: row.expiresAt,
      allowGuests: row.allowGuests,
      joinCode: row.joinCode,
    };
  }

  private changed(roomId: string, change: ConcertChange): ConcertState {
    const row = this.live(roomId)!;
    this.scheduleSongEnd(row);
    const concert = this.stateOf(row);
    this.emitChange({ roomId, change, concert });
    return concert;
  }

  /** A listener's failure is its own: the change is already committed and the caller still gets its answer. */
  private emitChange(event: ConcertChangedEvent): void {
    try {
      this.emit('concert:changed', event);
    } catch (err) {
      this.log?.error({ err, roomId: event.roomId }, 'concert:changed listener failed');
    }
  }

  /**
   * Seats the caller themself (a listener following the room over socket.io) by the rules of `join`:
   * an open room with a free seat. Someone already seated keeps their seat even while the room is
   * closed, so a listener whose connection dropped is not turned away. A listener is not the studio:
   * seating does not keep the room alive.
   */
  seat(roomId: string, actor: Actor): ConcertState {
    const row = this.live(roomId);
    if (!row) throw notFound();
    const seated = this.audienceOf(roomId);
    if (seated.includes(actor.seq)) return this.stateOf(row);
    if (!row.isOpen) throw joinFailed('Concert is not open');
    if (seated.length >= row.maxAudience) throw joinFailed('Concert is full');
    this.db.insert(stageConcertAudience).values({ roomId, userId: actor.id, joinedAt: this.now() }).run();
    return this.changed(roomId, { type: 'joined', clientId: actor.seq });
  }

  /** Frees the caller's own seat. One that holds none is already gone: nothing changes and nothing is emitted. */
  unseat(roomId: string, actor: Actor): ConcertState {
    const row = this.live(roomId);
    if (!row) throw notFound();
    const freed = this.db
      .delete(stageConcertAudience)
      .where(and(eq(stageConcertAudience.roomId, roomId), eq(stageConcertAudience.userId, actor.id)))
      .run();
    if (freed.changes === 0) return this.stateOf(row);
    return this.changed(roomId, { type: 'left', clientId: actor.seq });
  }

  /** The room by its id or its join code (any case), as the invite page shows it before joining; null when there is none. */
  invite(idOrCode: string): ConcertInvite | null {
    const code = idOrCode.trim().toUpperCase();
    const found = this.db
      .select({ roomId: stageConcerts.roomId })
      .from(stageConcerts)
      .where(or(eq(stageConcerts.roomId, idOrCode), eq(stageConcerts.joinCode, code)))
      .get();
    const concert = found ? this.get(found.roomId) : null;
    if (!concert) return null;
    const { roomId, concertName, studioName, isOpen, allowGuests, joinCode, currentAudience, maxAudience } = concert;
    return { roomId, concertName, studioName, isOpen, allowGuests, joinCode, currentAudience, maxAudience };
  }

  /** The studio lets people join by name only, or asks them for an account here. */
  setAllowGuests(roomId: string, actor: Actor, allowGuests: boolean): ConcertState {
    const row = this.owned(roomId, actor, 'Only the studio can choose who may join this concert.');
    this.save(row, { allowGuests });
    return this.changed(roomId, { type: 'guests', allowGuests });
  }

  /**
   * Lets someone in by display name only: a pass for this room and nothing else (the caller keeps
   * it; only its SHA-256 is stored). The seat itself is taken when the guest's socket joins.
   */
  admitGuest(roomId: string, name: string): { pass: string; guest: Guest } {
    const row = this.live(roomId);
    if (!row) throw notFound();
    if (!row.allowGuests)
      throw errors.error('GUESTS_NOT_ALLOWED', 'The host asks listeners to sign in to this Atelier to join this concert.');
    if (!row.isOpen) throw joinFailed('Concert is not open');
    if (this.audienceOf(roomId).length >= row.maxAudience) throw joinFailed('Concert is full');
    const pass = `gp_${crypto.randomBytes(24).toString('base64url')}`;
    const inserted = this.db
      .insert(stageConcertGuests)
      .values({ passHash: hashPass(pass), roomId, name, createdAt: this.now() })
      .returning({ seq: stageConcertGuests.seq })
      .get();
    return { pass, guest: { seq: inserted.seq, roomId, name } };
  }

  /** The guest a pass names while its room lives; null for anything else (a token, a stale pass). */
  guestForPass(pass: string): Guest | null {
    if (!pass.startsWith('gp_')) return null;
    const row = this.db
      .select()
      .from(stageConcertGuests)
      .where(eq(stageConcertGuests.passHash, hashPass(pass)))
      .get();
    if (!row || !this.live(row.roomId)) return null;
    return { seq: row.seq, roomId: row.roomId, name: row.name };
  }

  /** Display names of guests by number. */
  guestNames(seqs: number[]): Map<number, string> {
    if (seqs.length === 0) return new Map();
    return new Map(
      this.db
        .select({ seq: stageConcertGuests.seq, name: stageConcertGuests.name })
        .from(stageConcertGuests)
        .where(inArray(stageConcertGuests.seq, seqs))
        .all()
        .map((g) => [g.seq, g.name]),
    );
  }

  /** Seats a guest in its own room by the rules of `seat`. */
  seatGuest(guest: Guest): ConcertState {
    const row = this.live(guest.roomId);
    if (!row) throw notFound();
    const seated = this.audienceOf(guest.roomId);
    if (seated.includes(-guest.seq)) return this.stateOf(row);
    if (!row.isOpen) throw joinFailed('Concert is not open');
    if (seated.length >= row.maxAudience) throw joinFailed('Concert is full');
    this.db.update(stageConcertGuests).set({ seatedAt: this.now() }).where(eq(stageConcertGuests.seq, guest.seq)).run();
    return this.changed(guest.roomId, { type: 'joined', clientId: -guest.seq });
  }

  unseatGuest(guest: Guest): ConcertState {
    const row = this.live(guest.roomId);
    if (!row) throw notFound();
    const freed = this.db
      .update(stageConcertGuests)
      .set({ seatedAt: null })
      .where(and(eq(stageConcertGuests.seq, guest.seq), isNotNull(stageConcertGuests.seatedAt)))
      .run();
    if (freed.changes === 0) return this.stateOf(row);
    return this.changed(guest.roomId, { type: 'left', clientId: -guest.seq });
  }

  /** The studio takes a guest's seat away; a guest not seated is already gone, so this succeeds too. */
  removeGuest(roomId: string, actor: Actor, guestSeq: number): ConcertState {
    const row = this.owned(roomId, actor, UNREGISTER_CLIENTS);
    const freed = this.db
      .update(stageConcertGuests)
      .set({ seatedAt: null })
      .where(and(eq(stageConcertGuests.seq, guestSeq), eq(stageConcertGuests.roomId, roomId), isNotNull(stageConcertGuests.seatedAt)))
      .run();
    if (freed.changes === 0) return this.stateOf(row);
    this.touch(row);
    return this.changed(roomId, { type: 'left', clientId: -guestSeq });
  }

  /** Six characters without look-alikes (no 0/O, 1/I/L), not used by a live room. */
  private freeJoinCode(): string {
    for (;;) {
      const code = Array.from(crypto.randomBytes(JOIN_CODE_LENGTH), (b) => JOIN_CODE_ALPHABET[b % JOIN_CODE_ALPHABET.length]).join('');
      if (!this.db.select({ roomId: stageConcerts.roomId }).from(stageConcerts).where(eq(stageConcerts.joinCode, code)).get()) return code;
    }
  }

  /**
   * An account is about to go: rooms it owns end for everyone in them, and its seats are given up
   * so the rooms it sat in show the smaller audience. The rows would vanish with the account anyway;
   * this is what tells the people watching.
   */
  removeAccount(userId: string): void {
    const owned = this.db.select({ roomId: stageConcerts.roomId }).from(stageConcerts).where(eq(stageConcerts.ownerId, userId)).all();
    for (const { roomId } of owned) this.purge(roomId);
    const seq = this.db.select({ seq: users.seq }).from(users).where(eq(users.id, userId)).get()?.seq;
    const seats = this.db
      .select({ roomId: stageConcertAudience.roomId })
      .from(stageConcertAudience)
      .where(eq(stageConcertAudience.userId, userId))
      .all();
    this.db.delete(stageConcertAudience).where(eq(stageConcertAudience.userId, userId)).run();
    if (seq === undefined) return;
    for (const { roomId } of seats) if (this.get(roomId)) this.changed(roomId, { type: 'left', clientId: seq });
  }
}
