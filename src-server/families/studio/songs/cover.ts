import crypto from 'node:crypto';
import sharp from 'sharp';

/**
 * Album covers drawn from a song's title, genre and mood, with no image model: the mood picks
 * the palette, the genre the pattern, the title seeds the layout, so the same song always gets
 * the same cover and two songs rarely share one. 1024×1024 PNG.
 */

const SIZE = 1024;

const PALETTES: Record<string, [string, string, string]> = {
  happy: ['#ffd166', '#ef476f', '#fff3c4'],
  joyful: ['#ffd166', '#ef476f', '#fff3c4'],
  sad: ['#1d3557', '#457b9d', '#a8dadc'],
  calm: ['#2a9d8f', '#8ecae6', '#e9f5db'],
  relaxed: ['#2a9d8f', '#8ecae6', '#e9f5db'],
  energetic: ['#f72585', '#7209b7', '#4cc9f0'],
  exciting: ['#f72585', '#7209b7', '#4cc9f0'],
  romantic: ['#ff8fab', '#fb6f92', '#ffe5ec'],
  dark: ['#0b090a', '#660708', '#a4161a'],
  mysterious: ['#240046', '#5a189a', '#c77dff'],
  dreamy: ['#cdb4db', '#a2d2ff', '#ffc8dd'],
};

type Pattern = (rand: () => number, colors: [string, string, string]) => string;

const circles: Pattern = (rand, [, b, c]) =>
  Array.from({ length: 14 }, () => {
    const r = 40 + rand() * 220;
    return `<circle cx="${(rand() * SIZE).toFixed(0)}" cy="${(rand() * SIZE).toFixed(0)}" r="${r.toFixed(0)}" fill="${rand() < 0.5 ? b : c}" fill-opacity="${(0.25 + rand() * 0.5).toFixed(2)}"/>`;
  }).join('');

const stripes: Pattern = (rand, [, b, c]) =>
  Array.from({ length: 12 }, (_, i) => {
    const w = 20 + rand() * 90;
    return `<rect x="${(i * 90 + rand() * 40).toFixed(0)}" y="-200" width="${w.toFixed(0)}" height="${SIZE + 400}" fill="${i % 2 ? b : c}" fill-opacity="0.6" transform="rotate(${(20 + rand() * 20).toFixed(0)} ${SIZE / 2} ${SIZE / 2})"/>`;
  }).join('');

const waves: Pattern = (rand, [, b, c]) =>
  Array.from({ length: 9 }, (_, i) => {
    const y = 80 + i * 110;
    const a = 30 + rand() * 70;
    const d = `M0 ${y} ${Array.from({ length: 9 }, (_, k) => `Q${k * 128 + 64} ${(y + (k % 2 ? a : -a)).toFixed(0)} ${(k + 1) * 128} ${y}`).join(' ')}`;
    return `<path d="${d}" stroke="${i % 2 ? b : c}" stroke-width="${(8 + rand() * 26).toFixed(0)}" fill="none" stroke-opacity="0.75" stroke-linecap="round"/>`;
  }).join('');

const grid: Pattern = (rand, [, b, c]) => {
  const cells: string[] = [];
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      if (rand() < 0.45) cells.push(`<rect x="${x * 128 + 8}" y="${y * 128 + 8}" width="112" height="112" rx="${(rand() * 56).toFixed(0)}" fill="${rand() < 0.5 ? b : c}" fill-opacity="0.7"/>`);
    }
  }
  return cells.join('');
};

const PATTERNS: Record<string, Pattern> = {
  pop: circles,
  kpop: circles,
  rock: stripes,
  metal: stripes,
  punk: stripes,
  jazz: waves,
  lofi: waves,
  ballad: waves,
  classical: waves,
  rnb: waves,
  electronic: grid,
  edm: grid,
  hiphop: grid,
  dance: grid,
};

const key = (text: string | null) => (text ?? '').toLowerCase().replace(/[^a-z]/g, '');

/** A deterministic generator from the song's words (mulberry32 over a SHA-256 seed). */
function seeded(text: string): () => number {
  let state = crypto.createHash('sha256').update(text).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashPalette(rand: () => number): [string, string, string] {
  const hue = Math.floor(rand() * 360);
  return [`hsl(${hue},55%,22%)`, `hsl(${(hue + 40) % 360},70%,55%)`, `hsl(${(hue + 180) % 360},65%,75%)`];
}

export async function drawCover(song: { title: string; genre: string | null; mood: string | null }): Promise<Buffer> {
  const rand = seeded(`${song.title}\u0000${song.genre ?? ''}\u0000${song.mood ?? ''}`);
  const colors = PALETTES[key(song.mood)] ?? hashPalette(rand);
  const patterns = Object.values(PATTERNS);
  const pattern = PATTERNS[key(song.genre)] ?? patterns[Math.floor(rand() * patterns.length)]!;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${colors[0]}"/><stop offset="1" stop-color="${colors[1]}"/></linearGradient></defs>` +
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#g)"/>${pattern(rand, colors)}</svg>`;
  return sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer();
}
