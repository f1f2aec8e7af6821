import { useState } from 'react';
import { Alert, Button, FilePicker } from '../../../components';
import { useImages } from '../store';

/** Draws an uploaded file at the form's size and encodes it: the server takes PNG, JPEG or WebP as base64. */
async function encodeUpload(file: File, width: number, height: number): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return canvas.toDataURL('image/jpeg', 0.9);
}

/** The starting image of image-to-image and inpainting: an upload, or a gallery image chosen with “Use as source”. */
export function SourcePicker({ width, height }: { width: number; height: number }) {
  const { source, setSource } = useImages();
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setError(null);
    try {
      const url = await encodeUpload(file, width, height);
      setSource({ ref: url, url, label: `${file.name} (uploaded, ${width}×${height})` });
    } catch {
      setError(`${file.name} could not be read as an image.`);
    }
  };

  return (
    <div className="source-picker" data-testid="source-picker">
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
        <p className="muted small">None yet: open an image in the gallery and choose “Use as source”, or upload one.</p>
      )}
      <FilePicker compact label="Upload image" accept="image/png,image/jpeg,image/webp" onFiles={([file]) => void upload(file!)} />
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
