// XOR: the smallest problem a straight line cannot separate, learned by a 2-8-1 network.
//
//   npm install wasm-mlp
//   node xor.mjs
//
// Prints the loss every 100 epochs, then the network's output for the four inputs.
import { Network } from 'wasm-mlp';

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [0, 1, 1, 0]; // one output: a flat list of targets (or rows [[0], [1], ...])

const net = await Network.create({
  inputSize: 2,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binary-cross-entropy',
  optimizer: { kind: 'adam', learningRate: 0.05 },
  seed: 1, // same seed, same weights, same result in every runtime
});

await net.fit(x, y, {
  epochs: 500,
  batchSize: 4, // all four samples in every step
  onEpochEnd: ({ epoch, loss }) => {
    if ((epoch + 1) % 100 === 0) console.log(`epoch ${epoch + 1}  loss ${loss.toFixed(4)}`);
  },
});

const out = net.predict(x); // Float32Array, one output per row
x.forEach(([a, b], i) => console.log(`${a} xor ${b} -> ${out[i].toFixed(3)} (${out[i] >= 0.5 ? 1 : 0})`));
net.dispose();
