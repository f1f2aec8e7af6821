import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { activityApi, type ActivityJob } from './api';

interface ActivityState {
  open: boolean;
  jobs: ActivityJob[];
  loading: boolean;
  problem: string | null;
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
}

/** The jobs drawer: what the activity layer shows over every page. */
export const useActivity = create<ActivityState>()((set, get) => ({
  open: false,
  jobs: [],
  loading: false,
  problem: null,
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
