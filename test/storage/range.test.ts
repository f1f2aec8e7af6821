import { describe, expect, it } from 'vitest';
import { contentDisposition, parseRange } from '../../src-server/storage/range';

describe('parseRange', () => {
  const size = 100;
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=10-19', { start: 10, end: 19 }],
    ['bytes=99-99', { start: 99, end: 99 }],
    ['bytes=50-', { start: 50, end: 99 }],
    ['bytes=99-', { start: 99, end: 99 }],
    ['bytes=-1', { start: 99, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-100', { start: 0, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=90-5000', { start: 90, end: 99 }],
    ['BYTES = 1 - 2', null],
    ['Bytes=1-2', { start: 1, end: 2 }],
    ['bytes= 1 - 2 ', { start: 1, end: 2 }],
  ])('%s', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=1000-', 'bytes=-0'])('%s is unsatisfiable', (header) => {
    expect(parseRange(header, size)).toBe('unsatisfiable');
  });

  it('any range of an empty file is unsatisfiable', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
  });

  it.each([undefined, '', 'bytes=', 'bytes=-', 'bytes=5-1', 'bytes=a-b', 'items=0-1', 'bytes=0-1,5-6', 'bytes=0-1, 3-'])(
    '%j means the whole file',
    (header) => {
      expect(parseRange(header, size)).toBeNull();
    },
  );
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('My Song.mp3')).toBe(`attachment; filename="My Song.mp3"; filename*=UTF-8''My%20Song.mp3`);
    expect(contentDisposition('Café "live" (1).mp3')).toBe(
      `attachment; filename="Caf_ _live_ (1).mp3"; filename*=UTF-8''Caf%C3%A9%20%22live%22%20%281%29.mp3`,
    );
  });
});
