import { ApiError, refreshSession, session } from '../../api/client';
import type { ConcertAccessory } from '../../../../src-shared/events';

/**
 * The stage family's HTTP calls. Stage answers in its own dialect — `{success:true, ...fields}`
 * and `{success:false, error:"CODE", message}` — which api() does not read, so this module sends
 * its requests itself, with the same session and the same one refresh on an expired token.
 */

export interface AudioFile {
  id: number;
  title: string;
  artist: string | null;
  file_size: number;
  /** Seconds; null when unknown. */
  duration: number | null;
  format: 'mp3' | 'aac' | 'm4a' | 'wav';
  created_at: string;
  uploaded_by: number;
}

/** A room as /api/concert/list shows it (the audience's names come over the socket). */
export interface ConcertInfo {
  roomId: string;
  studioUserId: number;
  studioName: string;
  concertName: string;
  songs: { songNum: number; audioId: number; streamUrl: string; stageDirectionId: number | null }[];
  accessories: ConcertAccessory[];
  maxAudience: number;
  currentAudience: number;
  currentSong: number | null;
  isOpen: boolean;
  createdAt: number;
  songStartedAt: number | null;
  expiresAt: number;
}

const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);

async function send(path: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  const token = session.accessToken;
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Atelier’s server cannot be reached. Is it still running?');
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  return { status: response.status, body };
}

/** `init` is built per attempt: a FormData body can be sent again, a consumed stream could not. */
async function stage<T>(path: string, init: () => RequestInit = () => ({})): Promise<T> {
  const before = session.accessToken;
  let sent = await send(path, init());
  if (sent.status === 401 && before && REFRESHABLE.has(String(sent.body?.error))) {
    if (!(await refreshSession(before))) throw new ApiError(401, 'SESSION_ENDED', 'Your session has ended. Sign in again.');
    sent = await send(path, init());
  }
  const body = sent.body;
  if (sent.status >= 200 && sent.status < 300 && body?.success === true) return body as T;
  const code = typeof body?.error === 'string' ? body.error : `HTTP_${sent.status}`;
  const message = typeof body?.message === 'string' ? body.message : `The server answered ${sent.status}`;
  throw new ApiError(sent.status, code, message, body?.details);
}

const json = (method: string, body?: unknown) => (): RequestInit => ({
  method,
  headers: body === undefined ? undefined : { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

export const concertsApi = {
  /** The whole library, a page at a time (the server answers 500 files a page at most). */
  audioList: async () => {
    const files: AudioFile[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const page: { audio_files: AudioFile[]; next_offset: number | null } = await stage(`/api/audio/list?limit=500&offset=${offset}`);
      files.push(...page.audio_files);
      offset = page.next_offset;
    }
    return files;
  },
  uploadAudio: (file: File, title: string, artist: string) =>
    stage<{ audio_file: AudioFile }>('/api/audio/upload', () => {
      const form = new FormData();
      // Text fields first: the server reads the parts in order and stores the file as it streams.
      form.append('title', title);
      if (artist) form.append('artist', artist);
      form.append('audio', file, file.name);
      return { method: 'POST', body: form };
    }).then((r) => r.audio_file),

  list: () => stage<{ concerts: ConcertInfo[] }>('/api/concert/list').then((r) => r.concerts),
  /** Answers for the studio and seated clients only: 403 tells a stranger's room apart without taking a seat. */
  isParticipant: (roomId: string) =>
    stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/current-song`).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return false;
        throw err;
      },
    ),
  create: (body: { concertName: string; songs: { songNum: number; audioId: number }[]; maxAudience: number }) =>
    stage<{ roomId: string; expiresIn: number }>('/api/concert/create', json('POST', body)),
  setOpen: (roomId: string, isOpen: boolean) => stage<{ isOpen: boolean }>(`/api/concert/${encodeURIComponent(roomId)}/toggle-open`, json('POST', { isOpen })),
  changeSong: (roomId: string, songNum: number) => stage<{ currentSong: number }>(`/api/concert/${encodeURIComponent(roomId)}/songs/change`, json('POST', { songNum })),
  addSong: (roomId: string, songNum: number, audioId: number) => stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/songs/add`, json('POST', { songNum, audioId })),
  removeSong: (roomId: string, songNum: number) => stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/songs/${songNum}`, json('DELETE')),
  addAccessory: (roomId: string, accessory: ConcertAccessory) => stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/accessories/add`, json('POST', accessory)),
  removeAccessory: (roomId: string, index: number) => stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/accessories/${index}`, json('DELETE')),
  /** The studio takes a listener's seat away; the listener's page is told 'removed'. */
  removeListener: (roomId: string, clientId: number) => stage<unknown>(`/api/concert/${encodeURIComponent(roomId)}/leave`, json('POST', { clientId })),
};
