import type { Metadata } from 'sharp';
import { loadSharp } from '../../../media/lazy';
import { sizeLimits } from '../../../ai/diffusion/pipeline';
import type { SdBase } from '../../../ai/diffusion/model-folder';
import type { FileStore } from '../../../storage/file-store';
import type { ImageService } from '../images/service';
import { errors } from '../errors';

/** Largest side of a source image we accept (bigger ones are almost surely a mistake and cost memory). */
export const MAX_SOURCE_SIDE = 4096;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

const invalid = (field: string, message: string) => errors.error('INVALID_PARAMETERS', message, { field });

export interface SourceImage {
  /** The image as PNG, whatever it came as. */
  png: Buffer;
  width: number;
  height: number;
  /** How the request named it, for the job's recorded parameters. */
  ref: string;
}

/** Reads "image_id_or_base64": one of the caller's gallery images, or a base64 PNG, JPEG or WebP. */
export async function readImageRef(
  value: string,
  field: string,
  userId: string,
  images: ImageService,
  storage: FileStore,
): Promise<SourceImage> {
  let bytes: Buffer;
  let ref: string;
  if (UUID.test(value)) {
    const row = images.owned(userId, value.toLowerCase());
    bytes = await storage.get(row.fileKey);
    ref = row.id;
  } else {
    const text = value.replace(DATA_URL, '').replace(/\s+/g, '');
    if (!BASE64.test(text)) throw invalid(field, `${field} must be an image id from your gallery or a base64-encoded image`);
    bytes = Buffer.from(text, 'base64');
    ref = `base64 (${bytes.length} bytes)`;
  }
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw invalid(field, `${field} is not an image sharp can read (PNG, JPEG or WebP expected)`);
  }
  if (!meta.format || !['png', 'jpeg', 'webp'].includes(meta.format))
    throw invalid(field, `${field} must be a PNG, JPEG or WebP image, got ${meta.format ?? 'an unknown format'}`);
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width < 1 || height < 1 || width > MAX_SOURCE_SIDE || height > MAX_SOURCE_SIDE) {
    throw invalid(field, `${field} must be at most ${MAX_SOURCE_SIDE}×${MAX_SOURCE_SIDE} pixels, got ${width}×${height}`);
  }
  const png = meta.format === 'png' && !meta.orientation ? bytes : await sharp(bytes).autoOrient().png().toBuffer();
  return { png, width, height, ref };
}

export interface ModelShape {
  base: SdBase;
  sampleSize: number;
}

const round8 = (v: number) => Math.max(8, Math.round(v / 8) * 8);

/** Refuses a size the model cannot make, naming the field, its base and the bounds. */
export function checkSize(model: ModelShape, baseName: string, width: number, height: number): void {
  const { min, max } = sizeLimits(model);
  for (const [field, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v % 8 !== 0 || v < min || v > max) {
      throw errors.error(
        'INVALID_PARAMETERS',
        `${field} must be a multiple of 8 from ${min} to ${max} for this ${baseName} model (native ${model.sampleSize}), got ${v}`,
        { field, min, max, multiple_of: 8 },
      );
    }
  }
}

/** A source's size scaled so its longer side is the model's native size, kept in bounds and to multiples of 8. */
export function fitSize(model: ModelShape, width: number, height: number): { width: number; height: number } {
  const { min, max } = sizeLimits(model);
  const scale = model.sampleSize / Math.max(width, height);
  const clamp = (v: number) => Math.min(max, Math.max(min, round8(v * scale)));
  return { width: clamp(width), height: clamp(height) };
}
