import { api, ApiError } from '../../api/client';
import type { Side } from './canvas/geometry';
import type {
  Accepted,
  Board,
  Credits,
  ImageDetail as ImageDetailWire,
  ImageSummary,
  Model,
  QueueItem,
  Recall,
  Usage,
} from '../../../../src-shared/api/canvas';

/** The canvas family's wire shapes, from the schemas the server answers with (src-shared/api/canvas.ts). */
export type {
  Accepted,
  Board,
  Credits,
  ImageSummary,
  JobType,
  ModelType,
  QueueItem,
  QueueStatus,
  Recall,
  Usage,
} from '../../../../src-shared/api/canvas';
export type CanvasModel = Model;

export const SAMPLERS = [
  'euler_a',
  'euler',
  'euler_karras',
  'ddim',
  'dpmpp_2m',
  'dpmpp_2m_karras',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_karras',
  'dpmpp_sde',
  'dpmpp_sde_karras',
  'dpmpp_2s_a',
  'dpmpp_2s_a_karras',
  'heun',
  'heun_karras',
  'lms',
  'lms_karras',
  'unipc',
  'unipc_karras',
  'deis',
  'deis_karras',
  'lcm',
] as const;
export type Sampler = (typeof SAMPLERS)[number];

export interface GenerationSettings {
  prompt: string;
  negative_prompt: string;
  model: string;
  width: number;
  height: number;
  steps: number;
  cfg_scale: number;
  sampler: Sampler;
  /** -1: random. */
  seed: number;
  batch_size: number;
  /** A separately installed VAE; '' decodes with the model's own. */
  vae: string;
  loras: { name: string; weight: number }[];
}

/** What the engine writes into every image (generate/service.ts), read loosely: older images may lack fields. */
export interface ImageMetadata {
  kind?: string;
  model?: string;
  model_hash?: string | null;
  prompt?: string;
  negative_prompt?: string | null;
  steps?: number | null;
  cfg_scale?: number | null;
  seed?: number | null;
  sampler?: string | null;
  strength?: number | null;
  scale?: number | null;
  width?: number;
  height?: number;
  /** The execution provider that ran it (cpu, cuda, dml...). */
  provider?: string;
}

/** The image's detail, its free-form metadata read as the engine writes it. */
export type ImageDetail = Omit<ImageDetailWire, 'metadata'> & { metadata: ImageMetadata & Record<string, unknown> };

export interface GalleryFilter {
  boardId: string | null;
  starred: boolean;
}

/** A source image: a gallery image id, or a data: URL of an upload. */
export type ImageRef = string;

