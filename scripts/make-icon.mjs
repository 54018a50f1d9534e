#!/usr/bin/env node
// Draws the app icon (resources/icon.png, 1024×1024 RGBA) with no image library and no download:
// a dark rounded tile with timeline lanes in the viewer's colours, encoded as PNG with node:zlib.
// electron-builder derives the .icns/.ico and Linux sizes from it. Run: node scripts/make-icon.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const BG = hex('#1e1f22');
// Lanes: [y, height, [x0, x1, colour]...] in 1024-px units (kernels green, copies blue/orange, NVTX purple).
const LANES = [
  [250, 90, [170, 420, '#9b6bd6'], [450, 860, '#9b6bd6']],
  [380, 110, [170, 300, '#76b900'], [320, 560, '#76b900'], [590, 660, '#76b900'], [690, 860, '#76b900']],
  [530, 110, [230, 380, '#3d8bfd'], [610, 720, '#f0883e']],
  [680, 110, [170, 250, '#76b900'], [280, 520, '#76b900'], [560, 800, '#76b900']],
];
const RADIUS = 200,
  MARGIN = 40,
  SS = 4; // supersampling for smooth edges

function insideTile(x, y) {
  const lo = MARGIN,
    hi = SIZE - MARGIN;
  if (x < lo || x > hi || y < lo || y > hi) return false;
  const cx = Math.min(Math.max(x, lo + RADIUS), hi - RADIUS);
  const cy = Math.min(Math.max(y, lo + RADIUS), hi - RADIUS);
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2;
}
function colourAt(x, y) {
  for (const [ly, lh, ...bars] of LANES) {
    if (y < ly || y >= ly + lh) continue;
    for (const [x0, x1, c] of bars) if (x >= x0 && x < x1) return hex(c);
  }
  return BG;
}

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let r = 0,
      g = 0,
      b = 0,
      a = 0;
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const px = x + (sx + 0.5) / SS,
          py = y + (sy + 0.5) / SS;
        if (!insideTile(px, py)) continue;
        const c = colourAt(px, py);
        r += c[0];
        g += c[1];
        b += c[2];
        a++;
      }
    }
    const o = (y * SIZE + x) * 4;
    if (a) {
      rgba[o] = Math.round(r / a);
      rgba[o + 1] = Math.round(g / a);
      rgba[o + 2] = Math.round(b / a);
      rgba[o + 3] = Math.round((255 * a) / (SS * SS));
    }
  }
}

const out = join(root, 'resources', 'icon.png');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodePng(SIZE, SIZE, rgba));
console.log(`wrote ${out} (${SIZE}×${SIZE})`);
