#!/usr/bin/env node
// How big a dense model still serves well from the inference entry (README, "Scale path"):
// for growing networks, the parameters, the memory the served model takes (wasm memory plus
// JS array buffers, what counts against an edge isolate's 128 MiB) and the predict latency at
// batch 1 and 256. Each size runs in a fresh process so memory figures do not mix.
// Usage: node bench/scale.mjs            (needs npm run build)
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZES = [
  [784, 128, 10],
  [784, 512, 512, 10],
  [1024, 1024, 1024, 10],
  [2048, 2048, 2048, 10],
  [2048, 4096, 2048, 10],
  [4096, 4096, 2048, 10],
  [4096, 4096, 4096, 10],
];

if (process.argv[2] === '--make') {
  // A saved model of this shape (random weights: latency does not depend on their values).
  const sizes = process.argv[3].split('-').map(Number);
  const { Network } = await import('../dist/node.js');
  const full = await Network.create({ inputSize: sizes[0], layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' : 'relu' })), seed: 1 });
  writeFileSync(process.argv[4], full.save());
  process.exit(0);
}

if (process.argv[2] === '--serve') {
  // Only what an edge function runs: the inference entry, the model file, predict.
  const sizes = process.argv[3].split('-').map(Number);
  const bytes = new Uint8Array(readFileSync(process.argv[4]));
  const { InferenceNetwork, init } = await import('../dist/infer.node.js');
  await init();
  const net = await InferenceNetwork.load(bytes);
  const x1 = new Float32Array(sizes[0]).map((_, i) => Math.sin(i));
  const x256 = new Float32Array(256 * sizes[0]).map((_, i) => Math.sin(i));
  net.predict(x256);
  // The served model after a batch of 256: the wasm memory it holds (parameters, packed copies,
  // activations); the module's memory is at least this, and only grows.
  const served = net.memoryBytes;
  const params = sizes.slice(1).reduce((n, units, i) => n + (sizes[i] + 1) * units, 0);
  const median = (f, n) => {
    const t = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    return t.sort((a, b) => a - b)[n >> 1];
  };
  const reps1 = Math.max(20, Math.min(2000, Math.round(2e8 / params)));
  const reps256 = Math.max(5, Math.min(200, Math.round(2e9 / (params * 256))));
  const batch1 = median(() => net.predict(x1), reps1);
  const batch256 = median(() => net.predict(x256), reps256);
  console.log(JSON.stringify({ sizes: sizes.join('-'), params, modelBytes: bytes.length, served, batch1, batch256 }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
console.log('| network | parameters | model file | wasm memory held after a batch of 256 | predict, batch 1 | predict, batch 256 | rows/s at 256 |');
console.log('|---|---|---|---|---|---|---|');
for (const sizes of SIZES) {
  let r;
  const file = join(tmpdir(), `wasm-mlp-scale-${sizes.join('-')}.bin`);
  try {
    execFileSync(process.execPath, [self, '--make', sizes.join('-'), file], { timeout: 600_000 });
    r = JSON.parse(execFileSync(process.execPath, [self, '--serve', sizes.join('-'), file], { encoding: 'utf8', timeout: 600_000 }));
    rmSync(file, { force: true });
  } catch (e) {
    console.log(`| ${sizes.join('-')} | failed: ${String(e.message).split('\n')[0]} |`);
    continue;
  }
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`| ${r.sizes} | ${(r.params / 1e6).toFixed(2)}M | ${mib(r.modelBytes)} | ${mib(r.served)} | ${(r.batch1 * 1000).toFixed(0)} us | ${r.batch256.toFixed(2)} ms | ${Math.round(256 / (r.batch256 / 1000)).toLocaleString('en')} |`);
}
