// wasm-mlp against PyTorch on one CPU thread: W1 (784-128-10 training, batch 64), W2 (its
// inference at batch 256 and 1) and W4 (784-512-512-10 training, batch 128), on the same data,
// in rounds that alternate the two sides (a fresh Python process per PyTorch round), best of
// the rounds for each side: the host swings about 2x between a fast and a slow regime.
// Needs Python 3 with PyTorch (Debian: apt-get install python3-torch); skipped otherwise.
//   node bench/pytorch.mjs [--rounds 3] [--seconds 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Network } from 'wasm-mlp';
import { data, labels as cycling } from './data.mjs';

const labels = (n) => cycling(n, 10);

const script = fileURLToPath(new URL('./pytorch.py', import.meta.url));

/** A Python that imports torch, or null. Debian's torch is for /usr/bin/python3. */
function findPython() {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
      return py;
    } catch {}
  }
  return null;
}

/** Samples/s as pytorch.py measures it: median of 5 runs of calls filling seconds / 5 each. */
async function rate(fn, perCall, seconds) {
  for (let i = 0; i < 3; i++) await fn();
  let t0 = performance.now();
  await fn();
  const calls = Math.max(1, Math.floor((seconds / 5) * 1000 / Math.max(performance.now() - t0, 1e-3)));
  const runs = [];
  for (let r = 0; r < 5; r++) {
    t0 = performance.now();
    for (let c = 0; c < calls; c++) await fn();
    runs.push((perCall * calls) / ((performance.now() - t0) / 1000));
  }
  return runs.sort((a, b) => a - b)[2];
}

const mlp = (hidden) => Network.create({
  inputSize: 784,
  layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
  optimizer: { kind: 'sgd', learningRate: 0.01 },
  seed: 1,
});

async function ours(x1, x256, x4, seconds) {
  const out = {};
  const w1 = await mlp([128]);
  out.W1 = await rate(() => w1.fit(x1, labels(1024), { epochs: 1, batchSize: 64, shuffle: false }), 1024, seconds);
  out['W2 batch 256'] = await rate(() => w1.predict(x256), 256, seconds);
  const one = x256.slice(0, 784);
  out['W2 batch 1'] = await rate(() => w1.predict(one), 1, seconds);
  w1.dispose();
  const w4 = await mlp([512, 512]);
  out.W4 = await rate(() => w4.fit(x4, labels(512), { epochs: 1, batchSize: 128, shuffle: false }), 512, seconds);
  w4.dispose();
  return out;
}

/** Runs the rounds and prints the table; returns { workload: { wasm, torch, ratio } } or null. */
export async function pytorchBench({ rounds = 3, seconds = 2 } = {}) {
  const py = findPython();
  if (!py) {
    console.log('PyTorch: skipped (no Python 3 with torch; Debian: apt-get install python3-torch)');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-torch-'));
  try {
    const x1 = data(1024, 784, 1);
    const x256 = data(256, 784, 2);
    const x4 = data(512, 784, 4);
    for (const [name, x] of [['w1', x1], ['w2', x256], ['w4', x4]]) writeFileSync(join(dir, `${name}.f32`), new Uint8Array(x.buffer));
    const best = { wasm: {}, torch: {} };
    let version = '';
    for (let r = 0; r < rounds; r++) {
      const theirs = JSON.parse(execFileSync(py, [script, dir, String(seconds)], { encoding: 'utf8', timeout: 600_000 }));
      version = `${theirs.torch}, ${theirs.threads} thread`;
      const mine = await ours(x1, x256, x4, seconds);
      for (const k of Object.keys(mine)) {
        best.wasm[k] = Math.max(best.wasm[k] ?? 0, mine[k]);
        best.torch[k] = Math.max(best.torch[k] ?? 0, theirs[k]);
      }
      console.log(`  round ${r + 1}: ` + Object.keys(mine).map((k) => `${k} ${(mine[k] / theirs[k]).toFixed(2)}x`).join(', '));
    }
    const result = {};
    console.log(`\nwasm-mlp (1 thread) vs PyTorch ${version}, best of ${rounds} alternating rounds, samples/s:`);
    for (const k of Object.keys(best.wasm)) {
      result[k] = { wasm: best.wasm[k], torch: best.torch[k], ratio: best.wasm[k] / best.torch[k] };
      console.log(`  ${k.padEnd(14)} wasm-mlp ${Math.round(best.wasm[k]).toLocaleString('en-US').padStart(10)}  PyTorch ${Math.round(best.torch[k]).toLocaleString('en-US').padStart(10)}  ${result[k].ratio.toFixed(2)}x`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, d) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  await pytorchBench({ rounds: arg('--rounds', 3), seconds: arg('--seconds', 2) });
}
