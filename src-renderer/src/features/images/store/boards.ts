import { loader } from '../../../lib/load';
import { canvasApi, describeError, type Board } from '../api';
import type { Slice } from './types';

/** Boards: the list, and the changes the gallery and the open image reflect without asking again. */
export interface BoardsSlice {
  boards: Board[] | null;
  boardsError: string | null;
  loadBoards(): Promise<void>;
  createBoard(name: string): Promise<Board>;
  renameBoard(id: string, name: string): Promise<void>;
  deleteBoard(id: string): Promise<void>;
  addToBoard(boardId: string, imageId: string): Promise<void>;
  removeFromBoard(boardId: string, imageId: string): Promise<void>;
}

export const boardsSlice: Slice<BoardsSlice> = (set, get) => ({
  boards: null,
  boardsError: null,

  loadBoards: loader(set, 'boards', 'boardsError', () => canvasApi.boards(), describeError),

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
    if (detail?.id === imageId && !detail.boards.some((b) => b.id === boardId))
      set({ detail: { ...detail, boards: [...detail.boards, { id: board.id, name: board.name }] } });
    if (get().filter.boardId === boardId) await get().reloadGallery();
  },

  async removeFromBoard(boardId, imageId) {
    const board = await canvasApi.removeFromBoard(boardId, imageId);
    set({ boards: (get().boards ?? []).map((b) => (b.id === boardId ? board : b)) });
    const detail = get().detail;
    if (detail?.id === imageId) set({ detail: { ...detail, boards: detail.boards.filter((b) => b.id !== boardId) } });
    if (get().filter.boardId === boardId) set({ images: get().images.filter((i) => i.id !== imageId) });
  },
});
