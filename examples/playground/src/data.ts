// The playground's data sets, loaded or made the same way in the page and in its workers:
// two image sets read from the files of scripts/pack.mjs (gzipped bytes), and two 2-D toys
// generated from a seed, so every worker that trains "two moons" sees the same points.

export type DatasetName = 'digits' | 'fashion' | 'xor' | 'moons';

export interface Dataset {
  name: DatasetName;
  /** Images are drawn on a canvas and shown as a gallery; points are plotted with the decision boundary. */
  kind: 'images' | 'points';
  inputSize: number;
  /** Class names, one per output unit. */
  classes: string[];
  /** Row-major, samples x inputSize; pixels in [0, 1], points in about [-1.5, 1.5]. */
  xTrain: Float32Array;
  yTrain: Int32Array;
  xTest: Float32Array;
  yTest: Int32Array;
}

export const DATASETS: Record<DatasetName, { label: string; kind: Dataset['kind']; file?: string; classes: string[] }> = {
  digits: { label: 'Handwritten digits (MNIST, 7,996 + 2,004)', kind: 'images', file: 'data/digits.bin.gz', classes: '0123456789'.split('') },
  fashion: {
    label: 'Fashion-MNIST sample (2,000 + 500)',
    kind: 'images',
    file: 'data/fashion-sample.bin.gz',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  xor: { label: 'XOR (2-D toy, 400 + 200 points)', kind: 'points', classes: ['0', '1'] },
  moons: { label: 'Two moons (2-D toy, 400 + 200 points)', kind: 'points', classes: ['upper', 'lower'] },
};

/** The header of scripts/pack.mjs: 'MLPD', version, train count, test count, width, height. */
const HEADER_BYTES = 24;
const MAGIC = 0x44504c4d; // 'MLPD' read as a little-endian u32

/**
 * Loads a data set. `base` is the page's URL (a worker's own URL points into the bundle, so
 * the page passes its own); image files are fetched from `base`.
 */
export async function loadDataset(name: DatasetName, base: string): Promise<Dataset> {
  const info = DATASETS[name];
  if (info.kind === 'points') return makeToy(name as 'xor' | 'moons', info.classes);
  const response = await fetch(new URL(info.file!, base));
  if (!response.ok) throw new Error(`${info.file}: HTTP ${response.status}`);
  return { name, kind: 'images', classes: info.classes, ...decodeImages(await gunzip(new Uint8Array(await response.arrayBuffer()))) };
}

/** Ungzips with the browser's DecompressionStream; bytes already decoded (a server that sent Content-Encoding: gzip) pass through. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function decodeImages(bytes: Uint8Array): Pick<Dataset, 'inputSize' | 'xTrain' | 'yTrain' | 'xTest' | 'yTest'> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_BYTES || view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== 1) {
    throw new Error('not a playground data file (MLPD version 1)');
  }
  const train = view.getUint32(8, true);
  const test = view.getUint32(12, true);
  const pixels = view.getUint32(16, true) * view.getUint32(20, true);
  let at = HEADER_BYTES;
  const take = (length: number): Uint8Array => bytes.subarray(at, (at += length));
  const xTrain = toFloats(take(train * pixels));
  const yTrain = Int32Array.from(take(train));
  const xTest = toFloats(take(test * pixels));
  const yTest = Int32Array.from(take(test));
  if (at !== bytes.length) throw new Error(`data file: ${bytes.length} bytes, expected ${at}`);
  return { inputSize: pixels, xTrain, yTrain, xTest, yTest };
}

function toFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/** A small seeded PRNG (mulberry32): the toys must be the same points in every worker. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const TOY_TRAIN = 400;
const TOY_TEST = 200;

function makeToy(name: 'xor' | 'moons', classes: string[]): Dataset {
  const rand = random(name === 'xor' ? 1 : 2);
  const n = TOY_TRAIN + TOY_TEST;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, label] = name === 'xor' ? xorPoint(rand) : moonPoint(rand, i % 2);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = label;
  }
  return {
    name,
    kind: 'points',
    inputSize: 2,
    classes,
    xTrain: x.slice(0, 2 * TOY_TRAIN),
    yTrain: y.slice(0, TOY_TRAIN),
    xTest: x.slice(2 * TOY_TRAIN),
    yTest: y.slice(TOY_TRAIN),
  };
}

/** A point in one of the four quadrants of [-1, 1]^2, kept 0.1 off the axes, with a little noise; class 1 where x and y differ in sign. */
function xorPoint(rand: () => number): [number, number, number] {
  const side = (): number => (rand() < 0.5 ? -1 : 1) * (0.1 + 0.9 * rand());
  const a = side();
  const b = side();
  return [a + 0.08 * gaussian(rand), b + 0.08 * gaussian(rand), a * b < 0 ? 1 : 0];
}

/** scikit-learn's make_moons (noise 0.12), centred and scaled to about [-1.5, 1.5]. */
function moonPoint(rand: () => number, label: number): [number, number, number] {
  const t = Math.PI * rand();
  const a = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
  const b = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
  return [(a - 0.5 + 0.12 * gaussian(rand)) * 1.2, (b - 0.25 + 0.12 * gaussian(rand)) * 1.2, label];
}
