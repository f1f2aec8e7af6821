import type { StateCreator } from 'zustand';
import type { BoardsSlice } from './boards';
import type { CanvasSlice } from './canvas';
import type { CreditsSlice } from './credits';
import type { DetailSlice } from './detail';
import type { GallerySlice } from './gallery';
import type { JobsSlice } from './jobs';
import type { ModelsSlice } from './models';
import type { SettingsSlice } from './settings';

/** The Image Studio's state: one store of slices, one per concern, that may call each other's actions. */
export type ImagesState = ModelsSlice & SettingsSlice & JobsSlice & GallerySlice & BoardsSlice & DetailSlice & CreditsSlice & CanvasSlice;

export type Slice<T> = StateCreator<ImagesState, [], [], T>;
