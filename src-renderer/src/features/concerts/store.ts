import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { loader } from '../../lib/load';
import type { ConcertSnapshot } from '../../../../src-shared/events';
import type { AtelierSocket } from '../../lib/socket';
import { concertsApi, type AudioFile } from './api';
import { joinRoom } from './room';

interface ConcertsState {
  library: AudioFile[] | null;
  libraryError: string | null;
  /** The rooms this user runs, by roomId, kept whole from the socket's `concert:state`. */
  mine: Record<string, ConcertSnapshot>;
  mineLoaded: boolean;
  mineError: string | null;
  loadLibrary(): Promise<void>;
  upload(file: File, title: string, artist: string): Promise<AudioFile>;
  /**
   * Finds the live rooms this user is the studio of and follows them. The list does not say whose
   * a room is in terms this page knows, so: rooms that answer current-song (participants only),
   * then a socket join, whose role says 'studio' — without ever taking a seat in someone else's room.
   */
  loadMine(socket: AtelierSocket): Promise<void>;
  /** Creates the room and follows it; returns its id. */
  create(socket: AtelierSocket, fields: { concertName: string; audioIds: number[]; maxAudience: number }): Promise<string>;
  /** A `concert:state` or a join ack for a room this page follows. */
  update(snapshot: ConcertSnapshot): void;
  drop(roomId: string): void;
}

export const useConcerts = create<ConcertsState>()((set, get) => ({
  library: null,
  libraryError: null,
  mine: {},
  mineLoaded: false,
  mineError: null,

  loadLibrary: loader(set, 'library', 'libraryError', () => concertsApi.audioList()),

  async upload(file, title, artist) {
    const added = await concertsApi.uploadAudio(file, title, artist);
    set({ library: [added, ...(get().library ?? []).filter((a) => a.id !== added.id)] });
    return added;
  },

  async loadMine(socket) {
    try {
      const rooms = await concertsApi.list();
      const participating = await Promise.all(
        rooms.map(async (room) => ((await concertsApi.isParticipant(room.roomId)) ? room.roomId : null)),
      );
      const mine: Record<string, ConcertSnapshot> = {};
      for (const roomId of participating) {
        if (!roomId) continue;
        const joined = await joinRoom(socket, roomId);
        if (joined.ok && joined.role === 'studio') mine[roomId] = joined.concert;
      }
      set({ mine, mineLoaded: true, mineError: null });
    } catch (err) {
      set({ mineLoaded: true, mineError: errorMessage(err) });
    }
  },

  async create(socket, { concertName, audioIds, maxAudience }) {
    const { roomId } = await concertsApi.create({
      concertName,
      maxAudience,
      songs: audioIds.map((audioId, i) => ({ songNum: i + 1, audioId })),
    });
    const joined = await joinRoom(socket, roomId);
    if (joined.ok) set((s) => ({ mine: { ...s.mine, [roomId]: joined.concert } }));
    return roomId;
  },

  update(snapshot) {
    // Only rooms this page follows as their studio; a room it listens to elsewhere is not "mine".
    if (!get().mine[snapshot.roomId]) return;
    set((s) => ({ mine: { ...s.mine, [snapshot.roomId]: snapshot } }));
  },

  drop(roomId) {
    set((s) => {
      const { [roomId]: _gone, ...rest } = s.mine;
      return { mine: rest };
    });
  },
}));
