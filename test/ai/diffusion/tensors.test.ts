import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { chwToImage, floatTensor, fromFloat16, imageToChw, numberTensor, readFloats } from '../../../src-server/ai/diffusion/tensors';
import { toFloat16 } from '../../../src-server/ai/onnx/writer';

describe('float16', () => {
  it('decodes IEEE 754 half bits', () => {
    // 1, −2, the largest half (65504), the smallest subnormal (2^−24), 1/3 rounded, ±∞.
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0xfc00, 0x0000);
    expect([...fromFloat16(bits)]).toEqual([1, -2, 65504, 2 ** -24, 1365 / 4096, Infinity, -Infinity, 0]);
    expect(fromFloat16(Uint16Array.of(0x7e00))[0]).toBeNaN();
  });

  it('round-trips every finite half value through float32', () => {
    const all = Uint16Array.from({ length: 0x7c00 }, (_, i) => i);
    expect(toFloat16(fromFloat16(all))).toEqual(all);
  });
});

describe('feeds', () => {
  it('makes tensors of the type an input wants and reads floats back', () => {
    const x = Float32Array.of(0.5, -1.25);
    const half = floatTensor(ort, 'float16', x, [2], 'x');
    expect(half.type).toBe('float16');
    expect([...readFloats(half, 'x')]).toEqual([0.5, -1.25]);
    expect(floatTensor(ort, 'float32', x, [1, 2], 'x').dims).toEqual([1, 2]);
    expect(() => floatTensor(ort, 'int8', x, [2], 'unet sample')).toThrow(/unet sample is int8/);
    // numpy's float → int cast truncates: Euler's 946.42 becomes 946.
    expect([...(numberTensor(ort, 'int64', [946.42], [1], 't').data as BigInt64Array)]).toEqual([946n]);
    expect([...(numberTensor(ort, 'int32', [12.9], [1], 't').data as Int32Array)]).toEqual([12]);
    expect(numberTensor(ort, 'float32', [946.42], [], 't').data[0]).toBeCloseTo(946.42, 3);
  });
});

describe('images', () => {
  it('maps bytes to [−1, 1] planes and back', () => {
    const rgb = Uint8Array.of(0, 128, 255, 10, 20, 30); // two pixels
    const chw = imageToChw(rgb, 2, 1);
    expect([...chw].map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, -0.9216, 0.0039, -0.8431, 1, -0.7647]);
    expect(chwToImage(chw, 2, 1)).toEqual(rgb);
    // Out of range clamps; NaN (an fp16 VAE overflowing) is black.
    expect([...chwToImage(Float32Array.of(2, -3, Number.NaN), 1, 1)]).toEqual([255, 0, 0]);
    expect(() => imageToChw(rgb, 3, 1)).toThrow(/9 bytes, got 6/);
  });
});
