import { request, requestBlob, type Method } from '../../api/client';
import type {
  BasicTicket,
  ComposeAccepted,
  ComposeEngine,
  ComposeVibes,
  Cover,
  CoverJob,
  CreatedTrack,
  Share,
  Song,
  Studio,
  StudioDetail,
  Track,
} from '../../../../src-shared/api/studio';

/** The studio family's shapes: the server's own response schemas (src-shared/api/studio.ts), plus the few still declared in its routes. */
export type {
  ComposeAccepted,
  ComposeEngine,
  ComposeVibes,
  Cover,
  CoverJob,
  CreatedTrack,
  Share,
  Song,
  SongExtras,
  Studio,
  StudioDetail,
  Track,
} from '../../../../src-shared/api/studio';

export type CoverEngine = 'auto' | 'diffusion' | 'procedural';

export interface CoverRequest {
  title: string;
  genre?: string;
  mood?: string;
  engine?: CoverEngine;
  /** A checkpoint id from GET /api/v1/models. */
  model?: string;
  seed?: number;
  /** Seconds the server waits for the engine before answering with a job (0: at once). */
  wait?: number;
}

/** An installed image model as GET /api/v1/models lists it (the fields the cover picker reads). */
export interface ImageModel {
  id: string;
  display_name: string;
  type: 'main' | 'upscaler';
  is_available: boolean;
}

/** A 202 answer carries a job (GET /api/song/cover/jobs/{jobId}) instead of the cover. */
export const isCoverJob = (answer: Cover | CoverJob): answer is CoverJob => 'jobId' in answer;

export interface SongDescription {
  genre?: string;
  mood?: string;
  instruments?: string[];
  imageFilePath?: string;
}

const json = (method: Method, body?: unknown) => ({ method, body });
const studio = <T>(path: string, options?: { method: Method; body?: unknown }) => request<T>('studio', path, options);

