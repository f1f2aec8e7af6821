import zlib from 'node:zlib';

/**
 * PNG text chunks (PNG spec §11.3.4): sharp/libvips cannot write arbitrary tEXt/iTXt keywords,
 * so the generation parameters are inserted after IHDR here, each chunk with its CRC-32. Latin-1
 * text goes in tEXt (what every reader knows); anything else (a Korean prompt) in uncompressed iTXt.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(...parts: Buffer[]): number {
  let c = 0xffffffff;
  for (const part of parts) for (const byte of part) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data and the CRC-32 of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(head.subarray(4), data), 0);
  return Buffer.concat([head, data, crc]);
}

// eslint-disable-next-line no-control-regex -- PNG tEXt is Latin-1: every code point up to U+00FF, controls included
const isLatin1 = (s: string) => /^[\u0000-\u00ff]*$/.test(s);

function textChunk(keyword: string, text: string): Buffer {
  if (!/^[\u0020-\u007e]{1,79}$/.test(keyword) || keyword !== keyword.trim()) throw new RangeError(`invalid PNG text keyword "${keyword}"`);
  if (isLatin1(text))
    return pngChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]));
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text
  return pngChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

function assertPng(png: Buffer): void {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR')
    throw new TypeError('not a PNG file');
}

/** The PNG with the entries as text chunks right after IHDR. */
export function withPngText(png: Buffer, entries: Record<string, string>): Buffer {
  assertPng(png);
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const chunks = Object.entries(entries).map(([k, v]) => textChunk(k, v));
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

function inflated(data: Buffer): Buffer | undefined {
  try {
    return zlib.inflateSync(data);
  } catch {
    return undefined;
  }
}

/** The tEXt, zTXt and iTXt entries of a PNG; chunks with a wrong CRC or broken compression are skipped. */
export function readPngText(png: Buffer): Record<string, string> {
  assertPng(png);
  const out: Record<string, string> = {};
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    if (crc === crc32(png.subarray(at + 4, at + 8), data)) {
      const nul = data.indexOf(0);
      if (type === 'tEXt' && nul > 0) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
      if (type === 'iTXt' && nul > 0) {
        const lang = data.indexOf(0, nul + 3);
        const translated = data.indexOf(0, lang + 1);
        const text = data.subarray(translated + 1);
        // Compressed iTXt (flag 1) is zlib, as other tools write long metadata.
        const value = data[nul + 1] === 0 ? text.toString('utf8') : inflated(text)?.toString('utf8');
        if (value !== undefined) out[data.toString('latin1', 0, nul)] = value;
      }
      if (type === 'zTXt' && nul > 0) {
        const value = inflated(data.subarray(nul + 2))?.toString('latin1');
        if (value !== undefined) out[data.toString('latin1', 0, nul)] = value;
      }
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return out;
}