const query = (params: Record<string, string | number | boolean | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

const bodyOf = (s: GenerationSettings) => ({
  ...s,
  negative_prompt: s.negative_prompt.trim() || undefined,
  vae: s.vae || undefined,
  loras: s.loras.length ? s.loras : undefined,
});

export const GALLERY_PAGE = 24;

/**
 * A GET that waits out the plan's requests-a-minute limit once (RATE_LIMITED carries
 * `retry_after` seconds): the lists refresh themselves after a burst instead of showing an error.
 */
async function read<T>(path: string): Promise<T> {
  try {
    return await api<T>(path);
  } catch (err) {
    const wait =
      err instanceof ApiError && err.code === 'RATE_LIMITED'
        ? Number((err.details as { retry_after?: unknown } | undefined)?.retry_after)
        : NaN;
    if (!(wait > 0 && wait <= 60)) throw err;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    return api<T>(path);
  }
}

export const canvasApi = {
  models: () => read<CanvasModel[]>('/api/v1/models'),

  textToImage: (s: GenerationSettings, boardId?: string) =>
    api<Accepted>('/api/v1/generate/text-to-image', { method: 'POST', body: { ...bodyOf(s), save_to_board: boardId } }),
  imageToImage: (s: GenerationSettings, source: ImageRef, strength: number, boardId?: string) =>
    api<Accepted>('/api/v1/generate/image-to-image', {
      method: 'POST',
      body: { ...bodyOf(s), source_image: source, strength, save_to_board: boardId },
    }),
  inpaint: (s: GenerationSettings, source: ImageRef, mask: string, strength: number, feather = 0, boardId?: string) =>
    api<Accepted>('/api/v1/generate/inpaint', {
      method: 'POST',
      body: { ...bodyOf(s), source_image: source, mask_image: mask, strength, mask_feather: feather, save_to_board: boardId },
    }),
  /** The canvas grown on one side, the new area drawn through the inpaint path; width and height follow from the source. */
  outpaint: (s: GenerationSettings, source: ImageRef, extend: Partial<Record<Side, number>>, feather: number) => {
    const { width: _w, height: _h, ...rest } = bodyOf(s);
    return api<Accepted>('/api/v1/generate/outpaint', {
      method: 'POST',
      body: { ...rest, source_image: source, extend, mask_feather: feather },
    });
  },
  upscale: (image: string, scale: 2 | 4, model?: string) =>
    api<Accepted>('/api/v1/generate/upscale', { method: 'POST', body: { image, scale, model } }),

  queue: (perPage = 20) => read<QueueItem[]>(`/api/v1/queue/items${query({ per_page: perPage })}`),
  cancel: (jobId: string) =>
    api<{ job_id: string; status: 'cancelled'; credits_refunded: number }>(`/api/v1/queue/items/${jobId}`, { method: 'DELETE' }),

  images: (filter: GalleryFilter, page: number) =>
    read<ImageSummary[]>(
      `/api/v1/images${query({ page, per_page: GALLERY_PAGE, board_id: filter.boardId, starred: filter.starred || undefined })}`,
    ),
  image: (id: string) => read<ImageDetail>(`/api/v1/images/${id}`),
  /** The settings an image carries: a gallery image id, or a data: URL of a PNG. */
  recall: (image: string) => api<Recall>('/api/v1/images/recall', { method: 'POST', body: { image } }),
  star: (id: string, starred: boolean) =>
    api<{ id: string; is_starred: boolean }>(`/api/v1/images/${id}/star`, { method: starred ? 'POST' : 'DELETE' }),
  deleteImage: (id: string) => api<{ id: string; deleted: true }>(`/api/v1/images/${id}`, { method: 'DELETE' }),
  share: (id: string) => api<{ share_url: string; share_token: string }>(`/api/v1/images/${id}/share`, { method: 'POST' }),
  unshare: (id: string) => api<{ id: string; is_public: false }>(`/api/v1/images/${id}/share`, { method: 'DELETE' }),

  boards: () => read<Board[]>('/api/v1/boards'),
  createBoard: (name: string) => api<Board>('/api/v1/boards', { method: 'POST', body: { name } }),
  renameBoard: (id: string, name: string) => api<Board>(`/api/v1/boards/${id}`, { method: 'PATCH', body: { name } }),
  deleteBoard: (id: string) => api<{ id: string; deleted: true }>(`/api/v1/boards/${id}`, { method: 'DELETE' }),
  addToBoard: (boardId: string, imageIds: string[]) =>
    api<Board & { added: number }>(`/api/v1/boards/${boardId}/images`, { method: 'POST', body: { image_ids: imageIds } }),
  removeFromBoard: (boardId: string, imageId: string) => api<Board>(`/api/v1/boards/${boardId}/images/${imageId}`, { method: 'DELETE' }),

  credits: () => read<Credits>('/api/v1/users/me/credits?per_page=5'),
  usage: (period: Usage['period'] = 'month') => read<Usage>(`/api/v1/users/me/usage${query({ period })}`),
};

const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString() : '?');

/**
 * The canvas family's error in words: its message, plus the figures its details carry for the
 * codes where they tell the user what to do (credits, limits, which field).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  const d = (err.details && typeof err.details === 'object' ? err.details : {}) as Record<string, unknown>;
  switch (err.code) {
    case 'INSUFFICIENT_CREDITS':
      return `Not enough credits: this needs ${num(d.required)} and ${num(d.available)} are available.`;
    case 'QUOTA_EXCEEDED':
    case 'RATE_LIMITED':
    case 'QUEUE_FULL':
    case 'MODEL_NOT_AVAILABLE':
    case 'MODEL_NOT_FOUND':
      return err.message;
    case 'STORAGE_EXCEEDED':
      return `Your storage is full (${num(d.used_bytes)} of ${num(d.quota_bytes)} bytes); delete images to make room.`;
    case 'INVALID_PARAMETERS':
      return typeof d.field === 'string' ? `${err.message} (field: ${d.field})` : err.message;
    default:
      return err.message;
  }
}
