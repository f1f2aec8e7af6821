import { useState } from 'react';
import { Alert, Button, FilePicker } from '../../../components';
import { uploadedSource } from '../canvas/drag';
import { useImages } from '../store';
import { DropZone } from './DropZone';

/** The starting image of image-to-image and inpainting: an upload, a gallery image dropped here, or one chosen with “Use as source”. */
export function SourcePicker({ width, height }: { width: number; height: number }) {
  const { source, setSource } = useImages();
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setError(null);
    try {
      setSource(await uploadedSource(file, width, height));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <DropZone className="source-picker" data-testid="source-picker" label="Drop an image here to start from it" onError={setError}>
      <span className="field-label">Starting image</span>
      {source ? (
        <div className="source-current">
          <img src={source.url} alt="Starting image" className="source-thumb" />
          <span className="small">{source.label}</span>
          <Button size="sm" variant="ghost" onClick={() => setSource(null)}>
            Clear starting image
          </Button>
        </div>
      ) : (
        <p className="muted small">
          None yet: drag one here from the gallery or the desktop, choose “Use as source” on an image, or upload one.
        </p>
      )}
      <FilePicker compact label="Upload image" accept="image/png,image/jpeg,image/webp" onFiles={([file]) => void upload(file!)} />
      {error && <Alert tone="error">{error}</Alert>}
    </DropZone>
  );
}
