/**
 * Draws the two icons the Teams app package needs and writes them beside the manifest template:
 *   adapters/teams/manifest/color.png    192×192, a white ring on closedloop blue (#1d4e89)
 *   adapters/teams/manifest/outline.png   32×32, a white ring on a transparent background
 * Node built-ins only (zlib + a CRC-32). The PNGs are committed; run this again only to change
 * them: `node scripts/teams-icons.mjs`. The output is the same bytes on every run.
 */
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { crc32 } from './crc32.mjs';

const OUT_DIR = fileURLToPath(new URL('../adapters/teams/manifest/', import.meta.url));
const BLUE = [0x1d, 0x4e, 0x89];
const WHITE = [0xff, 0xff, 0xff];
const SUPERSAMPLE = 4; // 4×4 samples a pixel, for smooth edges

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGBA PNG from `rgba` (width × height × 4 bytes, rows top to bottom). */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4);
    raw[row] = 0; // filter type None
    rgba.copy(raw, row + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The share of a pixel inside the ring (centre c, radii inner..outer), by supersampling. */
function ringCoverage(x, y, c, inner, outer) {
  let inside = 0;
  for (let sy = 0; sy < SUPERSAMPLE; sy++) {
    for (let sx = 0; sx < SUPERSAMPLE; sx++) {
      const dx = x + (sx + 0.5) / SUPERSAMPLE - c;
      const dy = y + (sy + 0.5) / SUPERSAMPLE - c;
      const r = Math.hypot(dx, dy);
      if (r >= inner && r <= outer) inside++;
    }
  }
  return inside / (SUPERSAMPLE * SUPERSAMPLE);
}

/** A white ring over `background` (RGB, or null for transparent), size × size pixels. */
function drawRing(size, { inner, outer, background }) {
  const rgba = Buffer.alloc(size * size * 4);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = ringCoverage(x, y, c, inner, outer);
      const i = (y * size + x) * 4;
      if (background) {
        for (let k = 0; k < 3; k++) rgba[i + k] = Math.round(background[k] * (1 - a) + WHITE[k] * a);
        rgba[i + 3] = 255;
      } else {
        // Outline icon: white only, the ring's edge carried by alpha.
        rgba.fill(255, i, i + 3);
        rgba[i + 3] = Math.round(255 * a);
      }
    }
  }
  return rgba;
}

// Teams asks for the colour icon's symbol to sit within the central 96×96 pixels.
export const ICONS = {
  'color.png': { size: 192, inner: 32, outer: 48, background: BLUE },
  'outline.png': { size: 32, inner: 8.5, outer: 12.5, background: null },
};

function main() {
  for (const [name, icon] of Object.entries(ICONS)) {
    const png = encodePng(icon.size, icon.size, drawRing(icon.size, icon));
    const file = path.join(OUT_DIR, name);
    fs.writeFileSync(file, png);
    console.log(`Wrote ${path.relative(process.cwd(), file)} (${icon.size}×${icon.size}, ${png.length} bytes)`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
