/**
 * Tells the four accepted audio formats apart by their bytes, never by the file name. A
 * frame-based stream (MP3, ADTS AAC) must show several consecutive well-formed frames, so a
 * stray sync word in random data is not enough; music-metadata then reads the stored file.
 */

export type AudioFormat = 'mp3' | 'aac' | 'm4a' | 'wav';

export const AUDIO_CONTENT_TYPES: Record<AudioFormat, string> = {
  // The spec's own header for MP3; browsers play it like audio/mpeg.
  mp3: 'audio/mp3',
  aac: 'audio/aac',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
};

/** How far past the tags a frame stream's first frame may start (encoder padding, junk). */
const SYNC_SEARCH = 4096;
const FRAMES_TO_CHECK = 3;
/** Bytes after the tags that always hold FRAMES_TO_CHECK frames of either kind (ADTS frames are < 8 KiB). */
export const FRAME_WINDOW = SYNC_SEARCH + FRAMES_TO_CHECK * 8192;
/** Largest ID3v2 tag we read past (cover art included); larger ones are refused rather than buffered. */
export const MAX_ID3_BYTES = 16 * 1024 * 1024;

/** Length of the ID3v2 tag at the start of `buf` (header and footer included), 0 when there is none. */
export function id3Length(buf: Buffer): number {
  if (buf.length < 10 || buf.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((buf[6]! & 0x7f) << 21) | ((buf[7]! & 0x7f) << 14) | ((buf[8]! & 0x7f) << 7) | (buf[9]! & 0x7f);
  const hasFooter = (buf[5]! & 0x10) !== 0;
  return 10 + size + (hasFooter ? 10 : 0);
}

const MP3_BITRATES = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Frame {
  length: number;
  /** Fields that stay the same from frame to frame of one stream. */
  signature: number;
}

/** An MPEG audio Layer III frame header at `at`. */
function mp3Frame(buf: Buffer, at: number): Frame | null {
  if (at + 4 > buf.length || buf[at] !== 0xff || (buf[at + 1]! & 0xe0) !== 0xe0) return null;
  const version = (buf[at + 1]! >> 3) & 3;
  const layer = (buf[at + 1]! >> 1) & 3;
  if (version === 1 || layer !== 1) return null;
  const bitrateIndex = buf[at + 2]! >> 4;
  const rateIndex = (buf[at + 2]! >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const bitrate = (version === 3 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)[bitrateIndex]! * 1000;
  const sampleRate = MP3_SAMPLE_RATES[version]![rateIndex]!;
  const padding = (buf[at + 2]! >> 1) & 1;
  const length = Math.floor(((version === 3 ? 144 : 72) * bitrate) / sampleRate) + padding;
  return { length, signature: (version << 4) | (rateIndex << 2) | layer };
}

/** An ADTS (raw AAC) frame header at `at`. */
function adtsFrame(buf: Buffer, at: number): Frame | null {
  if (at + 7 > buf.length || buf[at] !== 0xff || (buf[at + 1]! & 0xf6) !== 0xf0) return null;
  const rateIndex = (buf[at + 2]! >> 2) & 0xf;
  if (rateIndex > 12) return null;
  const length = ((buf[at + 3]! & 0x03) << 11) | (buf[at + 4]! << 3) | (buf[at + 5]! >> 5);
  const headerLength = (buf[at + 1]! & 1) === 1 ? 7 : 9;
  if (length <= headerLength) return null;
  return { length, signature: (buf[at + 1]! & 0x08) | (rateIndex << 4) | ((buf[at + 2]! >> 6) << 8) };
}

/**
 * True when frames chain from `start`: FRAMES_TO_CHECK of them, or every frame of a shorter
 * file whose end (`atEnd`) the buffer holds.
 */
function framesChain(buf: Buffer, start: number, read: (b: Buffer, at: number) => Frame | null, atEnd: boolean): boolean {
  let at = start;
  let signature: number | null = null;
  for (let count = 0; count < FRAMES_TO_CHECK; count++) {
    if (atEnd && count > 0 && at === buf.length) return true;
    const frame = read(buf, at);
    if (!frame || (signature !== null && frame.signature !== signature)) return false;
    signature = frame.signature;
    at += frame.length;
    if (at > buf.length) return atEnd ? false : count > 0;
  }
  return true;
}

function frameStream(buf: Buffer, start: number, atEnd: boolean): AudioFormat | null {
  const limit = Math.min(buf.length, start + SYNC_SEARCH);
  for (let at = start; at < limit; at++) {
    if (buf[at] !== 0xff) continue;
    if (framesChain(buf, at, mp3Frame, atEnd)) return 'mp3';
    if (framesChain(buf, at, adtsFrame, atEnd)) return 'aac';
  }
  return null;
}

function isWave(buf: Buffer): boolean {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return false;
  // The format chunk comes before the samples; walk the chunks up to it.
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') return at + 16 <= buf.length && buf.readUInt16LE(at + 10) > 0 && buf.readUInt32LE(at + 12) > 0;
    if (id === 'data') return false;
    at += 8 + size + (size % 2);
  }
  return false;
}

/** An ISO base media file (MP4/M4A): its first box is `ftyp`. */
function isIsoMedia(buf: Buffer): boolean {
  return buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp' && buf.readUInt32BE(0) >= 12;
}

/**
 * The format of an upload from its first bytes: at least `id3Length(head) + FRAME_WINDOW` of
 * them, or the whole file (`atEnd`). Null when it is none of the accepted four.
 */
export function sniffAudio(head: Buffer, atEnd: boolean): AudioFormat | null {
  if (isWave(head)) return 'wav';
  if (isIsoMedia(head)) return 'm4a';
  return frameStream(head, id3Length(head), atEnd);
}

/** What music-metadata must report for a stored file of each sniffed format. */
export function metadataAgrees(format: AudioFormat, meta: { container?: string; codec?: string; hasVideo?: boolean }): boolean {
  const container = meta.container ?? '';
  switch (format) {
    case 'wav':
      return container === 'WAVE';
    case 'mp3':
      return container === 'MPEG' && /Layer 3/.test(meta.codec ?? '');
    case 'aac':
      return container.startsWith('ADTS');
    case 'm4a':
      // A video file is an MP4 too; only audio-only ones with a known codec are music.
      return meta.codec !== undefined && meta.hasVideo !== true;
  }
}
