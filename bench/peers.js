// Peer libraries for npm run bench, on the same workloads and data as bench/run.js:
// TF.js 4.22 with its cpu backend and its wasm (XNNPACK SIMD) backend, and brain.js 1.6.1.
// They are installed on first use into bench/peers/ (see bench/peers/install.mjs) and loaded
// from there; ONNX Runtime Web stays in the project's devDependencies (the tests use it).
// Each factory returns { fn, dispose } like the wasm-mlp ones, or null where the peer has no
// such mode (brain.js has no mini-batches or softmax: it trains sample by sample with sigmoid
// layers, which is what its users get).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { installPeers } from './peers/install.mjs';

installPeers();
/** Loads a peer from bench/peers/node_modules (all four are CommonJS packages). */
const require = createRequire(new URL('./peers/package.json', import.meta.url));
const load = async (name) => require(name);

let tf = null;
/** Loads TF.js once and switches it to `backend` ('cpu' or 'wasm'). */
export async function tfjs(backend) {
  if (!tf) {
    tf = await load('@tensorflow/tfjs');
    const wasm = await load('@tensorflow/tfjs-backend-wasm');
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    wasm.setWasmPaths(dist);
  }
  await tf.setBackend(backend);
  await tf.ready();
  return tf;
}

function oneHot(labels, classes) {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => (y[i * classes + c] = 1));
  return y;
}

/** W1/W4-style training: dense relu layers + softmax, SGD lr 0.01, CCE; one call = one epoch. */
export async function tfTrain(backend, hidden, x, labels, batchSize) {
  const t = await tfjs(backend);
  const n = labels.length;
  const model = t.sequential();
  hidden.forEach((units, i) => model.add(t.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) })));
  model.add(t.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: t.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const xs = t.tensor2d(x, [n, 784]);
  const ys = t.tensor2d(oneHot(labels, 10), [n, 10]);
  return {
    fn: async () => void (await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: false, verbose: 0 })),
    dispose: () => {
      xs.dispose();
      ys.dispose();
      model.dispose();
    },
  };
}

/** W2 inference with the 784-128-10 model; one call = one predict of `rows` samples. */
export async function tfInfer(backend, x, rows) {
  const t = await tfjs(backend);
  const model = t.sequential();
  model.add(t.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }));
  model.add(t.layers.dense({ units: 10, activation: 'softmax' }));
  const xs = t.tensor2d(x.subarray(0, rows * 784), [rows, 784]);
  return {
    fn: async () => {
      const out = model.predict(xs);
      await out.data();
      out.dispose();
    },
    dispose: () => {
      xs.dispose();
      model.dispose();
    },
  };
}

/** W3: XOR 2-16-1 (tanh, sigmoid), SGD lr 0.1, BCE, 4 samples per step; one call = `steps` steps. */
export async function tfXor(backend, steps) {
  const t = await tfjs(backend);
  const model = t.sequential();
  model.add(t.layers.dense({ units: 16, activation: 'tanh', inputShape: [2] }));
  model.add(t.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: t.train.sgd(0.1), loss: 'binaryCrossentropy' });
  const xs = t.tensor2d([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
  const ys = t.tensor2d([0, 1, 1, 0], [4, 1]);
  return {
    fn: async () => void (await model.fit(xs, ys, { epochs: steps, batchSize: 4, shuffle: false, verbose: 0 })),
    dispose: () => {
      xs.dispose();
      ys.dispose();
      model.dispose();
    },
  };
}

function brain() {
  return require('brain.js');
}

/** brain.js W1: 784-128-10 sigmoid, per-sample SGD (its only mode); one call = one epoch. */
export function brainTrain(x, labels) {
  const { NeuralNetwork } = brain();
  const data = Array.from(labels, (c, i) => ({ input: Array.from(x.subarray(i * 784, (i + 1) * 784)), output: Array.from(oneHot([c], 10)) }));
  const net = new NeuralNetwork({ hiddenLayers: [128], learningRate: 0.01 });
  net.train(data.slice(0, 1), { iterations: 1 }); // builds the layers
  return { fn: () => void net.train(data, { iterations: 1, errorThresh: 1e-12 }), dispose: () => {} };
}

/** brain.js W2: one sample at a time (it has no batch inference); one call = `rows` runs. */
export function brainInfer(x, rows) {
  const { NeuralNetwork } = brain();
  const net = new NeuralNetwork({ hiddenLayers: [128] });
  net.train([{ input: new Array(784).fill(0), output: new Array(10).fill(0) }], { iterations: 1 });
  const inputs = Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * 784, (i + 1) * 784)));
  return { fn: () => inputs.forEach((v) => net.run(v)), dispose: () => {} };
}

/** brain.js W3: XOR 2-16-1 sigmoid; brain.js steps once per sample, so 4 samples = 4 of its steps. */
export function brainXor(epochs) {
  const { NeuralNetwork } = brain();
  const net = new NeuralNetwork({ hiddenLayers: [16], learningRate: 0.1 });
  const data = [[0, 0], [0, 1], [1, 0], [1, 1]].map((input, i) => ({ input, output: [[0, 1, 1, 0][i]] }));
  net.train(data, { iterations: 1 });
  return { fn: () => void net.train(data, { iterations: epochs, errorThresh: 1e-12 }), dispose: () => {} };
}

let ort = null;
/** ONNX Runtime Web 1.30 (wasm backend, one thread) on the same 784-128-10 network, exported by net.toONNX(). */
export async function ortInfer(onnxBytes, x, rows) {
  if (!ort) {
    ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
  }
  const session = await ort.InferenceSession.create(onnxBytes);
  const input = new ort.Tensor('float32', x.subarray(0, rows * 784), [rows, 784]);
  return { fn: async () => void (await session.run({ x: input })), dispose: () => void session.release() };
}

let ortNode = null;
/**
 * ONNX Runtime's native Node binding (onnxruntime-node 1.30, CPU provider, one intra-op and one
 * inter-op thread) on the same network: the native reference for inference.
 */
export async function ortNativeInfer(onnxBytes, x, rows) {
  if (!ortNode) ortNode = await load('onnxruntime-node');
  const session = await ortNode.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input = new ortNode.Tensor('float32', x.subarray(0, rows * 784), [rows, 784]);
  return { fn: async () => void (await session.run({ x: input })), dispose: () => void session.release() };
}
