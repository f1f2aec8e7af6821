import { ZipFile } from 'yazl';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Stored as is (mimetype, already compressed audio and pictures) rather than deflated. */
  store?: boolean;
}

/** A fixed date keeps the same book byte-identical from one export to the next. */
const FIXED_MTIME = new Date(1980, 0, 1);

/**
 * A ZIP archive in memory, entries in the order added. DOS timestamps only: EPUB readers want
 * `mimetype` first, stored, with no extra field (yazl's extended timestamp is one).
 */
export function zip(entries: ZipEntry[]): Promise<Buffer> {
  const archive = new ZipFile();
  for (const e of entries) {
    archive.addBuffer(e.data, e.name, { compress: !e.store, mtime: FIXED_MTIME, forceDosTimestamp: true });
  }
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('error', reject);
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
