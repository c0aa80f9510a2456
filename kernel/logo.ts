// The kernel's logo, drawn in code at any size and encoded as PNG (Jupyter wants 32×32 and
// 64×64): a dark tile with a small spike raster. Generated so no binary sits in the repo;
// it must stay deterministic (same bytes every install).

import { deflateSync } from "node:zlib";
import { crc32 } from "../stdlib/io/container.ts";

type RGBA = readonly [number, number, number, number];

const TILE: RGBA = [22, 34, 58, 255];
const SPIKE: RGBA = [255, 153, 51, 255];
const AXIS: RGBA = [150, 170, 200, 255];
const CLEAR: RGBA = [0, 0, 0, 0];

// Spike times (as fractions of the width) of four neurons: a raster is what the kernel shows most.
const RASTER: readonly (readonly number[])[] = [
  [0.12, 0.42, 0.7],
  [0.25, 0.55, 0.85],
  [0.18, 0.36, 0.62, 0.8],
  [0.3, 0.75],
];

function pixel(x: number, y: number, size: number): RGBA {
  const u = (x + 0.5) / size;
  const v = (y + 0.5) / size;
  const r = 0.18; // corner radius of the tile, as a fraction of the size
  const cx = Math.min(Math.max(u, r), 1 - r);
  const cy = Math.min(Math.max(v, r), 1 - r);
  if ((u - cx) ** 2 + (v - cy) ** 2 > r * r) return CLEAR;
  if (v > 0.84 && v < 0.84 + 1.5 / size && u > 0.08 && u < 0.92) return AXIS;
  const row = Math.floor((v - 0.12) / 0.18);
  const times = RASTER[row];
  if (times !== undefined && v > 0.12 && (v - 0.12) % 0.18 < 0.13) {
    const half = Math.max(1, size / 32) / size;
    if (times.some((t) => Math.abs(u - t) <= half)) return SPIKE;
  }
  return TILE;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** The logo as PNG bytes, `size`×`size` RGBA. */
export function logoPng(size: number): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x, y, size), row + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}
