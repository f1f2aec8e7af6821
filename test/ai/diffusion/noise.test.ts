import { describe, expect, it } from 'vitest';
import { GaussianNoise, gaussianNoise, MAX_SEED, philox4x32, resolveSeed } from '../../../src-server/ai/diffusion/noise';

/** Philox 4x32-10 in BigInt arithmetic: the specification's 64-bit products, no 16-bit splitting. */
function philoxReference(counter: number[], key: number[]): number[] {
  const mask = 0xffffffffn;
  let c = counter.map(BigInt);
  let k = key.map(BigInt);
  for (let round = 0; round < 10; round++) {
    if (round > 0) k = [(k[0]! + 0x9e3779b9n) & mask, (k[1]! + 0xbb67ae85n) & mask];
    const p0 = 0xd2511f53n * c[0]!;
    const p1 = 0xcd9e8d57n * c[2]!;
    c = [(p1 >> 32n) ^ c[1]! ^ k[0]!, p1 & mask, (p0 >> 32n) ^ c[3]! ^ k[1]!, p0 & mask];
  }
  return c.map(Number);
}

describe('Philox 4x32-10', () => {
  it("matches Random123's known-answer vectors", () => {
    expect([...philox4x32([0, 0, 0, 0], [0, 0])]).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect([...philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])]).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect([...philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])]).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it('agrees with a BigInt implementation on scattered inputs', () => {
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 200; i++) {
      const counter = [next(), next(), next(), next()];
      const key = [next(), next()];
      expect([...philox4x32(counter, key)]).toEqual(philoxReference(counter, key));
    }
  });
});

describe('GaussianNoise', () => {
  it('is Box–Muller on the Philox words of (block, seed)', () => {
    const seed = 42;
    const expected: number[] = [];
    for (let block = 0; block < 3; block++) {
      const w = philoxReference([block, 0, 0, 0], [seed, 0]);
      for (const [a, b] of [
        [w[0]!, w[1]!],
        [w[2]!, w[3]!],
      ] as const) {
        const r = Math.sqrt(-2 * Math.log((a + 1) / 2 ** 32));
        expected.push(Math.fround(r * Math.cos((2 * Math.PI * b) / 2 ** 32)), Math.fround(r * Math.sin((2 * Math.PI * b) / 2 ** 32)));
      }
    }
    const got = gaussianNoise(seed, 12);
    for (let i = 0; i < 12; i++) expect(got[i]).toBeCloseTo(expected[i]!, 6);
  });

  it('gives the same values for a seed however they are drawn', () => {
    const whole = gaussianNoise(1234, 1000);
    expect(gaussianNoise(1234, 1000)).toEqual(whole);
    const g = new GaussianNoise(1234);
    const parts = [g.normal(3), g.normal(5), g.normal(0), g.normal(992)];
    expect(Float32Array.from(parts.flatMap((p) => [...p]))).toEqual(whole);
    expect(g.position).toBe(1000);
    expect(gaussianNoise(1235, 1000)).not.toEqual(whole);
    expect(gaussianNoise(1234, 1000, 1)).not.toEqual(whole);
  });

  it('has mean 0, variance 1 and the normal share within one σ', () => {
    const n = 1 << 20;
    const z = gaussianNoise(7, n);
    let sum = 0;
    let sq = 0;
    let within = 0;
    for (const v of z) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) < 1) within++;
    }
    const mean = sum / n;
    // Standard errors: 1/√n ≈ 0.001 for the mean, √(2/n) ≈ 0.0014 for the variance; 5 of them allowed.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(0.007);
    expect(Math.abs(within / n - 0.682689)).toBeLessThan(0.0025);
  });
});

describe('resolveSeed', () => {
  it('keeps a given seed and draws a 32-bit one for −1', () => {
    expect(resolveSeed(0)).toBe(0);
    expect(resolveSeed(MAX_SEED)).toBe(MAX_SEED);
    const drawn = new Set(Array.from({ length: 20 }, () => resolveSeed(-1)));
    for (const s of drawn) expect(Number.isInteger(s) && s >= 0 && s <= MAX_SEED).toBe(true);
    expect(drawn.size).toBeGreaterThan(1);
    expect(Number.isInteger(resolveSeed())).toBe(true);
  });

  it('refuses anything else', () => {
    for (const bad of [-2, 1.5, MAX_SEED + 1, Number.NaN]) expect(() => resolveSeed(bad)).toThrow(RangeError);
    expect(() => new GaussianNoise(-1)).toThrow(/resolveSeed/);
  });
});
