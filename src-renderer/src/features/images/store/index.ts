import { create } from 'zustand';
import { boardsSlice } from './boards';
import { canvasSlice } from './canvas';
import { creditsSlice } from './credits';
import { detailSlice } from './detail';
import { gallerySlice } from './gallery';
import { jobsSlice } from './jobs';
import { modelsSlice } from './models';
import { settingsSlice } from './settings';
import type { ImagesState } from './types';

export { GENERATE_JOB } from './jobs';

/** The Image Studio's store: models, the form, generations and the queue, gallery, boards, the open image, credits, the canvas. */
export const useImages = create<ImagesState>()((...a) => ({
  ...modelsSlice(...a),
  ...settingsSlice(...a),
  ...jobsSlice(...a),
  ...gallerySlice(...a),
  ...boardsSlice(...a),
  ...detailSlice(...a),
  ...creditsSlice(...a),
  ...canvasSlice(...a),
}));
