import type { PictureStyle, StoryStatus } from '../api';

export const PICTURE_STYLE_LABEL: Record<PictureStyle, string> = {
  picture_book: 'Picture book',
  watercolour: 'Watercolour',
  crayon: 'Crayon',
};

export const STATUS_LABEL: Record<StoryStatus, string> = {
  pending: 'Waiting to be written',
  in_progress: 'Being written',
  completed: 'Finished',
  failed: 'Failed',
};
