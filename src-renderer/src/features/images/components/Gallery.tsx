import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Spinner } from '../../../components';
import { describeError, type ImageSummary } from '../api';
import { useImages } from '../store';
import { keysOf, useShortcut } from '../../../lib/shortcuts';
import { BoardsSidebar } from './BoardsSidebar';
import { dragImage } from '../canvas/drag';

function Tile({ image }: { image: ImageSummary }) {
  const { select, toggleStar, selectedId, openLightbox } = useImages();
  const [error, setError] = useState<string | null>(null);
  const star = async () => {
    setError(null);
    try {
      await toggleStar(image.id, !image.is_starred);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <li className={`gallery-tile${selectedId === image.id ? ' selected' : ''}`} data-testid="gallery-image" data-id={image.id}>
      <button
        type="button"
        className="gallery-open"
        draggable
        onDragStart={(e) => dragImage(e, image)}
        onClick={() => void select(image.id)}
        onDoubleClick={() => openLightbox(image.id)}
        aria-label={`Open ${image.metadata.prompt || 'image'}`}
        title={`${image.metadata.prompt || 'Image'} (${keysOf('gallery-previous')[0]} ${keysOf('gallery-next')[0]} step through the gallery)`}
        aria-keyshortcuts="ArrowLeft ArrowRight"
      >
        <img src={image.thumbnail_url} alt={image.metadata.prompt} loading="lazy" width={image.width} height={image.height} />
      </button>
      <button
        type="button"
        className={`star-button${image.is_starred ? ' starred' : ''}`}
        aria-pressed={image.is_starred}
        aria-label="Star"
        onClick={() => void star()}
      >
        {image.is_starred ? '★' : '☆'}
      </button>
      <button type="button" className="expand-button" aria-label="View larger" title="View larger" onClick={() => openLightbox(image.id)}>
        ⤢
      </button>
      {error && <Alert tone="error">{error}</Alert>}
    </li>
  );
}

/** The gallery: boards on the side, thumbnails loaded a page at a time as the end of the grid scrolls into view. */
export function Gallery() {
  const { images, hasMore, loadingImages, galleryError, loadMore, filter, boards } = useImages();
  const end = useRef<HTMLDivElement>(null);

  // A new observer after every page: it reports at once whether the end is still in view, so a
  // tall window keeps loading until it is filled.
  useEffect(() => {
    const el = end.current;
    if (!el || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void useImages.getState().loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [images.length, hasMore]);

  // ← and → step through the gallery, opening each image's details and keeping its tile in view.
  const step = (by: number) => {
    const next = useImages.getState().step(by);
    if (next === null) return false;
    document.querySelector<HTMLElement>(`[data-testid="gallery-image"][data-id="${CSS.escape(next)}"] .gallery-open`)?.focus();
  };
  useShortcut('gallery-previous', () => step(-1));
  useShortcut('gallery-next', () => step(1));

  const board = boards?.find((b) => b.id === filter.boardId);
  const title = `${board ? board.name : 'Gallery'}${filter.starred ? ' · starred' : ''}`;

  return (
    <Card title={title} data-testid="gallery">
      <div className="gallery-layout">
        <BoardsSidebar />
        <div className="gallery-main">
          {galleryError && <Alert tone="error">{galleryError}</Alert>}
          {images.length === 0 && !loadingImages && !galleryError && (
            <p className="muted">
              {filter.boardId || filter.starred ? 'No images here yet.' : 'No images yet. Generate one with the form on the left.'}
            </p>
          )}
          <ul className="tile-grid gallery-grid" data-testid="gallery-grid">
            {images.map((i) => (
              <Tile key={i.id} image={i} />
            ))}
          </ul>
          <div ref={end} className="gallery-end">
            {loadingImages && <Spinner label="Loading images" />}
            {hasMore && !loadingImages && images.length > 0 && (
              <Button size="sm" variant="ghost" onClick={() => void loadMore()}>
                Load more
              </Button>
            )}
          </div>
        </div>
      </div>
    </Card>
  );
}
