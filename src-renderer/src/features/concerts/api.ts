import { ApiError, request, type RequestOptions } from '../../api/client';
import type { AudioFile, ConcertInfo, ConcertInvite } from '../../../../src-shared/api/stage';
import type { ConcertAccessory } from '../../../../src-shared/events';

/** The stage family's shapes: the server's own response schemas (src-shared/api/stage.ts). */
export type { AudioFile, ConcertInfo } from '../../../../src-shared/api/stage';

/** The stage family's HTTP calls: its own dialect (`{success:true, ...fields}`), decoded by the one client. */
const stage = <T>(path: string, options: RequestOptions = {}) => request<T>('stage', path, options);
const at = (roomId: string, tail: string) => `/api/concert/${encodeURIComponent(roomId)}${tail}`;

/** What the invite page shows before joining. */
export type ConcertInvitation = ConcertInvite;

export const guestApi = {
  /** By join code (any case) or roomId. */
  invite: (code: string) =>
    stage<{ invite: ConcertInvitation }>(`/api/concert/invite/${encodeURIComponent(code.trim())}`, { auth: false }).then((r) => r.invite),
  /** A pass for this concert's socket and nothing else. */
  admit: (roomId: string, displayName: string) =>
    stage<{ guestPass: string; displayName: string }>(at(roomId, '/guests'), { method: 'POST', body: { displayName }, auth: false }),
  setAllowGuests: (roomId: string, allowGuests: boolean) =>
    stage<{ allowGuests: boolean }>(at(roomId, '/guests'), { method: 'PUT', body: { allowGuests } }),
  info: (roomId: string) => stage<{ concert: ConcertInfo }>(at(roomId, '/info')).then((r) => r.concert),
};

export const concertsApi = {
  /** The whole library, a page at a time (the server answers 500 files a page at most). */
  audioList: async () => {
    const files: AudioFile[] = [];
    for (let offset: number | null = 0; offset !== null;) {
      const page: { audio_files: AudioFile[]; next_offset: number | null } = await stage(`/api/audio/list?limit=500&offset=${offset}`);
      files.push(...page.audio_files);
      offset = page.next_offset;
    }
    return files;
  },
  uploadAudio: (file: File, title: string, artist: string) =>
    stage<{ audio_file: AudioFile }>('/api/audio/upload', { method: 'POST', body: uploadForm(file, title, artist) }).then(
      (r) => r.audio_file,
    ),

  list: () => stage<{ concerts: ConcertInfo[] }>('/api/concert/list').then((r) => r.concerts),
  /** Answers for the studio and seated clients only: 403 tells a stranger's room apart without taking a seat. */
  isParticipant: (roomId: string) =>
    stage<unknown>(at(roomId, '/current-song')).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return false;
        throw err;
      },
    ),
  create: (body: { concertName: string; songs: { songNum: number; audioId: number }[]; maxAudience: number }) =>
    stage<{ roomId: string; expiresIn: number }>('/api/concert/create', { method: 'POST', body }),
  setOpen: (roomId: string, isOpen: boolean) =>
    stage<{ isOpen: boolean }>(at(roomId, '/toggle-open'), { method: 'POST', body: { isOpen } }),
  changeSong: (roomId: string, songNum: number) =>
    stage<{ currentSong: number }>(at(roomId, '/songs/change'), { method: 'POST', body: { songNum } }),
  addSong: (roomId: string, songNum: number, audioId: number) =>
    stage<unknown>(at(roomId, '/songs/add'), { method: 'POST', body: { songNum, audioId } }),
  removeSong: (roomId: string, songNum: number) => stage<unknown>(at(roomId, `/songs/${songNum}`), { method: 'DELETE' }),
  addAccessory: (roomId: string, accessory: ConcertAccessory) =>
    stage<unknown>(at(roomId, '/accessories/add'), { method: 'POST', body: accessory }),
  removeAccessory: (roomId: string, index: number) => stage<unknown>(at(roomId, `/accessories/${index}`), { method: 'DELETE' }),
  /** The studio takes a listener's seat away; the listener's page is told 'removed'. */
  removeListener: (roomId: string, clientId: number) =>
    // A guest (no account) is listed as its negated guest number.
    clientId < 0
      ? stage<unknown>(at(roomId, `/guests/${-clientId}`), { method: 'DELETE' })
      : stage<unknown>(at(roomId, '/leave'), { method: 'POST', body: { clientId } }),

  /** The caller's finished songs (My songs, every studio of theirs); `audioId` once in the library. */
  mySongs: () => stage<{ songs: MySong[] }>('/api/audio/my-songs').then((r) => r.songs),
  /** Copies one of the caller's songs into the library on the server: no upload. */
  addFromSong: (songId: number) =>
    stage<{ audio_file: AudioFile }>('/api/audio/from-song', { method: 'POST', body: { songId } }).then((r) => r.audio_file),

  /** Host transport on the room clock; every listener applies the broadcast. */
  transport: (roomId: string, action: 'pause' | 'resume' | 'next' | 'previous' | 'seek', positionMs?: number) =>
    stage<unknown>(at(roomId, '/transport'), { method: 'POST', body: positionMs === undefined ? { action } : { action, positionMs } }),
  end: (roomId: string) => stage<unknown>(at(roomId, ''), { method: 'DELETE' }),
  react: (roomId: string, emoji: string) => stage<unknown>(at(roomId, '/reactions'), { method: 'POST', body: { emoji } }),
  requestSong: (roomId: string, audioId: number) => stage<unknown>(at(roomId, '/requests'), { method: 'POST', body: { audioId } }),
  acceptRequest: (roomId: string, requestId: string) =>
    stage<unknown>(at(roomId, `/requests/${encodeURIComponent(requestId)}/accept`), { method: 'POST' }),
  declineRequest: (roomId: string, requestId: string) =>
    stage<unknown>(at(roomId, `/requests/${encodeURIComponent(requestId)}`), { method: 'DELETE' }),
};

export interface MySong {
  songId: number;
  title: string;
  duration: number | null;
  studioId: number | null;
  audioId: number | null;
}

/** The reactions the server accepts (stage concerts service). */
export const REACTIONS = ['👏', '🔥', '❤️', '🎉', '😂', '🤘'] as const;

/** Text fields first: the server reads the parts in order and stores the file as it streams. */
function uploadForm(file: File, title: string, artist: string): FormData {
  const form = new FormData();
  form.append('title', title);
  if (artist) form.append('artist', artist);
  form.append('audio', file, file.name);
  return form;
}
