import { create } from 'zustand';
import type { JobSnapshot } from '../../../../src-shared/events';
import {
  canvasApi,
  type Accepted,
  describeError,
  GALLERY_PAGE,
  SAMPLERS,
  type Board,
  type CanvasModel,
  type Credits,
  type GalleryFilter,
  type GenerationSettings,
  type ImageDetail,
  type ImageSummary,
  type JobType,
  type QueueItem,
  type Usage,
} from './api';

/** The job kind the canvas family runs generations as (generate/service.ts). */
export const GENERATE_JOB = 'canvas.generate';

const SETTINGS_KEY = 'atelier.images.settings';

export const DEFAULT_SETTINGS: GenerationSettings = {
  prompt: '',
  negative_prompt: '',
  model: '',
  width: 512,
  height: 512,
  steps: 30,
  cfg_scale: 7.5,
  sampler: 'euler_a',
  seed: -1,
  batch_size: 1,
};

function readSettings(): GenerationSettings {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null') as Partial<GenerationSettings> | null;
    const merged = { ...DEFAULT_SETTINGS, ...saved };
    return SAMPLERS.includes(merged.sampler) ? merged : { ...merged, sampler: 'euler_a' };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** What the progress panel shows of a job: its latest snapshot and the last step image it sent. */
export interface LiveJob {
  snapshot: JobSnapshot;
  /** The latest step preview (a data: URL); kept after the job ends, when snapshots carry none. */
  preview: string | null;
}

/** The starting image of image-to-image and inpainting: a gallery image (by id) or an upload (data: URL). */
export interface SourceImage {
  ref: string;
  /** What an <img> or the canvas loads. */
  url: string;
  label: string;
}

interface ImagesState {
  models: CanvasModel[] | null;
  modelsError: string | null;
  settings: GenerationSettings;
  /** Jobs followed over the socket since the area opened, by id. */
  live: Record<string, LiveJob>;
  /** The job the progress panel follows: the last one this page queued. */
  currentJobId: string | null;
  queue: QueueItem[] | null;
  queueError: string | null;
  images: ImageSummary[];
  page: number;
  hasMore: boolean;
  loadingImages: boolean;
  galleryError: string | null;
  filter: GalleryFilter;
  boards: Board[] | null;
  boardsError: string | null;
  selectedId: string | null;
  detail: ImageDetail | null;
  detailError: string | null;
  source: SourceImage | null;
  credits: Credits | null;
  usage: Usage | null;
  creditsError: string | null;

  loadModels(): Promise<void>;
  setSettings(change: Partial<GenerationSettings>): void;
  /** A job this page queued: followed by the progress panel and listed at once (from the 202 answer, no request). */
  jobQueued(accepted: Accepted, type: JobType, params: Record<string, unknown>): void;
  onJobUpdate(job: JobSnapshot): void;
  loadQueue(): Promise<void>;
  cancel(jobId: string): Promise<void>;
  /** Page 1 again (after a filter change or a new image). */
  reloadGallery(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(change: Partial<GalleryFilter>): void;
  loadBoards(): Promise<void>;
  createBoard(name: string): Promise<Board>;
  renameBoard(id: string, name: string): Promise<void>;
  deleteBoard(id: string): Promise<void>;
  addToBoard(boardId: string, imageId: string): Promise<void>;
  removeFromBoard(boardId: string, imageId: string): Promise<void>;
  select(id: string | null): Promise<void>;
  toggleStar(id: string, starred: boolean): Promise<void>;
  deleteImage(id: string): Promise<void>;
  share(id: string): Promise<string>;
  unshare(id: string): Promise<void>;
  setSource(source: SourceImage | null): void;
  /** The balance, and the usage figures too once they are shown. */
  loadCredits(): Promise<void>;
  loadUsage(): Promise<void>;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export const useImages = create<ImagesState>()((set, get) => ({
  models: null,
  modelsError: null,
  settings: readSettings(),
  live: {},
  currentJobId: null,
  queue: null,
  queueError: null,
  images: [],
  page: 0,
  hasMore: true,
  loadingImages: false,
  galleryError: null,
  filter: { boardId: null, starred: false },
  boards: null,
  boardsError: null,
  selectedId: null,
  detail: null,
  detailError: null,
  source: null,
  credits: null,
  usage: null,
  creditsError: null,

  async loadModels() {
    try {
      const models = await canvasApi.models();
      set({ models, modelsError: null });
      // Keep the chosen model while it can still be used; else the first usable one, at its native size.
      const usable = models.filter((m) => m.type === 'main' && m.is_available);
      const current = usable.find((m) => m.name === get().settings.model);
      const first = usable[0];
      if (!current && first) {
        const size = first.native_size ?? DEFAULT_SETTINGS.width;
        get().setSettings({ model: first.name, width: size, height: size });
      }
    } catch (err) {
      set({ modelsError: describeError(err) });
    }
  },

  setSettings(change) {
    const settings = { ...get().settings, ...change };
    set({ settings });
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  },

  jobQueued(accepted, type, params) {
    const item: QueueItem = {
      job_id: accepted.job_id,
      status: 'queued',
      job_type: type,
      params,
      progress: 0,
      position: accepted.queue_position,
      estimated_credits: accepted.estimated_credits,
      credits_used: 0,
      result: null,
      error: null,
      queued_at: new Date().toISOString(),
      started_at: null,
      completed_at: null,
    };
    const live = get().live[accepted.job_id];
    // Socket updates may have overtaken the 202 answer.
    if (live) Object.assign(item, { status: live.snapshot.status, progress: Math.round(live.snapshot.progress * 100), position: live.snapshot.position });
    const credits = get().credits;
    set({
      currentJobId: accepted.job_id,
      queue: [item, ...(get().queue ?? []).filter((q) => q.job_id !== accepted.job_id)],
      // The server now holds the estimate; the balance is read again when the job ends.
      credits: credits && { ...credits, reserved: credits.reserved + accepted.estimated_credits, available: credits.available - accepted.estimated_credits },
    });
    if (live && FINISHED.has(live.snapshot.status)) void get().loadQueue();
  },

  // Free accounts may make 30 canvas requests a minute (plans/tiers.ts), so progress comes from
  // the socket alone and the lists are read again only when a job ends.
  onJobUpdate(job) {
    if (job.kind !== GENERATE_JOB) return;
    const before = get().live[job.id];
    set({ live: { ...get().live, [job.id]: { snapshot: job, preview: job.preview ?? before?.preview ?? null } } });
    const queue = get().queue;
    if (queue?.some((q) => q.job_id === job.id) && !FINISHED.has(job.status)) {
      set({
        queue: queue.map((q) =>
          q.job_id === job.id ? { ...q, status: job.status, progress: Math.round(job.progress * 100), position: job.position } : q,
        ),
      });
    }
    if (FINISHED.has(job.status) && before?.snapshot.status !== job.status) {
      void get().loadQueue();
      void get().loadCredits();
      if (job.status === 'completed') void get().reloadGallery();
    }
  },

  async loadQueue() {
    try {
      const before = new Map((get().queue ?? []).map((q) => [q.job_id, q.status]));
      const queue = await canvasApi.queue();
      set({ queue, queueError: null });
      // Without the socket (offline, refused) a job's end is only seen here.
      const ended = queue.filter((q) => FINISHED.has(q.status) && !FINISHED.has(before.get(q.job_id) ?? q.status) && !FINISHED.has(get().live[q.job_id]?.snapshot.status ?? ''));
      if (ended.length > 0) {
        void get().loadCredits();
        if (ended.some((q) => q.status === 'completed')) void get().reloadGallery();
      }
    } catch (err) {
      set({ queueError: describeError(err) });
    }
  },

  async cancel(jobId) {
    await canvasApi.cancel(jobId);
    // The job's own `job:update` (cancelled) reads the queue and the balance again.
    set({ queue: get().queue?.map((q) => (q.job_id === jobId ? { ...q, status: 'cancelled' as const } : q)) ?? null });
  },

  async reloadGallery() {
    set({ images: [], page: 0, hasMore: true });
    await get().loadMore();
  },

  async loadMore() {
    const { page, hasMore, loadingImages, filter } = get();
    if (!hasMore || loadingImages) return;
    set({ loadingImages: true });
    try {
      const rows = await canvasApi.images(filter, page + 1);
      // A filter changed while this page was on its way: its rows belong to the old view.
      if (get().filter !== filter) return;
      const known = new Set(get().images.map((i) => i.id));
      set({ images: [...get().images, ...rows.filter((r) => !known.has(r.id))], page: page + 1, hasMore: rows.length === GALLERY_PAGE, galleryError: null });
    } catch (err) {
      set({ galleryError: describeError(err), hasMore: false });
    } finally {
      if (get().filter === filter) set({ loadingImages: false });
    }
  },

  setFilter(change) {
    set({ filter: { ...get().filter, ...change }, images: [], page: 0, hasMore: true, loadingImages: false });
    void get().loadMore();
  },

  async loadBoards() {
    try {
      set({ boards: await canvasApi.boards(), boardsError: null });
    } catch (err) {
      set({ boardsError: describeError(err) });
    }
  },

  async createBoard(name) {
    const board = await canvasApi.createBoard(name);
    set({ boards: [...(get().boards ?? []), board] });
    return board;
  },

  async renameBoard(id, name) {
    const board = await canvasApi.renameBoard(id, name);
    set({ boards: (get().boards ?? []).map((b) => (b.id === id ? board : b)) });
    const detail = get().detail;
    if (detail) set({ detail: { ...detail, boards: detail.boards.map((b) => (b.id === id ? { id, name: board.name } : b)) } });
  },

  async deleteBoard(id) {
    await canvasApi.deleteBoard(id);
    set({ boards: (get().boards ?? []).filter((b) => b.id !== id) });
    if (get().filter.boardId === id) get().setFilter({ boardId: null });
    const detail = get().detail;
    if (detail) set({ detail: { ...detail, boards: detail.boards.filter((b) => b.id !== id) } });
  },

  async addToBoard(boardId, imageId) {
    const board = await canvasApi.addToBoard(boardId, [imageId]);
    set({ boards: (get().boards ?? []).map((b) => (b.id === boardId ? { ...b, image_count: board.image_count } : b)) });
    const detail = get().detail;
    if (detail?.id === imageId && !detail.boards.some((b) => b.id === boardId)) set({ detail: { ...detail, boards: [...detail.boards, { id: board.id, name: board.name }] } });
    if (get().filter.boardId === boardId) await get().reloadGallery();
  },

  async removeFromBoard(boardId, imageId) {
    const board = await canvasApi.removeFromBoard(boardId, imageId);
    set({ boards: (get().boards ?? []).map((b) => (b.id === boardId ? board : b)) });
    const detail = get().detail;
    if (detail?.id === imageId) set({ detail: { ...detail, boards: detail.boards.filter((b) => b.id !== boardId) } });
    if (get().filter.boardId === boardId) set({ images: get().images.filter((i) => i.id !== imageId) });
  },

  async select(id) {
    set({ selectedId: id, detailError: null, ...(id === null || get().detail?.id !== id ? { detail: null } : {}) });
    if (id === null) return;
    try {
      const detail = await canvasApi.image(id);
      if (get().selectedId === id) set({ detail });
    } catch (err) {
      if (get().selectedId === id) set({ detailError: describeError(err) });
    }
  },

  async toggleStar(id, starred) {
    const answer = await canvasApi.star(id, starred);
    const { filter, images, detail } = get();
    set({
      images: filter.starred && !answer.is_starred ? images.filter((i) => i.id !== id) : images.map((i) => (i.id === id ? { ...i, is_starred: answer.is_starred } : i)),
      detail: detail?.id === id ? { ...detail, is_starred: answer.is_starred } : detail,
    });
  },

  async deleteImage(id) {
    await canvasApi.deleteImage(id);
    set({ images: get().images.filter((i) => i.id !== id), ...(get().selectedId === id ? { selectedId: null, detail: null } : {}) });
    if (get().source?.ref === id) set({ source: null });
    // Its boards each hold one image fewer.
    if (get().boards?.some((b) => b.image_count > 0)) await get().loadBoards();
  },

  async share(id) {
    const { share_url } = await canvasApi.share(id);
    const detail = get().detail;
    if (detail?.id === id) set({ detail: { ...detail, is_public: true, share_url } });
    return share_url;
  },

  async unshare(id) {
    await canvasApi.unshare(id);
    const detail = get().detail;
    if (detail?.id === id) set({ detail: { ...detail, is_public: false, share_url: null } });
  },

  setSource(source) {
    set({ source });
  },

  async loadCredits() {
    try {
      set({ credits: await canvasApi.credits(), creditsError: null });
    } catch (err) {
      set({ creditsError: describeError(err) });
    }
    if (get().usage) await get().loadUsage();
  },

  async loadUsage() {
    try {
      set({ usage: await canvasApi.usage('month'), creditsError: null });
    } catch (err) {
      set({ creditsError: describeError(err) });
    }
  },
}));
