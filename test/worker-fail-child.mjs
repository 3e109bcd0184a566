// A worker thread that dies inside a job (a trap, forced by the pool's test hook), in a fresh
// process because it turns threads off for the whole runtime. Prints what the caller saw and
// whether training then continues to the bits of a network that never had threads.
import { Network } from 'wasm-mlp';

const options = {
  inputSize: 300,
  layers: [{ units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  seed: 5,
};
const x = Float32Array.from({ length: 128 * 300 }, (_, i) => Math.sin(i * 0.37));
const y = Int32Array.from({ length: 128 }, (_, i) => i % 10);
const fit = (net) => net.fit(x, y, { epochs: 2, batchSize: 64, shuffle: false });
const hex = (net) => Buffer.from(new Float32Array(net.getWeights().weights.flatMap((w) => Array.from(w))).buffer).toString('hex');

const one = await Network.create({ ...options, threads: 1 });
const two = await Network.create({ ...options, threads: 2 });
await fit(one);
await fit(two);
const before = { threads: two.threads, same: hex(two) === hex(one) };

// Private, reached for the test only: the runtime's pool. The next chunk a worker claims
// traps, and every job waits until a worker has claimed one, so the failure is certain.
const pool = two.engine.rt.pool;
pool.workersFirst = true;
pool.trapNextChunk();
let error = null;
const weights = hex(two);
try {
  await fit(two);
} catch (e) {
  error = { name: e.name, code: e.code, message: e.message };
}
pool.workersFirst = false;
const restored = hex(two) === weights;

// The failed step left the batch pointers on the freed training set: a network created now
// may be placed there, and a predict must not write into it (found in review).
const victim = await Network.create({ ...options, seed: 9 });
const victimBefore = hex(victim);
two.predict(x);
const victimIntact = hex(victim) === victimBefore;

// Training goes on, on one thread, to the same bits as the network that never had threads.
await fit(two);
await fit(one);
const fresh = await Network.create({ ...options, threads: 2 });
process.stdout.write(JSON.stringify({
  before, error, restored, victimIntact, failed: pool.failed, threadsAfter: two.threads, freshThreads: fresh.threads,
  same: hex(two) === hex(one), predictions: Array.from(two.predict(x.subarray(0, 300))).length,
}));
