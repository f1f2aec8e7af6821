import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { activityApi, type ActivityJob } from './api';

/** A finished job the user was not looking at: a toast that links to what it made. */
export interface JobToast {
  id: string;
  jobId: string;
  text: string;
  href: string;
  linkText: string;
  tone: 'success' | 'danger';
}

interface ActivityState {
  open: boolean;
  jobs: ActivityJob[];
  loading: boolean;
  problem: string | null;
  toasts: JobToast[];
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
  toast(toast: Omit<JobToast, 'id'>): void;
  dismiss(id: string): void;
}

let toastCounter = 0;

/** The jobs drawer and the toasts: what the activity layer shows over every page. */
export const useActivity = create<ActivityState>()((set, get) => ({
  open: false,
  jobs: [],
  loading: false,
  problem: null,
  toasts: [],
  setOpen: (open) => {
    set({ open });
    if (open) void get().refresh();
  },
  refresh: async () => {
    set({ loading: true });
    try {
      const { jobs } = await activityApi.jobs();
      set({ jobs, problem: null, loading: false });
    } catch (err) {
      set({ problem: errorMessage(err), loading: false });
    }
  },
  toast: (toast) => {
    const id = `toast-${++toastCounter}`;
    // One toast per job: a later word about the same job replaces the earlier.
    set((s) => ({ toasts: [...s.toasts.filter((t) => t.jobId !== toast.jobId), { ...toast, id }].slice(-4) }));
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

/** A track the player bar plays; `href` is where it came from, so the bar can link back. */
export interface Track {
  src: string;
  title: string;
  subtitle?: string;
  href?: string;
}

interface PlayerState {
  track: Track | null;
  playing: boolean;
  play(track: Track): void;
  setPlaying(playing: boolean): void;
  stop(): void;
}

/**
 * The one player of the app: the shell owns its <audio> element (PlayerBar), so a song keeps
 * playing while the user moves between pages. Features call play(); nothing else makes sound.
 */
export const usePlayer = create<PlayerState>()((set) => ({
  track: null,
  playing: false,
  play: (track) => set({ track, playing: true }),
  setPlaying: (playing) => set({ playing }),
  stop: () => set({ track: null, playing: false }),
}));