export const studioApi = {
  list: () => studio<Studio[]>('/api/work/studio'),
  create: (studioName: string) => studio<Studio>('/api/work/studio', json('POST', { studioName })),
  remove: (studioId: number) => studio<{ studioId: number; deletedTracks: number }>(`/api/work/studio/${studioId}`, json('DELETE')),
  open: (studioId: number) => studio<StudioDetail>(`/api/work/studio/${studioId}`),
  reset: (studioId: number) => studio<{ studioId: number; deletedTracks: number }>(`/api/work/studio/${studioId}/reset`, json('DELETE')),
  /** Renames and/or reorders several tracks at once, all or nothing. */
  update: (studioId: number, change: { studioName?: string; updateList?: { trackId: number; trackName?: string; order?: number }[] }) =>
    studio<StudioDetail>(`/api/work/studio/${studioId}`, json('PUT', change)),

  startTrack: (studioId: number, body: { trackName: string; instrument: string }) =>
    studio<CreatedTrack>(`/api/work/track/${studioId}`, json('POST', body)),
  failTrack: (studioId: number, trackId: number) =>
    studio<{ trackId: number }>(`/api/work/track/${studioId}/fail`, json('DELETE', { trackId })),
  removeTrack: (trackId: number) => studio<{ trackId: number }>(`/api/work/track/${trackId}`, json('DELETE')),
  updateTrack: (studioId: number, trackId: number, body: { trackName?: string; order?: number }) =>
    studio<Track>(`/api/work/track/${studioId}/${trackId}`, json('PUT', body)),

  mySongs: () => studio<Song[]>('/api/song'),
  studioSongs: (studioId: number) => studio<Song[]>(`/api/song/${studioId}`),
  removeSong: (songId: number) => studio<{ songId: number }>(`/api/song/download/${songId}`, json('DELETE')),
  cover: (fields: { title: string; genre?: string; mood?: string }) => studio<Cover>('/api/song/cover', json('POST', fields)),
  /** The cover at once (procedural, or a quick engine), or the job drawing it. */
  drawCover: (fields: CoverRequest) => studio<Cover | CoverJob>('/api/song/cover', json('POST', fields)),
  coverJob: (jobId: string) => studio<CoverJob>(`/api/song/cover/jobs/${jobId}`),
  cancelCoverJob: (jobId: string) => studio<CoverJob>(`/api/song/cover/jobs/${jobId}`, json('DELETE')),
  /** Image models that can draw covers: installed, intact checkpoints the plan includes. */
  imageModels: async () => (await request<ImageModel[]>('canvas', '/api/v1/models?type=main')).filter((m) => m.is_available),
  share: (songId: number) => studio<Share>(`/api/song/share/${songId}`),
  unshare: (songId: number) => studio<{ songId: number }>(`/api/song/share/${songId}`, json('DELETE')),
  /** The server mixes ready tracks (ffmpeg) into one song. */
  mixTracks: (studioId: number, body: SongDescription & { title: string; trackIds: number[] }) =>
    studio<Song>(`/api/song/${studioId}`, json('POST', body)),
  basicTicket: () => studio<BasicTicket>('/api/song/basic/presignedUrl'),
  saveBasic: (studioId: number, body: SongDescription & { basicSongFilePath: string; name: string }) =>
    studio<Song>(`/api/song/studios/${studioId}/basic/save`, json('POST', body)),
  /** Which composing engines the server can run now (the arranger, MusicGen when a model is installed). */
  engines: () => studio<ComposeEngine[]>('/api/compose/engines'),
  compose: (
    studioId: number,
    body: {
      basicSongId: number;
      title?: string;
      genre?: string;
      mood?: string;
      instruments?: string[];
      engine?: ComposeEngine['engine'];
      durationSec?: number;
      /** e.g. "C major"; absent: the key heard in the take. */
      key?: string;
      /** Absent: the tempo heard in the take. */
      bpm?: number;
      /** Which arrangement of the take: 0 and 1 make two variants. */
      variant?: number;
      /** The AI song's own cover. */
      imageFilePath?: string;
    },
  ) => studio<ComposeAccepted>(`/api/song/studios/${studioId}/ai`, json('POST', body)),
  /** The genres, moods and instruments the arranger plays. */
  vibes: () => studio<ComposeVibes>('/api/compose/vibes'),
  /** A new song: the arranger's song continued by `bars` bars. */
  extend: (songId: number, bars: number, imageFilePath?: string) =>
    studio<ComposeAccepted>(`/api/song/${songId}/extend`, json('POST', { bars, imageFilePath })),
  /** A new song: the same melody in another vibe. */
  remix: (songId: number, body: { genre?: string; mood?: string; instruments?: string[]; variant?: number; imageFilePath?: string }) =>
    studio<ComposeAccepted>(`/api/song/${songId}/remix`, json('POST', body)),
  /** A new song: bars `fromBar`..`toBar` (from 1, included) redone. */
  replace: (songId: number, fromBar: number, toBar: number, imageFilePath?: string) =>
    studio<ComposeAccepted>(`/api/song/${songId}/replace`, json('POST', { fromBar, toBar, imageFilePath })),
};

/** PUTs bytes to a signed upload URL (no token: the signature is the permission). */
export async function putSigned(url: string, body: Blob): Promise<void> {
  await request('studio', url, {
    method: 'PUT',
    body,
    auth: false,
    refused: 'The upload was refused',
    unreachable: 'The upload could not reach Atelier’s server',
  });
}

/** A song's bytes through its signed URL, for saving to disk. */
export const fetchSong = (song: Song): Promise<Blob> =>
  requestBlob('studio', song.songUrl, { auth: false, refused: 'The download was refused' });

/**
 * Bytes from a route that needs the Bearer token (an AI song's extras): `<audio>` and links cannot
 * send it, so they get an object URL of the blob.
 */
export const fetchWithToken = (path: string): Promise<Blob> => requestBlob('studio', path, { refused: 'The download was refused' });

/** Saves a blob to disk under `name` through a temporary link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
