// One fixed job for every runtime (Node, Deno, Bun, workerd, edge-runtime, browsers): train a
// fixed-seed XOR net and a digits net with the full entry, save the digits net, and predict
// its test rows with the full entry and with the inference entries. Plain JS with no imports:
// each runtime hands it the package's exports and the digits file's bytes.

const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');

function weightsHex(net) {
  const w = net.getWeights();
  return [...w.weights, ...w.biases].map(hex).join('|');
}

/** FNV-1a of a hex string, to keep reports short. */
function fnv(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The digits file: 664 rows of 784 float32 pixels (600 train, 64 test), then 600 labels. */
export function digits(bytes) {
  const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows = 664;
  const x = f.subarray(0, rows * 784);
  return { xTrain: x.subarray(0, 600 * 784), xTest: x.subarray(600 * 784), yTrain: Int32Array.from(f.subarray(rows * 784)) };
}

export { hex };

export async function trainXor(Network, options = {}) {
  const net = await Network.create({
    inputSize: 2,
    layers: [{ units: 16, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
    loss: 'mse',
    optimizer: { kind: 'sgd', learningRate: 0.5, momentum: 0.9 },
    seed: 11,
    ...options,
  });
  await net.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 300, batchSize: 4 });
  const out = { hash: fnv(weightsHex(net)), predictions: hex(net.predict([[0, 0], [0, 1], [1, 0], [1, 1]])) };
  net.dispose();
  return out;
}

export async function trainDigits(Network, data, options = {}) {
  const net = await Network.create({
    inputSize: 784,
    layers: [{ units: 32, activation: 'relu' }, { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    optimizer: { kind: 'adam', learningRate: 0.003 },
    seed: 5,
    ...options,
  });
  await net.fit(data.xTrain, data.yTrain, { epochs: 3, batchSize: 32, shuffle: true });
  return net;
}

/**
 * The whole job: hashes and prediction bits, as one JSON-able object. `onSaved` receives the
 * saved digits model (Node writes it to model.bin for the runtimes that only predict).
 */
export async function runTask({ Network, InferenceNetwork, lite }, bytes, onSaved = () => {}) {
  const data = digits(bytes);
  const xor = await trainXor(Network);
  const net = await trainDigits(Network, data);
  const saved = net.save();
  onSaved(saved);
  const result = {
    xor,
    digits: fnv(weightsHex(net)),
    predict: hex(net.predict(data.xTest)),
    model: fnv(hex(saved)),
  };
  net.dispose();
  const loaded = await Network.load(saved);
  result.loadedPredict = hex(loaded.predict(data.xTest));
  loaded.dispose();
  const inference = await InferenceNetwork.load(saved);
  result.inferPredict = hex(inference.predict(data.xTest));
  inference.dispose();
  if (lite) {
    // wasm-mlp/lite, its init already awaited: load and predict are synchronous.
    const small = lite.load(saved);
    result.litePredict = hex(small.predict(data.xTest));
    small.dispose();
  }
  return result;
}

/** What a predict-only runtime must answer: the saved model's outputs for the test rows. */
export async function predictSaved(InferenceNetwork, modelBytes, digitsBytes) {
  const inference = await InferenceNetwork.load(modelBytes);
  const result = hex(inference.predict(digits(digitsBytes).xTest));
  inference.dispose();
  return result;
}
