// wasm-mlp in Bun: train XOR, save the model to bytes, load them with the inference-only
// entry and predict.
//
//   bun add wasm-mlp        (or npm install wasm-mlp)
//   bun main.ts
//
// Bun runs the TypeScript as it is and takes the package's Node build (the wasm is read from
// node_modules).
import { Network } from 'wasm-mlp';
import { InferenceNetwork } from 'wasm-mlp/infer';

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
  seed: 1,
});
const history = await net.fit(x, y, { epochs: 500, batchSize: 4 });
console.log(`Bun ${Bun.version}: trained ${history.loss.length} epochs, final loss ${history.loss.at(-1)!.toFixed(4)}`);

const bytes: Uint8Array = net.save(); // what you would write to a file or a KV store
net.dispose();

const served = await InferenceNetwork.load(bytes);
const out: Float32Array = served.predict(x);
x.forEach(([a, b], i) => console.log(`${a} xor ${b} -> ${out[i].toFixed(3)} (${out[i] >= 0.5 ? 1 : 0})`));
served.dispose();
