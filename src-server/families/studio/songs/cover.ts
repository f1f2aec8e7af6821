import crypto from 'node:crypto';
import { loadSharp } from '../../../media/lazy';

/**
 * Album covers from a song's title, genre and mood, 1024×1024 PNG, with the title typeset on
 * them. Without an image model (`drawCover`): the mood picks the palette, the genre the pattern,
 * the title seeds the layout, so the same song always gets the same cover and two songs rarely
 * share one. With one (`finishCover`): the diffusion engine's picture, scaled up, under the same
 * typography. `coverPrompt` and `coverSeed` turn the words into the engine's input.
 */

export const COVER_SIZE = 1024;
const SIZE = COVER_SIZE;

export interface CoverWords {
  title: string;
  genre: string | null;
  mood: string | null;
}

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
      if (rand() < 0.45)
        cells.push(
          `<rect x="${x * 128 + 8}" y="${y * 128 + 8}" width="112" height="112" rx="${(rand() * 56).toFixed(0)}" fill="${rand() < 0.5 ? b : c}" fill-opacity="0.7"/>`,
        );
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

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Roughly how wide a character sets in em: CJK and other wide scripts take a full em. */
const charWidth = (c: string) =>
  /[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/.test(c) ? 1 : /[A-Z0-9MW]/.test(c) ? 0.68 : 0.56;
const textWidth = (text: string) => [...text].reduce((w, c) => w + charWidth(c), 0);

/** Breaks the title into at most three lines at spaces, balanced against `maxEm` per line. */
function titleLines(title: string, maxEm: number): string[] {
  const words = title.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidth(`${last} ${word}`) <= maxEm) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  if (lines.length <= 3) return lines;
  return [...lines.slice(0, 2), `${lines.slice(2).join(' ')}`];
}

const FONTS = `'DejaVu Sans','Noto Sans CJK KR','Noto Sans KR','Apple SD Gothic Neo','Malgun Gothic','Segoe UI','Helvetica Neue',Arial,sans-serif`;

/**
 * The title (and genre · mood beneath it) set in the lower third over a dark fade, sized to fit
 * 88% of the width, so it reads on any picture: an SVG sharp composites over the art.
 */
export function typography(words: CoverWords): string {
  const title = words.title.trim();
  const lines = titleLines(title, 14);
  const widest = Math.max(...lines.map(textWidth), 1);
  const fontSize = Math.round(Math.min(150, Math.max(44, (SIZE * 0.88) / widest)));
  const lineHeight = Math.round(fontSize * 1.08);
  const tagline = [words.genre, words.mood]
    .filter((w): w is string => Boolean(w && w.trim()))
    .map((w) => w.trim().toUpperCase())
    .join('  ·  ');
  const bottom = SIZE - 72 - (tagline ? 56 : 0);
  const first = bottom - (lines.length - 1) * lineHeight;
  const text = lines
    .map(
      (line, i) =>
        `<text x="64" y="${first + i * lineHeight}" font-family="${FONTS}" font-weight="700" font-size="${fontSize}" fill="#ffffff" letter-spacing="-1">${escapeXml(line)}</text>`,
    )
    .join('');
  const tag = tagline
    ? `<text x="68" y="${SIZE - 64}" font-family="${FONTS}" font-weight="600" font-size="30" fill="#ffffff" fill-opacity="0.85" letter-spacing="6">${escapeXml(tagline)}</text>`
    : '';
  const fadeTop = Math.max(0, first - fontSize - 120);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">` +
    `<defs><linearGradient id="fade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.62"/></linearGradient></defs>` +
    `<rect x="0" y="${fadeTop}" width="${SIZE}" height="${SIZE - fadeTop}" fill="url(#fade)"/>${text}${tag}</svg>`
  );
}

/** The title and words laid over finished art, as the PNG that is stored. */
function typeset(sharp: Awaited<ReturnType<typeof loadSharp>>, art: Buffer, song: CoverWords): Promise<Buffer> {
  return sharp(art)
    .composite([{ input: Buffer.from(typography(song)) }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/**
 * The procedural cover, drawn without any model. With a seed (two variants of one song) the
 * pattern and a turn of the colours are the seed's too, so songs of the same genre and mood still
 * look unlike each other.
 */
export async function drawCover(song: CoverWords, seed: number | null = null): Promise<Buffer> {
  const sharp = await loadSharp();
  const rand = seeded(`${song.title}\u0000${song.genre ?? ''}\u0000${song.mood ?? ''}${seed === null ? '' : `\u0000${seed}`}`);
  const colors = PALETTES[key(song.mood)] ?? hashPalette(rand);
  const patterns = Object.values(PATTERNS);
  const byGenre = seed === null ? PATTERNS[key(song.genre)] : undefined;
  const pattern = byGenre ?? patterns[Math.floor(rand() * patterns.length)]!;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${colors[0]}"/><stop offset="1" stop-color="${colors[1]}"/></linearGradient></defs>` +
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#g)"/>${pattern(rand, colors)}</svg>`;
  // A seeded cover turns the mood's colours round the wheel by its own amount, so siblings read apart at a glance.
  const art =
    seed === null
      ? Buffer.from(svg)
      : await sharp(Buffer.from(svg))
          .modulate({ hue: 30 + Math.floor(rand() * 300) })
          .png()
          .toBuffer();
  return typeset(sharp, art, song);
}

/** The engine's picture (RGB bytes), scaled to 1024×1024, with the title typeset on it. */
export async function finishCover(image: { rgb: Uint8Array; width: number; height: number }, song: CoverWords): Promise<Buffer> {
  const sharp = await loadSharp();
  const art = await sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(SIZE, SIZE, { fit: 'cover', kernel: 'lanczos3' })
    .png()
    .toBuffer();
  return typeset(sharp, art, song);
}

/** A seed from the words, so the same song draws the same cover unless a seed is asked for. */
export function coverSeed(song: CoverWords): number {
  return crypto
    .createHash('sha256')
    .update(`cover\u0000${song.title}\u0000${song.genre ?? ''}\u0000${song.mood ?? ''}`)
    .digest()
    .readUInt32LE(0);
}

/**
 * Album-cover art direction for the engine: the title as the subject, genre and mood as the
 * feel, and no lettering (the title is typeset afterwards, legibly, which models cannot do).
 */
export function coverPrompt(song: CoverWords): { prompt: string; negativePrompt: string } {
  const feel = [song.mood, song.genre].filter(Boolean).join(' ');
  const prompt = [
    song.title,
    `album cover artwork${feel ? ` for a ${feel} song` : ''}`,
    'evocative artistic illustration, striking centered composition, cinematic lighting, rich harmonious colors, highly detailed, square format',
    'no text',
  ].join(', ');
  const negativePrompt =
    'text, letters, words, typography, title, caption, logo, watermark, signature, frame, border, blurry, low quality, jpeg artifacts, deformed, cropped';
  return { prompt, negativePrompt };
}
