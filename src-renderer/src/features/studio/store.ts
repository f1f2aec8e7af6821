import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { loader } from '../../lib/load';
import { putSigned, studioApi, type Song, type Studio, type StudioDetail, type Track } from './api';
import { DEFAULT_CHANNEL, type ChannelSettings } from './audio/session';

const MIX_KEY = 'atelier.studio.mix';
const PREFS_KEY = 'atelier.studio.prefs';

export interface RecordingPrefs {
  bpm: number;
  /** Beats of clicks before the take starts. */
  countIn: number;
  /** Clicks during the take too, not only the count-in. */
  metronome: boolean;
  instrument: string;
}

const DEFAULT_PREFS: RecordingPrefs = { bpm: 100, countIn: 4, metronome: true, instrument: 'voice' };

function read<T>(key: string, fallback: T): T {
  try {
    return { ...fallback, ...(JSON.parse(localStorage.getItem(key) ?? 'null') as T | null) };
  } catch {
    return fallback;
  }
}

export interface Take {
  name: string;
  instrument: string;
  /** The converted audio (WAV) and the raw recording as captured or imported. */
  track: Blob;
  record: Blob;
}

interface StudioState {
  studios: Studio[] | null;
  studiosError: string | null;
  detail: StudioDetail | null;
  detailError: string | null;
  /** Mixer settings per track id. */
  mix: Record<number, ChannelSettings>;
  prefs: RecordingPrefs;
  songs: Song[] | null;
  songsError: string | null;

  loadStudios(): Promise<void>;
  createStudio(name: string): Promise<Studio>;
  deleteStudio(studioId: number): Promise<void>;
  openStudio(studioId: number): Promise<void>;
  resetStudio(studioId: number): Promise<void>;
  renameTrack(track: Track, trackName: string): Promise<void>;
  /** Moves a track to 1-based place `order`; the others shift. */
  moveTrack(track: Track, order: number): Promise<void>;
  deleteTrack(track: Track): Promise<void>;
  /** POST the track, PUT its two files to the signed URLs, then reload the studio. */
  uploadTake(studioId: number, take: Take): Promise<void>;
  channel(trackId: number): ChannelSettings;
  setChannel(trackId: number, change: Partial<ChannelSettings>): void;
  setPrefs(change: Partial<RecordingPrefs>): void;
  loadSongs(studioId?: number): Promise<void>;
  songSaved(song: Song): void;
  deleteSong(songId: number): Promise<void>;
}

export const useStudio = create<StudioState>()((set, get) => ({
  studios: null,
  studiosError: null,
  detail: null,
  detailError: null,
  mix: read<Record<number, ChannelSettings>>(MIX_KEY, {}),
  prefs: read(PREFS_KEY, DEFAULT_PREFS),
  songs: null,
  songsError: null,

  loadStudios: loader(set, 'studios', 'studiosError', () => studioApi.list()),

  async createStudio(name) {
    const studio = await studioApi.create(name);
    set({ studios: [studio, ...(get().studios ?? [])] });
    return studio;
  },

  async deleteStudio(studioId) {
    await studioApi.remove(studioId);
    set({ studios: (get().studios ?? []).filter((s) => s.studioId !== studioId) });
  },

  async openStudio(studioId) {
    try {
      const detail = await studioApi.open(studioId);
      set({ detail, detailError: null });
    } catch (err) {
      set({ detailError: errorMessage(err), detail: get().detail?.studioId === studioId ? get().detail : null });
    }
  },

  async resetStudio(studioId) {
    await studioApi.reset(studioId);
    await get().openStudio(studioId);
  },

  async renameTrack(track, trackName) {
    await studioApi.updateTrack(track.studioId, track.trackId, { trackName });
    await get().openStudio(track.studioId);
  },

  async moveTrack(track, order) {
    const detail = get().detail;
    if (detail) {
      // Show the new order at once; the server's answer then confirms it.
      const others = detail.trackList.filter((t) => t.trackId !== track.trackId);
      others.splice(order - 1, 0, track);
      set({ detail: { ...detail, trackList: others.map((t, i) => ({ ...t, order: i + 1 })) } });
    }
    try {
      await studioApi.updateTrack(track.studioId, track.trackId, { order });
    } finally {
      await get().openStudio(track.studioId);
    }
  },

  async deleteTrack(track) {
    await studioApi.removeTrack(track.trackId);
    await get().openStudio(track.studioId);
  },

  async uploadTake(studioId, take) {
    const created = await studioApi.startTrack(studioId, { trackName: take.name, instrument: take.instrument });
    try {
      await Promise.all([putSigned(created.trackPresignedUrl, take.track), putSigned(created.recordPresignedUrl, take.record)]);
    } catch (err) {
      // A half-uploaded track would sit pending until its URLs expire; give it up now.
      await studioApi.failTrack(studioId, created.track.trackId).catch(() => undefined);
      throw err;
    }
    await get().openStudio(studioId);
  },

  channel(trackId) {
    return get().mix[trackId] ?? DEFAULT_CHANNEL;
  },

  setChannel(trackId, change) {
    const mix = { ...get().mix, [trackId]: { ...get().channel(trackId), ...change } };
    localStorage.setItem(MIX_KEY, JSON.stringify(mix));
    set({ mix });
  },

  setPrefs(change) {
    const prefs = { ...get().prefs, ...change };
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
    set({ prefs });
  },

  async loadSongs(studioId) {
    try {
      set({ songs: await (studioId === undefined ? studioApi.mySongs() : studioApi.studioSongs(studioId)), songsError: null });
    } catch (err) {
      set({ songsError: errorMessage(err) });
    }
  },

  songSaved(song) {
    set({ songs: [song, ...(get().songs ?? []).filter((s) => s.songId !== song.songId)] });
  },

  async deleteSong(songId) {
    await studioApi.removeSong(songId);
    set({ songs: (get().songs ?? []).filter((s) => s.songId !== songId) });
  },
}));
