#!/usr/bin/env node
// What `threads: 'auto'` should give on 4, 8 and 16 cores, from what 2 cores show (issue 14:
// this host has 2, so more cannot be measured). For W1 (784-128-10, batch 64, SGD), W4
// (784-512-512-10, batch 128, SGD) and inference at batch 256 (784-128-10 and 784-512-512-10),
// it times a step on 1 and on 2 threads, alternating in rounds, best of each, and counts the
// chunks the worker computed per step (threadStats), i.e. the split jobs per step. From
// T1 and T2, the effective serial fraction s = 2 T2 / T1 - 1 (everything not split, plus each
// job's hand-off and wait, counted as serial); Amdahl's law then predicts
// S(n) = 1 / (s + (1 - s) / n). bench/notes/cold.md says what that leaves out.
// Usage: node bench/amdahl.mjs [--rounds 5]   (needs npm run build; about 40 s)
import { Network, threadStats } from '../dist/node.js';

const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;
const ROWS = 2048;
const x = new Float32Array(ROWS * 784).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
const y = new Float32Array(ROWS * 10);
for (let r = 0; r < ROWS; r++) y[r * 10 + (r % 10)] = 1;
const x256 = x.subarray(0, 256 * 784);

const spec = (hidden, threads) => ({
  inputSize: 784,
  layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
  loss: 'categorical-cross-entropy',
  optimizer: { kind: 'sgd', learningRate: 0.01 },
  seed: 1,
  threads,
});

const WORKLOADS = {
  'W1 784-128-10 train, batch 64': { hidden: [128], batch: 64 },
  'W4 784-512-512-10 train, batch 128': { hidden: [512, 512], batch: 128 },
  'predict 784-128-10, batch 256': { hidden: [128], predict: true },
  'predict 784-512-512-10, batch 256': { hidden: [512, 512], predict: true },
};

/** ms per step (a training batch or a 256-row predict) and worker chunks per step. */
async function time(w, threads) {
  const net = await Network.create(spec(w.hidden, threads));
  const step = w.predict
    ? async () => void net.predict(x256)
    : async () => void (await net.fit(x, y, { epochs: 1, batchSize: w.batch, shuffle: false }));
  const steps = w.predict ? 1 : ROWS / w.batch;
  await step(); // warm-up: tier-up, packing, the pool's first jobs
  const reps = w.predict ? 40 : 3;
  const before = (await threadStats()).workerChunks;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) await step();
  const ms = (performance.now() - t0) / (reps * steps);
  const chunks = ((await threadStats()).workerChunks - before) / (reps * steps);
  net.dispose();
  return { ms, chunks };
}

const best = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, w] of Object.entries(WORKLOADS)) {
    for (const threads of round % 2 ? [2, 1] : [1, 2]) {
      const r = await time(w, threads);
      const key = `${name}|${threads}`;
      if (!best[key] || r.ms < best[key].ms) best[key] = r;
    }
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`best of ${ROUNDS} alternating rounds, ms per step; s = effective serial fraction; predicted speed-up over 1 thread:`);
console.log(`${pad('workload', 36)} ${pad('1 thread', 9)} ${pad('2 threads', 10)} ${pad('jobs/step', 10)} ${pad('2/1', 6)} ${pad('s', 6)} 4      8      16`);
for (const name of Object.keys(WORKLOADS)) {
  const one = best[`${name}|1`];
  const two = best[`${name}|2`];
  const ratio = one.ms / two.ms;
  const s = Math.min(1, Math.max(0, (2 * two.ms) / one.ms - 1));
  const predict = (n) => (1 / (s + (1 - s) / n)).toFixed(2) + 'x';
  console.log(
    `${pad(name, 36)} ${pad(one.ms.toFixed(3), 9)} ${pad(two.ms.toFixed(3), 10)} ${pad(two.chunks.toFixed(1), 10)} ${pad(ratio.toFixed(2) + 'x', 6)} ${pad(s.toFixed(2), 6)} ${pad(predict(4), 6)} ${pad(predict(8), 6)} ${predict(16)}`,
  );
}
