import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32, readPngText, withPngText } from '../../src-server/families/canvas/images/png-text';

const png = () =>
  sharp({ create: { width: 4, height: 3, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();

describe('PNG text chunks', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes Latin-1 text as tEXt and other text as iTXt, and the image still decodes', async () => {
    const out = withPngText(await png(), { parameters: 'a fox\nSteps: 3, Seed: 7', prompt: '눈 속의 여우' });
    expect(out.includes(Buffer.from('tEXtparameters'))).toBe(true);
    expect(out.includes(Buffer.from('iTXtprompt'))).toBe(true);
    expect(readPngText(out)).toEqual({ parameters: 'a fox\nSteps: 3, Seed: 7', prompt: '눈 속의 여우' });
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([4, 3]);
    expect([...data.subarray(0, 3)]).toEqual([0x33, 0x66, 0x99]);
  });

  it('skips a chunk whose CRC does not match', async () => {
    const out = withPngText(await png(), { parameters: 'abc' });
    const at = out.indexOf(Buffer.from('abc'));
    out[at] = 'x'.charCodeAt(0);
    expect(readPngText(out)).toEqual({});
  });

  it('refuses what is not a PNG and keywords PNG does not allow', async () => {
    expect(() => withPngText(Buffer.from('GIF89a..........................'), {})).toThrow(/not a PNG/);
    expect(() => withPngText(Buffer.alloc(0), {})).toThrow(/not a PNG/);
    await expect(png().then((p) => withPngText(p, { ' bad': 'x' }))).rejects.toThrow(/keyword/);
  });
});
