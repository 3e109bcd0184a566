// Memory of a W1 training run (784-128-10, SGD, batch 64) in a fresh process, run by
// bench/run.js: peak RSS against 1.5 x (data + parameters + optimizer state + activations)
// + 40 MB of runtime, and RSS after each epoch (it must not grow). Prints one JSON line.
// Usage: node bench/memory-child.mjs <samples> <epochs>
const n = Number(process.argv[2] ?? 20000);
const epochs = Number(process.argv[3] ?? 3);
const { Network } = await import('wasm-mlp');
const mb = (b) => b / 2 ** 20;

const rssStart = process.memoryUsage().rss; // Node + the package, before any data
const x = new Float32Array(n * 784);
let s = 1;
for (let i = 0; i < x.length; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  x[i] = s / 2 ** 32;
}
const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
const net = await Network.create({
  inputSize: 784,
  layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9 },
  seed: 1,
});
const perEpoch = [];
await net.fit(x, y, {
  epochs,
  batchSize: 64,
  onEpochEnd: () => void perEpoch.push(mb(process.memoryUsage().rss)),
});

const P = net.parameterCount;
const data = x.byteLength + y.byteLength + n * 10 * 4; // inputs, labels, the one-hot targets fit builds
const params = P * 4 * 2; // parameters and their gradients
const state = P * 4; // SGD momentum buffer
const activations = 64 * (784 + 10 + 3 * 138) * 4 + 64 * 784 * 4; // batch in/out, z/a/delta, packing
const model = data + params + state + activations;
const peak = process.resourceUsage().maxRSS * 1024;
const budget = 1.5 * model + 40 * 2 ** 20;
process.stdout.write(JSON.stringify({
  n, epochs, runtimeMB: mb(rssStart), dataMB: mb(data), modelMB: mb(model), peakMB: mb(peak), budgetMB: mb(budget),
  perEpochMB: perEpoch, growthMB: perEpoch[perEpoch.length - 1] - perEpoch[0],
}));
