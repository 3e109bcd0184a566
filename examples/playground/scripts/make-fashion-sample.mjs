// Makes public/data/fashion-sample.bin.gz, the playground's Fashion-MNIST sample: the first
// 200 training images of each class (2,000) and the first 50 test images of each class (500)
// of Zalando's Fashion-MNIST (MIT licence, Copyright 2017 Zalando SE; see ../README.md), read
// from Debian's package:
//
//   apt-get install dataset-fashion-mnist
//   node examples/playground/scripts/make-fashion-sample.mjs [--dir /usr/share/datasets/fashion-mnist]
//
// Deterministic: the same IDX files give the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packDataset } from './pack.mjs';

const args = process.argv.slice(2);
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : '/usr/share/datasets/fashion-mnist';
const TRAIN_PER_CLASS = 200;
const TEST_PER_CLASS = 50;
const PIXELS = 784;

/** An IDX file, gzipped: big-endian header (magic, dims), then unsigned bytes. */
function idx(file) {
  const bytes = gunzipSync(readFileSync(join(dir, file)));
  const dims = bytes[3];
  return bytes.subarray(4 + 4 * dims);
}

/** The first `perClass` images of each class, in file order (so classes interleave as in the source). */
function sample(prefix, perClass) {
  const images = idx(`${prefix}-images-idx3-ubyte.gz`);
  const labels = idx(`${prefix}-labels-idx1-ubyte.gz`);
  const taken = new Array(10).fill(0);
  const rows = [];
  for (let i = 0; i < labels.length && rows.length < 10 * perClass; i++) {
    if (taken[labels[i]] < perClass) {
      taken[labels[i]]++;
      rows.push(i);
    }
  }
  const x = new Uint8Array(rows.length * PIXELS);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    x.set(images.subarray(r * PIXELS, (r + 1) * PIXELS), k * PIXELS);
    y[k] = labels[r];
  });
  return { x, y };
}

const train = sample('train', TRAIN_PER_CLASS);
const test = sample('t10k', TEST_PER_CLASS);
const out = fileURLToPath(new URL('../public/data/fashion-sample.bin.gz', import.meta.url));
const bytes = packDataset({ xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, width: 28, height: 28 });
writeFileSync(out, bytes);
console.log(`${out}: ${train.y.length} train + ${test.y.length} test images, ${bytes.length} bytes`);
