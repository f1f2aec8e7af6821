import zlib from 'node:zlib';
import { toneWav } from '../helpers/wav';

/** Half a second of a 440 Hz tone, 16-bit mono PCM WAV. */
const wav = () => toneWav(440, 0.5, 16_000, 8000);

function crc32(data: Buffer): number {
  let c = ~0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A 2×2 RGB PNG. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const GLTF = JSON.stringify({ asset: { version: '2.0' }, scenes: [{ nodes: [] }], scene: 0 });

/** A small valid file of the kind a multipart field's description asks for. */
export function filePartFor(description: string): { value: Buffer; filename: string; contentType: string } {
  if (/gl(tf|b)|fbx|model/i.test(description)) return { value: Buffer.from(GLTF), filename: 'fuzz.gltf', contentType: 'model/gltf+json' };
  if (/png|jpe?g|webp|image/i.test(description)) return { value: png(), filename: 'fuzz.png', contentType: 'image/png' };
  return { value: wav(), filename: 'fuzz.wav', contentType: 'audio/wav' };
}
