#!/usr/bin/env node
// Draws the app icon set from resources/icon.svg: icon.png (1024), icons/<n>x<n>.png for Linux,
// icon.ico (Windows) and icon.icns (macOS). The outputs are committed; rerun after editing the SVG.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const resources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources');
const svg = fs.readFileSync(path.join(resources, 'icon.svg'));
const png = (size) => sharp(svg, { density: 144 }).resize(size, size).png({ compressionLevel: 9 }).toBuffer();

const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const images = Object.fromEntries(await Promise.all(sizes.map(async (s) => [s, await png(s)])));

fs.writeFileSync(path.join(resources, 'icon.png'), images[1024]);
fs.mkdirSync(path.join(resources, 'icons'), { recursive: true });
for (const s of sizes.filter((s) => s <= 512)) fs.writeFileSync(path.join(resources, 'icons', `${s}x${s}.png`), images[s]);

// ICO: a directory of PNG images (Vista and later read PNG entries); 256 is written as 0.
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const header = Buffer.alloc(6 + 16 * icoSizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(icoSizes.length, 4);
let offset = header.length;
icoSizes.forEach((s, i) => {
  const at = 6 + 16 * i;
  header.writeUInt8(s >= 256 ? 0 : s, at);
  header.writeUInt8(s >= 256 ? 0 : s, at + 1);
  header.writeUInt16LE(1, at + 4); // colour planes
  header.writeUInt16LE(32, at + 6); // bits per pixel
  header.writeUInt32LE(images[s].length, at + 8);
  header.writeUInt32LE(offset, at + 12);
  offset += images[s].length;
});
fs.writeFileSync(path.join(resources, 'icon.ico'), Buffer.concat([header, ...icoSizes.map((s) => images[s])]));

// ICNS: 'icns', total length, then (type, length including this 8-byte header, PNG data) entries.
const icnsTypes = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
];
const entries = icnsTypes.map(([type, s]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(images[s].length + 8, 4);
  return Buffer.concat([head, images[s]]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4);
fs.writeFileSync(path.join(resources, 'icon.icns'), Buffer.concat([icnsHead, ...entries]));
console.log(`Icons written to ${resources}: icon.png, icon.ico, icon.icns, icons/ (${sizes.length - 1} sizes)`);
