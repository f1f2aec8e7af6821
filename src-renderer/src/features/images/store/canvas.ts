import { addStroke, CLEAR, EMPTY_HISTORY, redoStroke, undoStroke, type Stroke, type StrokeHistory } from '../canvas/geometry';
import type { Slice } from './types';

/** What the centre of the studio shows: the generation viewer, or the inpainting canvas. */
export type Centre = 'viewer' | 'canvas';

/** The inpainting canvas (its mask strokes, brush and feather), the centre's tab and the lightbox. */
export interface CanvasSlice {
  centre: Centre;
  setCentre(centre: Centre): void;
  /** The starting image's own size, once the canvas has loaded it: the mask's strokes are in its pixels. */
  sourceSize: { width: number; height: number } | null;
  setSourceSize(size: { width: number; height: number }): void;
  strokes: StrokeHistory;
  stroke(stroke: Stroke): void;
  undo(): void;
  redo(): void;
  clearMask(): void;
  /** Brush diameter in screen pixels. */
  brush: number;
  erasing: boolean;
  /** Pixels the redrawn area reaches past the mask (the server's `mask_feather`). */
  feather: number;
  setBrush(change: Partial<Pick<CanvasSlice, 'brush' | 'erasing' | 'feather'>>): void;
  /** The lightbox shows the selected image. */
  lightbox: boolean;
  openLightbox(id: string): void;
  closeLightbox(): void;
}

export const canvasSlice: Slice<CanvasSlice> = (set, get) => ({
  centre: 'viewer',
  setCentre: (centre) => set({ centre }),
  sourceSize: null,
  setSourceSize: (sourceSize) => set({ sourceSize }),
  strokes: EMPTY_HISTORY,
  stroke: (stroke) => set({ strokes: addStroke(get().strokes, stroke) }),
  undo: () => set({ strokes: undoStroke(get().strokes) }),
  redo: () => set({ strokes: redoStroke(get().strokes) }),
  clearMask: () => set({ strokes: addStroke(get().strokes, CLEAR) }),
  brush: 24,
  erasing: false,
  feather: 8,
  setBrush: (change) => set(change),
  lightbox: false,
  openLightbox(id) {
    set({ lightbox: true });
    void get().select(id);
  },
  closeLightbox: () => set({ lightbox: false }),
});
