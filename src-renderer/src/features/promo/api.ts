import { request, type RequestOptions } from '../../api/client';

/** The promo family speaks FastAPI's dialect: bare bodies, `{error_code, error_message}` errors. */
const api = <T>(path: string, options: RequestOptions = {}) => request<T>('promo', path, options);

/** The promo family's routes (src-server/families/promo): bare bodies, the caller's own id in each. */

export const STAGES = ['metadata', 'lyrics', 'songs', 'images', 'movies', 'combined'] as const;
export type Stage = (typeof STAGES)[number];
export type Aspect = '16:9' | '9:16' | '1:1';

/** The server's caption presets (families/promo/video/captions.ts). */
export const CAPTION_STYLES = {
  classic: 'Classic — bottom, colour sweep',
  bold: 'Bold box — big, middle, syllables light up',
  minimal: 'Minimal — small, white on grey',
  top: 'Top banner — boxed at the top',
} as const;
export type CaptionStyle = keyof typeof CAPTION_STYLES;

export interface MakeOptions {
  aspect: Aspect;
  language: 'ko' | 'en';
  captionStyle: CaptionStyle;
}

const makeBody = (o: MakeOptions) => ({ aspect_ratio: o.aspect, language: o.language, caption_style: o.captionStyle });

export interface TaskState {
  task_id: string;
  progress: Record<Stage, boolean>;
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  stage: string | null;
  percent: number;
  error: string | null;
  item_id: string | null;
  video_id: string | null;
  /** `engine`: the chat model that wrote it, or the built-in writer. */
  lyrics: { lines: { section: string; text: string; syllables: string[] }[]; engine?: string } | null;
  /** Stages an earlier run's output served, because nothing they depend on changed. */
  reused: Stage[];
}

export interface PromoItem {
  item_id: string;
  name: string;
  address: string | null;
  url: string;
  phone_number: string | null;
  hashtags: string[];
  description: string | null;
  logo_url: string | null;
  colors: string[];
}

export interface PromoVideo {
  id: string;
  title: string;
  url: string;
  resolution: string;
  /** The H.264 encoder that made it. */
  encoder: string;
  duration: number;
  thumbnail_url: string | null;
  download_count: number;
  created_at: string;
}

export interface PromoPicture {
  picture_id: string;
  source: 'site' | 'upload' | 'generated';
  url: string;
}

type Pictures = { item_id: string; pictures: PromoPicture[] };

export const promoApi = {
  start: (url: string, o: MakeOptions) =>
    api<{ task_id: string }>('/moviemaker/start-workflow', { method: 'POST', body: { url, ...makeBody(o) } }),
  startFromItem: (itemId: string, o: MakeOptions, lyrics?: string[]) =>
    api<{ task_id: string }>('/moviemaker/start-workflow', { method: 'POST', body: { item_id: itemId, ...makeBody(o), lyrics } }),
  pictures: (id: string, itemId: string) => api<Pictures>('/user/item/pictures', { method: 'POST', body: { id, item_id: itemId } }),
  uploadPicture: (id: string, itemId: string, file: File) => {
    const body = new FormData();
    body.set('id', id);
    body.set('item_id', itemId);
    body.set('file', file);
    return api<Pictures>('/user/item/picture/upload', { method: 'POST', body });
  },
  orderPictures: (id: string, itemId: string, pictureIds: string[]) =>
    api<Pictures>('/user/item/pictures/order', { method: 'PUT', body: { id, item_id: itemId, picture_ids: pictureIds } }),
  removePicture: (id: string, itemId: string, pictureId: string) =>
    api<Pictures>('/user/item/picture', { method: 'DELETE', body: { id, item_id: itemId, picture_id: pictureId } }),
  progress: (taskId: string) => api<TaskState>('/moviemaker/progress', { method: 'POST', body: { task_id: taskId } }),
  cancel: (taskId: string) => api<TaskState>('/moviemaker/cancel', { method: 'POST', body: { task_id: taskId } }),
  items: (id: string) => api<{ total_count: number; items: PromoItem[] }>('/user/items', { method: 'POST', body: { id } }),
  updateItem: (id: string, item: Pick<PromoItem, 'item_id' | 'name' | 'address' | 'phone_number' | 'hashtags'>) =>
    api<{ success: boolean }>('/user/item/update', {
      method: 'PUT',
      body: {
        id,
        item_id: item.item_id,
        name: item.name,
        address: item.address ?? '',
        phone_number: item.phone_number ?? '',
        hashtags: item.hashtags,
      },
    }),
  videos: (id: string) => api<{ total_count: number; videos: PromoVideo[] }>('/user/videos', { method: 'POST', body: { id } }),
  deleteVideo: (userId: string, videoId: string) =>
    api<{ message: string }>('/user/video/delete', { method: 'DELETE', body: { user_id: userId, video_id: videoId } }),
};
