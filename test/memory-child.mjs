// Run by test/memory.test.ts with --expose-gc: JS heap and wasm memory across many networks,
// and reclamation of forgotten networks by the FinalizationRegistry. Prints one JSON line.
import { Network, init, memoryStats } from 'wasm-mlp';

await init();
const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
const y = new Float32Array([0, 1, 1, 0]);
const options = { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', backend: 'wasm' };

async function cycle() {
  const net = await Network.create(options);
  await net.fit(x, y, { epochs: 2, batchSize: 4 });
  net.predict(x);
  net.dispose();
}

const settle = async () => {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
};

for (let i = 0; i < 500; i++) await cycle(); // warm-up: JIT, caches
await settle();
const heap0 = process.memoryUsage().heapUsed;
const { memoryBytes: wasm0, bytesInUse: inUse0 } = await memoryStats();
for (let i = 0; i < 10_000; i++) await cycle();
await settle();
const heap1 = process.memoryUsage().heapUsed;
const { memoryBytes: wasm1, bytesInUse: inUse1 } = await memoryStats();

// Forgotten networks: never disposed, only dropped.
for (let i = 0; i < 200; i++) await Network.create({ ...options, layers: [{ units: 64, activation: 'relu' }, { units: 1, activation: 'sigmoid' }] });
const forgottenPeak = (await memoryStats()).bytesInUse;
await settle();
await new Promise((r) => setTimeout(r, 50));
await settle();
const afterGc = (await memoryStats()).bytesInUse;

process.stdout.write(JSON.stringify({ heap0, heap1, wasm0, wasm1, inUse0, inUse1, forgottenPeak, afterGc }));
