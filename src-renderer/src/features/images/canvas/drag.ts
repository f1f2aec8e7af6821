import type { DragEvent } from 'react';
import type { ImageSummary } from '../api';
import type { SourceImage } from '../store/settings';

/** The drag data type of a gallery image: its id, full-size URL and prompt as JSON. */
export const IMAGE_DRAG_TYPE = 'application/x-atelier-image';

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp'];

/** A gallery tile being dragged: drop targets take it as a source by id. */
export function dragImage(event: DragEvent, image: ImageSummary): void {
  const source: SourceImage = { ref: image.id, url: image.full_url, label: `From the gallery: ${image.metadata.prompt || image.id}` };
  event.dataTransfer.setData(IMAGE_DRAG_TYPE, JSON.stringify(source));
  event.dataTransfer.setData('text/uri-list', image.full_url);
  event.dataTransfer.effectAllowed = 'copy';
}

/** Whether a drag carries something a drop target takes: a gallery image or a file. */
export const carriesImage = (event: DragEvent): boolean =>
  event.dataTransfer.types.includes(IMAGE_DRAG_TYPE) || event.dataTransfer.types.includes('Files');

/** Draws an uploaded file at the form's size and encodes it: the server takes PNG, JPEG or WebP as base64. */
export async function encodeUpload(file: File, width: number, height: number): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return canvas.toDataURL('image/jpeg', 0.9);
}

/** An uploaded file as a starting image, drawn at the form's size. */
export async function uploadedSource(file: File, width: number, height: number): Promise<SourceImage> {
  if (!ACCEPTED.includes(file.type)) throw new Error(`${file.name} is not a PNG, JPEG or WebP image.`);
  try {
    const url = await encodeUpload(file, width, height);
    return { ref: url, url, label: `${file.name} (uploaded, ${width}×${height})` };
  } catch {
    throw new Error(`${file.name} could not be read as an image.`);
  }
}

/** The starting image a drop carries: a gallery image, or the first image file from the desktop; null for anything else. */
export async function droppedSource(event: DragEvent, width: number, height: number): Promise<SourceImage | null> {
  const gallery = event.dataTransfer.getData(IMAGE_DRAG_TYPE);
  if (gallery) return JSON.parse(gallery) as SourceImage;
  const file = event.dataTransfer.files[0];
  return file ? uploadedSource(file, width, height) : null;
}
