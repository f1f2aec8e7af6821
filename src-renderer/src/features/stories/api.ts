import { api, requestBlob, session } from '../../api/client';
import type { Transcript } from '../../../../src-shared/api/stories';

/** The stories family's shapes (src-server/families/stories/stories/schemas.ts). */

export interface StoryFile {
  object: 'file';
  type: 'internal';
  url: string;
  expiry_time: string;
}

export interface Chapter {
  id: string;
  chapter_number: number;
  title: string;
  content: string;
  image: StoryFile | null;
  audio: StoryFile | null;
  /** When each sentence is spoken in `audio` (seconds); null without audio. */
  audio_sentences: { text: string; start: number; end: number }[] | null;
}

/** How the chapters were read aloud, or why they were not. */
export interface Narration {
  engine: string | null;
  device: string | null;
  voice: string | null;
  reason: string | null;
}

export interface InstalledModel {
  kind: 'chat' | 'narration' | 'speech-to-text' | 'speaker' | 'voice-cloning';
  name: string;
  licence: string;
  non_commercial: boolean;
  voices: string[];
}

export interface StorySettings {
  retention_days: number | null;
  narrator_voice: string | null;
  voice_consent_at: string | null;
  voice_match: { voice: string; similarity: number; at: string } | null;
  /** The parent's own voice (Chatterbox), when kept. */
  cloned_voice: { engine: string; at: string } | null;
  /** Defaults for a story request that leaves them out; null: from the child's age / detected from the text. */
  age_band: AgeBand | null;
  language: 'ko' | 'en' | null;
  picture_style: PictureStyle;
  models: InstalledModel[];
}

export type AgeBand = '3-5' | '6-8' | '9-12';

export type StoryStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

export interface Story {
  id: string;
  title: string;
  status: StoryStatus;
  chapters: Chapter[];
  created_at: string;
  updated_at: string;
  language: 'ko' | 'en' | null;
  engine: string | null;
  narration: Narration | null;
  fail_code: string | null;
  fail_reason: string | null;
}

export interface StoryPage {
  results: Story[];
  has_more: boolean;
  next_cursor: string | null;
}

export type SortBy = 'created_at' | 'updated_at' | 'title';
export type StoryLength = 'short' | 'medium' | 'long';
export type PictureStyle = 'picture_book' | 'watercolour' | 'crayon';

export const storiesApi = {
  list: (q: { status?: StoryStatus | ''; sort_by?: SortBy; order?: 'asc' | 'desc'; start_cursor?: string | null }) => {
    const params = new URLSearchParams({ page_size: '24' });
    if (q.status) params.set('status', q.status);
    if (q.sort_by) params.set('sort_by', q.sort_by);
    if (q.order) params.set('order', q.order);
    if (q.start_cursor) params.set('start_cursor', q.start_cursor);
    // The list is the one body outside the envelope: {object, results, has_more, next_cursor}.
    return api<StoryPage>(`/api/v1/stories?${params}`);
  },
  get: (id: string) => api<Story>(`/api/v1/stories/${id}`),
  create: (body: {
    conversation_id?: string;
    user_preferences: { length: StoryLength; picture_style: PictureStyle; language?: 'ko' | 'en'; age?: number };
  }) => api<Story>('/api/v1/stories', { method: 'POST', body }),
  rename: (id: string, title: string) => api<Story>(`/api/v1/stories/${id}`, { method: 'PATCH', body: { title } }),
  remove: (id: string) => api<void>(`/api/v1/stories/${id}`, { method: 'DELETE' }),
  epub: (id: string) => requestBlob('canvas', `/api/v1/stories/${id}/export.epub`),
  settings: () => api<StorySettings>('/api/v1/stories/settings'),
  saveSettings: (body: {
    retention_days?: number | null;
    narrator_voice?: string | null;
    voice_consent?: boolean;
    age_band?: AgeBand | null;
    language?: 'ko' | 'en' | null;
    picture_style?: PictureStyle;
  }) => api<StorySettings>('/api/v1/stories/settings', { method: 'PATCH', body }),
  forgetVoice: () => api<void>('/api/v1/stories/settings/voice', { method: 'DELETE' }),
  transcribe: (audio: Blob, language: 'ko' | 'en') => {
    const body = new FormData();
    body.set('language', language);
    body.set('audio', audio, 'answer.webm');
    return api<Transcript>('/api/v1/stories/transcribe', { method: 'POST', body });
  },
};

/** What the conversation socket sends (src-server/families/stories/conversation/socket.ts). */
export type ServerFrame =
  | { type: 'connected' }
  | { type: 'conversation_started'; conversation_id: string; child_name: string; language: 'ko' | 'en'; engine: string }
  | {
      type: 'ai_response';
      text: string;
      user_text: string | null;
      audio_url: string | null;
      complete: boolean;
      engine: string;
      flagged?: boolean;
    }
  | { type: 'ai_response_delta'; text: string }
  | { type: 'conversation_ended'; conversation_id: string }
  | { type: 'story_progress'; story_id: string; status: StoryStatus; progress: number; message: string | null }
  | { type: 'error'; error_code: string; error_message: string }
  | { type: 'pong' };

/** Opens /wss/v1/audio with the session's access token; the server refuses a bad token before the upgrade. */
export function openConversationSocket(childName: string, age: number | null): WebSocket {
  const url = new URL('/wss/v1/audio', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', session.accessToken ?? '');
  url.searchParams.set('child_name', childName);
  if (age !== null) url.searchParams.set('age', String(age));
  return new WebSocket(url);
}
