import { useEffect, useState } from 'react';
import { Alert, Button, useAction } from '../../../components';
import { errorMessage } from '../../../api/client';
import { promoApi, type PromoPicture } from '../api';

const SOURCE: Record<PromoPicture['source'], string> = { site: 'From the site', upload: 'Yours', generated: 'Image Studio' };

/** A business's pictures in video order: move them, add your own, take some out. */
export function PicturesPanel({ userId, itemId }: { userId: string; itemId: string }) {
  const [pictures, setPictures] = useState<PromoPicture[]>([]);
  const { busy, error: problem, setError: setProblem, run } = useAction();

  useEffect(() => {
    promoApi.pictures(userId, itemId).then(
      (r) => setPictures(r.pictures),
      (err) => setProblem(errorMessage(err)),
    );
  }, [userId, itemId, setProblem]);

  const act = (change: () => Promise<{ pictures: PromoPicture[] }>) => run(async () => setPictures((await change()).pictures));
  const move = (from: number, to: number) => {
    const ids = pictures.map((p) => p.picture_id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id!);
    void act(() => promoApi.orderPictures(userId, itemId, ids));
  };

  return (
    <div className="promo-pictures" data-testid="promo-pictures">
      {problem && <Alert tone="error">{problem}</Alert>}
      {pictures.length === 0 && <p className="muted">No pictures yet: the next video takes the site's, or add your own.</p>}
      <ol aria-label="Pictures in video order">
        {pictures.map((p, i) => (
          <li key={p.picture_id} data-testid="promo-picture">
            <img src={p.url} alt={`Picture ${i + 1} (${SOURCE[p.source]})`} />
            <span className="muted">
              {i + 1}. {SOURCE[p.source]}
            </span>
            <div className="promo-picture-actions">
              <Button
                size="sm"
                variant="ghost"
                disabled={busy || i === 0}
                onClick={() => move(i, i - 1)}
                aria-label={`Move picture ${i + 1} earlier`}
              >
                ←
              </Button>
              <Button
                size="sm"
                variant="ghost"
                disabled={busy || i === pictures.length - 1}
                onClick={() => move(i, i + 1)}
                aria-label={`Move picture ${i + 1} later`}
              >
                →
              </Button>
              <Button
                size="sm"
                variant="ghost"
                disabled={busy}
                onClick={() => void act(() => promoApi.removePicture(userId, itemId, p.picture_id))}
                aria-label={`Remove picture ${i + 1}`}
              >
                ✕
              </Button>
            </div>
          </li>
        ))}
      </ol>
      <label className="btn btn-secondary btn-sm">
        Add a picture
        <input
          type="file"
          accept="image/*"
          hidden
          disabled={busy}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void act(() => promoApi.uploadPicture(userId, itemId, file));
          }}
        />
      </label>
    </div>
  );
}
