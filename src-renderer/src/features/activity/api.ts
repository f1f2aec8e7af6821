import { api } from '../../api/client';

/** One entry of the jobs drawer, as GET /activity/jobs gives it. */
export interface ActivityJob {
  id: string;
  kind: string;
  /** "generate" or "upscale" for canvas.generate; null for kinds that do one thing. */
  variant: string | null;
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  stage: string | null;
  message: string | null;
  position: number | null;
  estimated_wait_seconds: number | null;
  estimated_remaining_seconds: number | null;
  /** Whose jobs run first: "you", names (for this computer's owner) or "another listener". */
  ahead: { who: string; yours: boolean; kind: string; running: boolean }[];
  result: unknown;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const activityApi = {
  jobs: () => api<{ jobs: ActivityJob[] }>('/activity/jobs?limit=50'),
  cancel: (id: string) => api<{ id: string; status: string }>(`/activity/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  /** The owner's reorder (loopback only; a peer gets 403). */
  move: (id: string, to: 'up' | 'down') =>
    api<{ position: number | null }>(`/system/jobs/${encodeURIComponent(id)}/${to}`, { method: 'POST' }),
};

/** One job of the owner's whole-queue view (GET /system/queue). */
export interface LaneJob {
  id: string;
  kind: string;
  status: string;
  owner: { id: string; name: string } | null;
  from_owner: boolean;
  position: number | null;
  estimated_wait_seconds: number | null;
}

export interface OwnerQueue {
  lanes: { lane: string; running: LaneJob | null; queued: LaneJob[] }[];
}

export const ownerApi = {
  /** Everyone's jobs, with names: this computer's owner only (a LAN peer gets 403). */
  queue: () => api<OwnerQueue>('/system/queue'),
  cancel: (id: string) => api<unknown>(`/system/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
};
