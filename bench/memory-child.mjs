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
// Peak RSS of this process's own address space: Linux's VmHWM. getrusage's maxRSS is not it
// for a spawned child: it keeps the high-water mark of the address space the child was forked
// with, i.e. the parent's RSS (a child of the bench, ~140 MB by then, read 137-147 MB where
// run alone it reads 115). maxRSS elsewhere.
const hwm = await import('node:fs').then((fs) => {
  try {
    return /VmHWM:\s*(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
});
const peak = (hwm !== undefined ? Number(hwm) : process.resourceUsage().maxRSS) * 1024;
const budget = 1.5 * model + 40 * 2 ** 20;
process.stdout.write(JSON.stringify({
  n, epochs, runtimeMB: mb(rssStart), dataMB: mb(data), modelMB: mb(model), peakMB: mb(peak), budgetMB: mb(budget),
  perEpochMB: perEpoch, growthMB: perEpoch[perEpoch.length - 1] - perEpoch[0],
}));
