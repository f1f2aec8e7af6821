/**
 * Recognises the containers browsers record into (MediaRecorder: WebM/Opus in Chromium, Ogg/Opus
 * in Firefox) and FLAC, by their first bytes. The stage family's sniffer covers WAV, MP3, AAC and
 * M4A; callers try that one first. The bytes only say which parser to trust: music-metadata must
 * then read the whole file as that container (see `containerAgrees`).
 */

export type RecordedContainer = 'ogg' | 'webm' | 'flac';

export const CONTAINER_CONTENT_TYPES: Record<RecordedContainer, string> = {
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  flac: 'audio/flac',
};

/** How many leading bytes `sniffContainer` needs. */
export const CONTAINER_HEAD_BYTES = 64;

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

export function sniffContainer(head: Buffer): RecordedContainer | null {
  if (head.length >= 28 && head.toString('latin1', 0, 4) === 'OggS' && head[4] === 0) return 'ogg';
  if (head.length >= 42 && head.toString('latin1', 0, 4) === 'fLaC' && (head[4]! & 0x7f) === 0) return 'flac';
  // The DocType sits in the EBML header, within its first few dozen bytes.
  if (head.length >= 16 && head.subarray(0, 4).equals(EBML_MAGIC) && head.subarray(0, CONTAINER_HEAD_BYTES).includes('webm', 0, 'latin1'))
    return 'webm';
  return null;
}

/** What music-metadata must report for a file of each sniffed container: audio, and no picture track. */
export function containerAgrees(
  container: RecordedContainer,
  meta: { container?: string; codec?: string; hasAudio?: boolean; hasVideo?: boolean },
): boolean {
  if (meta.hasVideo === true || meta.hasAudio === false) return false;
  const name = (meta.container ?? '').toLowerCase();
  switch (container) {
    case 'ogg':
      return name.startsWith('ogg') && meta.codec !== undefined;
    case 'webm':
      return name.includes('webm') && meta.codec !== undefined;
    case 'flac':
      return name === 'flac';
  }
}
