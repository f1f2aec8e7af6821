import { useState, type DragEvent, type ReactNode } from 'react';
import { carriesImage, droppedSource } from '../canvas/drag';
import { useImages } from '../store';
import type { Mode } from '../store/settings';

/**
 * Handlers that make an element take a dropped image (a gallery tile or a file from the desktop)
 * as the starting image, switching the form to `mode` when one is given; `over` while a drag hovers.
 */
export function useImageDrop(mode: Mode | null, onError: (message: string | null) => void) {
  const [over, setOver] = useState(false);
  const takes = (event: DragEvent) => {
    if (!carriesImage(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  return {
    over,
    handlers: {
      onDragEnter: takes,
      onDragOver: takes,
      onDragLeave: () => setOver(false),
      onDrop: (event: DragEvent) => {
        if (!carriesImage(event)) return;
        event.preventDefault();
        setOver(false);
        onError(null);
        const { settings, setSource, setMode } = useImages.getState();
        droppedSource(event, settings.width, settings.height).then(
          (source) => {
            if (!source) return;
            setSource(source);
            if (mode) setMode(mode);
          },
          (err: Error) => onError(err.message),
        );
      },
    },
  };
}

/** A region that takes a dropped image as the starting image. */
export function DropZone(props: {
  className?: string;
  label: string;
  mode?: Mode;
  onError: (message: string | null) => void;
  children: ReactNode;
  'data-testid'?: string;
}) {
  const { over, handlers } = useImageDrop(props.mode ?? null, props.onError);
  return (
    <div
      className={`drop-zone ${props.className ?? ''}${over ? ' drop-over' : ''}`}
      data-testid={props['data-testid']}
      aria-description={props.label}
      {...handlers}
    >
      {props.children}
    </div>
  );
}
