// Fashion-MNIST (Zalando's 70,000 28x28 clothing images, 10 classes) with a 784-256-128-10
// network: the plain recipe (Adam 1e-3, batch 64, 10 epochs) against one that uses the training
// controls (dropout, a cosine schedule, early stopping on a validation split).
//
//   apt-get install dataset-fashion-mnist        # Debian's package: gzipped IDX files
//   node examples/node/fashion-mnist.mjs [plain|tuned] [--seed N] [--backend wasm|js] [--dir DIR]
//
// Prints each epoch and the accuracy on the official 10,000-image test set.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Network } from 'wasm-mlp';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const recipe = args.find((a) => a === 'plain' || a === 'tuned') ?? 'tuned';
const seed = Number(opt('seed', '1'));
const backend = opt('backend', 'wasm');
const dir = opt('dir', '/usr/share/datasets/fashion-mnist');

/** An IDX file (gzipped or not): big-endian header, then unsigned bytes. */
function idx(file) {
  let bytes;
  try {
    bytes = readFileSync(join(dir, file + '.gz'));
    bytes = gunzipSync(bytes);
  } catch {
    bytes = readFileSync(join(dir, file));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = view.getUint8(3);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  return { shape, data: bytes.subarray(4 + 4 * dims) };
}

function load(prefix) {
  const images = idx(`${prefix}-images-idx3-ubyte`);
  const labels = idx(`${prefix}-labels-idx1-ubyte`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, y: Int32Array.from(labels.data), n: labels.shape[0] };
}

const train = load('train');
const test = load('t10k');
const tuned = recipe === 'tuned';
const epochs = tuned ? Number(opt('epochs', '40')) : 10;
const drop = Number(opt('dropout', '0.3'));
const patience = Number(opt('patience', '10'));
const monitor = opt('monitor', 'valAccuracy');
const net = await Network.create({
  inputSize: 784,
  layers: [
    { units: 256, activation: 'relu', dropout: tuned ? drop : 0 },
    { units: 128, activation: 'relu', dropout: tuned ? drop : 0 },
    { units: 10, activation: 'softmax' },
  ],
  optimizer: { kind: 'adam', learningRate: 1e-3 },
  seed,
  backend,
});
console.log(net.summary());
const t0 = performance.now();
const history = await net.fit(train.x, train.y, {
  epochs,
  batchSize: 64,
  ...(tuned
    ? {
        validationSplit: 1 / 12, // the last 5,000 training images
        schedule: { kind: 'cosine', epochs },
        earlyStopping: { monitor, patience, restoreBestWeights: true },
      }
    : {}),
  onEpochEnd: (s) =>
    console.log(
      `epoch ${String(s.epoch + 1).padStart(2)}  loss ${s.loss.toFixed(4)}  accuracy ${s.accuracy.toFixed(4)}` +
        (s.valLoss !== undefined ? `  valLoss ${s.valLoss.toFixed(4)}  valAccuracy ${s.valAccuracy.toFixed(4)}` : '') +
        `  lr ${s.learningRate.toExponential(2)}  ${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    ),
});
const seconds = (performance.now() - t0) / 1000;
const { accuracy } = net.evaluate(test.x, test.y);
console.log(
  `${recipe} recipe, seed ${seed}, ${backend}: test accuracy ${accuracy.toFixed(4)} after ${history.loss.length} epochs` +
    (history.bestEpoch !== undefined ? ` (best epoch ${history.bestEpoch + 1}, ${history.stopReason})` : '') +
    ` in ${seconds.toFixed(1)} s`,
);
