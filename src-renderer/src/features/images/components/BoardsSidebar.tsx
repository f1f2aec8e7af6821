import { useState, type FormEvent } from 'react';
import { Alert, Button, confirmAction, TextField, useAction } from '../../../components';
import { describeError, type Board } from '../api';
import { useImages } from '../store';

function BoardRow({ board, active }: { board: Board; active: boolean }) {
  const { setFilter, renameBoard, deleteBoard } = useImages();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(board.name);
  const [error, setError] = useState<string | null>(null);

  const rename = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await renameBoard(board.id, name.trim());
      setRenaming(false);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const remove = async () => {
    if (
      !(await confirmAction({
        title: `Delete the board “${board.name}”?`,
        body: 'Its images stay in your gallery.',
        confirmLabel: 'Delete board',
      }))
    )
      return;
    try {
      await deleteBoard(board.id);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <li className="board-row" data-testid="board">
      {renaming ? (
        <form className="board-rename" onSubmit={(e) => void rename(e)}>
          <TextField label={`New name for ${board.name}`} value={name} maxLength={100} onChange={setName} autoFocus />
          <div className="row">
            <Button type="submit" size="sm" variant="primary" disabled={!name.trim()}>
              Save
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setRenaming(false)}>
              Keep name
            </Button>
          </div>
        </form>
      ) : (
        <>
          <button
            type="button"
            className={`board-filter${active ? ' active' : ''}`}
            aria-pressed={active}
            onClick={() => setFilter({ boardId: active ? null : board.id })}
          >
            <span>{board.name}</span>
            <span className="muted small">{board.image_count}</span>
          </button>
          <button type="button" className="icon-button" aria-label={`Rename ${board.name}`} onClick={() => setRenaming(true)}>
            ✎
          </button>
          <button type="button" className="icon-button danger" aria-label={`Delete ${board.name}`} onClick={() => void remove()}>
            ×
          </button>
        </>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </li>
  );
}

/** Filters for the gallery (all, starred, one board) and the boards themselves: create, rename, delete. */
export function BoardsSidebar() {
  const { boards, boardsError, filter, setFilter, createBoard } = useImages();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction(describeError);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await createBoard(name.trim());
      setName('');
    });
  };

  return (
    <nav className="boards-sidebar" aria-label="Boards">
      <button
        type="button"
        className={`board-filter${filter.boardId === null ? ' active' : ''}`}
        aria-pressed={filter.boardId === null}
        onClick={() => setFilter({ boardId: null })}
      >
        All images
      </button>
      <label className="check">
        <input type="checkbox" checked={filter.starred} onChange={(e) => setFilter({ starred: e.target.checked })} />
        Starred only
      </label>
      <h3 className="boards-heading">Boards</h3>
      {boardsError && <Alert tone="error">{boardsError}</Alert>}
      {boards?.length === 0 && <p className="muted small">No boards yet.</p>}
      <ul className="board-list">
        {boards?.map((b) => (
          <BoardRow key={`${b.id}:${b.name}`} board={b} active={filter.boardId === b.id} />
        ))}
      </ul>
      <form className="stack-sm" onSubmit={create}>
        <TextField label="Board name" value={name} maxLength={100} placeholder="Landscapes" onChange={setName} />
        <Button type="submit" size="sm" busy={busy} disabled={!name.trim()}>
          Create board
        </Button>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
    </nav>
  );
}
