import { loadSharp } from '../../../media/lazy';
import { guardedGet } from '../crawl/guard';
import type { CrawlPolicy } from '../crawl/crawl';

export interface CollectedImages {
  /** The pictures that passed, best first (as fetched; `cropToFrame` fits each to the video). */
  pictures: Buffer[];
  /** Why candidates were left out, for the task's message. */
  skipped: { url: string; reason: string }[];
}

/** A 64-bit average hash of an 8×8 grey thumbnail: the same picture at two sizes hashes alike. */
async function averageHash(image: Buffer): Promise<bigint> {
  const sharp = await loadSharp();
  const px = await sharp(image).resize(8, 8, { fit: 'fill' }).greyscale().raw().toBuffer();
  const mean = px.reduce((s, v) => s + v, 0) / px.length;
  let hash = 0n;
  for (const v of px) hash = (hash << 1n) | (v >= mean ? 1n : 0n);
  return hash;
}

const hamming = (a: bigint, b: bigint) => {
  let x = a ^ b;
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
};

/** A picture cropped to the frame around what sharp's attention strategy finds most salient. */
export async function cropToFrame(picture: Buffer, width: number, height: number, output: string): Promise<void> {
  const sharp = await loadSharp();
  await sharp(picture)
    .rotate()
    .resize(width, height, { fit: 'cover', position: sharp.strategy.attention })
    .jpeg({ quality: 90 })
    .toFile(output);
}

/**
 * Stage 4: the site's own pictures through the same guard as the pages, kept when sharp can read
 * them and their shorter side is at least `minShortSide`, near-duplicates dropped.
 */
export async function collectImages(
  urls: string[],
  opts: { policy: CrawlPolicy; minShortSide: number; max: number; signal: AbortSignal },
): Promise<CollectedImages> {
  const pictures: Buffer[] = [];
  const skipped: CollectedImages['skipped'] = [];
  const seen: bigint[] = [];
  const sharp = await loadSharp();
  for (const url of urls) {
    if (pictures.length >= opts.max) break;
    opts.signal.throwIfAborted();
    try {
      const got = await guardedGet(url, {
        allow: opts.policy.allow,
        maxBytes: opts.policy.imageMaxBytes,
        timeoutMs: opts.policy.timeoutMs,
        signal: opts.signal,
        accept: 'image/*',
      });
      if (got.status >= 400) throw new Error(`HTTP ${got.status}`);
      const meta = await sharp(got.body).metadata();
      const short = Math.min(meta.width ?? 0, meta.height ?? 0);
      if (short < opts.minShortSide)
        throw new Error(`${meta.width}×${meta.height} is smaller than ${opts.minShortSide} px on its shorter side`);
      const hash = await averageHash(got.body);
      if (seen.some((h) => hamming(h, hash) <= 4)) throw new Error('a duplicate of an earlier picture');
      seen.push(hash);
      pictures.push(got.body);
    } catch (err) {
      if (opts.signal.aborted) throw err;
      skipped.push({ url, reason: (err as Error).message });
    }
  }
  return { pictures, skipped };
}
