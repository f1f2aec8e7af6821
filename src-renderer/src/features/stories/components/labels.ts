import type { StoryStatus } from '../api';

export const STATUS_LABEL: Record<StoryStatus, string> = {
  pending: 'Waiting to be written',
  in_progress: 'Being written',
  completed: 'Finished',
  failed: 'Failed',
};
