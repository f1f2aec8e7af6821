import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import type { JobSnapshot, JobStatus } from '../../../../src-shared/events';
import { progressOf } from '../../lib/jobs';
import { modelsApi, type InstalledModel, type InstallKind, type ModelsOverview, type ModelType, type UrlInstallRequest } from './api';

/** A URL install as the page follows it: from the 202, then every `job:update`. */
export interface Install {
  jobId: string;
  id: string;
  type: InstallKind;
  status: JobStatus;
  position: number | null;
  progress: number;
  file: string | null;
  received: number;
  total: number | null;
  /** Why it failed or was cancelled, in the server's words. */
  error: string | null;
}

interface ModelsState {
  overview: Omit<ModelsOverview, 'installs'> | null;
  loadError: string | null;
  /** Installs by job id, in the order they were started. */
  installs: Install[];
  /** The last thing that went well ("Installed …"), shown once. */
  notice: string | null;

  load(): Promise<void>;
  /** Throws the server's error (ApiError) for the form to show. */
  installFolder(path: string, id?: string): Promise<InstalledModel>;
  installUrl(request: UrlInstallRequest): Promise<void>;
  cancel(jobId: string): Promise<void>;
  remove(type: ModelType, id: string): Promise<void>;
  /** Every update of an install job (the socket, through lib/jobs). */
  onJob(job: JobSnapshot): void;
  dismiss(jobId: string): void;
  dismissNotice(): void;
}

const FINISHED = new Set<JobStatus>(['completed', 'failed', 'cancelled']);
const typeName = (type: InstallKind) => (type === 'checkpoint' ? 'model' : type);

export const useModels = create<ModelsState>()((set, get) => ({
  overview: null,
  loadError: null,
  installs: [],
  notice: null,

  dismissNotice() {
    set({ notice: null });
  },

  async load() {
    try {
      const { installs, ...overview } = await modelsApi.overview();
      set((s) => {
        // Open installs as the server has them (after a reload too); finished ones the page shows stay
        // until dismissed, and open ones the server no longer lists ended while no socket was there.
        const listed = new Set(installs.map((v) => v.job_id));
        const known = new Map(s.installs.filter((i) => FINISHED.has(i.status) || listed.has(i.jobId)).map((i) => [i.jobId, i]));
        for (const v of installs) {
          const had = known.get(v.job_id);
          known.set(v.job_id, {
            jobId: v.job_id,
            id: v.id,
            type: v.type,
            // A job:update that arrived while the listing was on its way is newer.
            status: had && FINISHED.has(had.status) ? had.status : v.status,
            position: v.position,
            progress: Math.max(had?.progress ?? 0, v.progress),
            file: v.file ?? had?.file ?? null,
            received: Math.max(had?.received ?? 0, v.received_bytes),
            total: v.total_bytes ?? had?.total ?? null,
            error: had?.error ?? null,
          });
        }
        return { overview, loadError: null, installs: [...known.values()] };
      });
    } catch (err) {
      set({ loadError: errorMessage(err) });
    }
  },

  async installFolder(path, id) {
    const model = await modelsApi.installFolder(path, id);
    set({ notice: `Installed the ${typeName(model.type)} “${model.display_name}”.` });
    await get().load();
    return model;
  },

  async installUrl(request) {
    const accepted = await modelsApi.installUrl(request);
    set((s) => ({
      notice: null,
      installs: s.installs.some((i) => i.jobId === accepted.job_id)
        ? s.installs
        : [
            // Finished attempts at the same model make way for the new one.
            ...s.installs.filter((i) => !(i.id === accepted.id && i.type === accepted.type)),
            {
              jobId: accepted.job_id,
              id: accepted.id,
              type: accepted.type,
              status: 'queued',
              position: accepted.position,
              progress: 0,
              file: null,
              received: 0,
              total: null,
              error: null,
            },
          ],
    }));
  },

  async cancel(jobId) {
    await modelsApi.cancel(jobId);
  },

  async remove(type, id) {
    await modelsApi.remove(type, id);
    set({ notice: `Removed the ${typeName(type)} “${id}”.` });
    await get().load();
  },

  onJob(job) {
    const current = get().installs.find((i) => i.jobId === job.id);
    if (!current) {
      // Started elsewhere (another window): the listing knows its model.
      void get().load();
      return;
    }
    const { fraction, bytes } = progressOf(job);
    const next: Install = {
      ...current,
      status: job.status,
      position: job.position,
      progress: job.status === 'completed' ? 1 : fraction,
      file: bytes?.file ?? current.file,
      received: bytes?.received ?? current.received,
      total: bytes?.total ?? current.total,
      error:
        job.status === 'failed' || job.status === 'cancelled'
          ? (job.error ?? (job.status === 'cancelled' ? 'Cancelled' : 'The install failed'))
          : null,
    };
    if (job.status === 'completed') {
      set((s) => ({
        installs: s.installs.filter((i) => i.jobId !== job.id),
        notice: `Installed the ${typeName(current.type)} “${current.id}”.`,
      }));
      void get().load();
      return;
    }
    set((s) => ({ installs: s.installs.map((i) => (i.jobId === job.id ? next : i)) }));
  },

  dismiss(jobId) {
    set((s) => ({ installs: s.installs.filter((i) => i.jobId !== jobId) }));
  },
}));
