import type { Dispatch, SetStateAction, WheelEvent } from 'react';
import { Button } from '../../../components';
import { FIT_VIEW, zoomAt, type View } from '../canvas/geometry';

type SetView = Dispatch<SetStateAction<View>>;

/** −, the zoom in percent, + and Fit: the canvas's and the lightbox's zoom buttons. */
export function ZoomControls({ view, setView, testId }: { view: View; setView: SetView; testId: string }) {
  return (
    <span className="tool-group">
      <Button size="sm" variant="ghost" aria-label="Zoom out" onClick={() => setView((v) => zoomAt(v, 1 / 1.25))}>
        −
      </Button>
      <span className="small zoom-figure" data-testid={testId}>
        {Math.round(view.zoom * 100)}%
      </span>
      <Button size="sm" variant="ghost" aria-label="Zoom in" onClick={() => setView((v) => zoomAt(v, 1.25))}>
        +
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setView(FIT_VIEW)}>
        Fit
      </Button>
    </span>
  );
}

/** + and − zoom, 0 fits; whether the key was one of them. */
export function zoomKey(key: string, setView: SetView): boolean {
  if (key === '+' || key === '=') setView((v) => zoomAt(v, 1.25));
  else if (key === '-') setView((v) => zoomAt(v, 1 / 1.25));
  else if (key === '0') setView(FIT_VIEW);
  else return false;
  return true;
}

/** The wheel zooms around the pointer (its offset from the element's centre). */
export function wheelZoom(event: WheelEvent<HTMLElement>, setView: SetView): void {
  const rect = event.currentTarget.getBoundingClientRect();
  const at = { x: event.clientX - rect.left - rect.width / 2, y: event.clientY - rect.top - rect.height / 2 };
  setView((v) => zoomAt(v, event.deltaY < 0 ? 1.2 : 1 / 1.2, at));
}
