import crypto from 'node:crypto';

/** `<ms>-<random>`, the file-name stem the spec's paths show (`1234567890-abc123`). */
export function fileStem(now: number): string {
  return `${now}-${randomBase36(9)}`;
}

/** Lowercase letters and digits, uniformly drawn. */
export function randomBase36(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of crypto.randomBytes(length)) {
      // 252 = 7 * 36: bytes above it would favour the first digits.
      if (b < 252 && out.length < length) out += (b % 36).toString(36);
    }
  }
  return out;
}
