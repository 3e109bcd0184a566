// npm run bench [-- --quick]: wasm backend vs pure-JS backend on the workloads of
// bench/RESULTS.md, measured with tinybench in one process; prints figures and ratios.
// Uses the built package (dist/, build/), as a user would.
import { Bench } from 'tinybench';
import os from 'node:os';
import { Network, _loadRuntime as initPackage } from 'wasm-mlp';
import * as peers from './peers.js';
import { loadMnist } from './mnist.js';
import { data, labels } from './data.mjs';

const quick = process.argv.includes('--quick');
const TIME = quick ? 300 : 1500; // ms per task after warm-up


const mnistLike = (backend, hidden, threads = 1) =>
  Network.create({
    inputSize: 784,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: 10, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    seed: 1,
    backend,
    threads,
  });

async function measure(name, fn, perCall, unit) {
  const bench = new Bench({ time: TIME, warmup: true, warmupTime: quick ? 100 : 500, warmupIterations: 3, iterations: 5 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== "completed") throw new Error(`${name}: ${r.state} ${r.error?.stack ?? ""}`);
  const p50 = r.latency.p50;
  return { name, rate: (perCall / p50) * 1000, rme: r.latency.rme, unit, samples: r.latency.samplesCount ?? r.latency.samples?.length };
}

const rows = [];
/**
 * Measures wasm-mlp's two backends, then (full run only) each peer: { name: [perCall, make] },
 * printing each figure and its ratio to wasm-mlp's wasm backend measured in this process.
 */
async function pair(label, unit, perCall, make, peers = {}) {
  const results = {};
  for (const backend of ['wasm', 'js']) {
    const { fn, dispose } = await make(backend);
    results[backend] = await measure(`${label} ${backend}`, fn, perCall, unit);
    dispose();
  }
  rows.push({ label, unit, wasm: results.wasm, js: results.js });
  console.log(
    `${label.padEnd(44)} wasm ${fmt(results.wasm.rate)} ${unit} (±${results.wasm.rme.toFixed(1)}%)  js ${fmt(results.js.rate)} ${unit} (±${results.js.rme.toFixed(1)}%)  ratio ${(results.wasm.rate / results.js.rate).toFixed(1)}x`,
  );
  if (quick) return;
  for (const [name, [peerPerCall, makePeer]] of Object.entries(peers)) {
    const { fn, dispose } = await makePeer();
    const r = await measure(`${label} ${name}`, fn, peerPerCall, unit);
    dispose();
    console.log(`${''.padEnd(44)}   ${name.padEnd(16)} ${fmt(r.rate)} ${unit} (±${r.rme.toFixed(1)}%): wasm-mlp is ${(results.wasm.rate / r.rate).toFixed(1)}x`);
  }
}
function fmt(v) {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

console.log(`wasm-mlp bench${quick ? ' (quick)' : ''}: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`);
console.log('medians (p50) of tinybench samples after warm-up; ratio = wasm / js in this run\n');

// Threads: the wasm backend on 1 and 2 threads, same work, same process. First, before any
// peer has run: a full run with the peers' leftovers in the heap read 10-30% lower 2-thread
// ratios than this order.
const threadRows = [];
async function threadsPair(label, unit, perCall, make) {
  const r = {};
  for (const threads of [1, 2]) {
    const { fn, dispose } = await make(threads);
    r[threads] = await measure(`${label} threads ${threads}`, fn, perCall, unit);
    dispose();
  }
  threadRows.push({ label, unit, one: r[1], two: r[2] });
  console.log(
    `${label.padEnd(44)} 1 thread ${fmt(r[1].rate)} ${unit} (±${r[1].rme.toFixed(1)}%)  2 threads ${fmt(r[2].rate)} ${unit} (±${r[2].rme.toFixed(1)}%)  ratio ${(r[2].rate / r[1].rate).toFixed(2)}x`,
  );
}
{
  const n = 1024;
  const x = data(n, 784, 1);
  const y = labels(n, 10);
  await threadsPair('W1 train 784-128-10 batch 64', 'samples/s', n, async (threads) => {
    const net = await mnistLike('wasm', [128], threads);
    return { fn: async () => void await net.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false }), dispose: () => net.dispose() };
  });
  const x256 = data(256, 784, 2);
  await threadsPair('W2 infer 784-128-10 batch 256', 'samples/s', 256, async (threads) => {
    const net = await mnistLike('wasm', [128], threads);
    return { fn: () => net.predict(x256), dispose: () => net.dispose() };
  });
  const xx = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
  const xy = new Float32Array([0, 1, 1, 0]);
  await threadsPair('W3 train XOR 2-16-1, 4 samples/step', 'steps/s', 256, async (threads) => {
    const net = await Network.create({
      inputSize: 2,
      layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binary-cross-entropy',
      optimizer: { kind: 'sgd', learningRate: 0.1 },
      threads,
    });
    return { fn: async () => void await net.fit(xx, xy, { epochs: 256, batchSize: 4, shuffle: false }), dispose: () => net.dispose() };
  });
  const n4 = 512;
  const x4 = data(n4, 784, 4);
  const y4 = labels(n4, 10);
  await threadsPair('W4 train 784-512-512-10 batch 128', 'samples/s', n4, async (threads) => {
    const net = await mnistLike('wasm', [512, 512], threads);
    return { fn: async () => void await net.fit(x4, y4, { epochs: 1, batchSize: 128, shuffle: false }), dispose: () => net.dispose() };
  });
}
console.log('');

// Tiny nets (issue 14): XOR 2-16-1 and a 13-32-3 tabular net, wasm against the JS backend and
// a hand-optimised pure-JS MLP (bench/tiny.mjs), alternating rounds; before any peer's heap.
await (await import('./tiny.mjs')).benchTiny({ quick });
console.log('');

// Sparse products: the same training with assembly/network.ts's zero-skipping products on and
// off (the package's own runtime, whose networks these are), same process, one thread. Also
// before any peer. The same bits either way (test/sparse.test.ts).
{
  const core = (await initPackage()).core;
  const sparseRows = [];
  const sparsePair = async (label, perCall, make) => {
    const r = {};
    for (const on of [1, 0]) {
      core.setSparsePath(on);
      const { fn, dispose } = await make();
      r[on] = await measure(`${label} sparse ${on}`, fn, perCall, 'samples/s');
      dispose();
    }
    core.setSparsePath(1);
    sparseRows.push({ label, on: r[1], off: r[0] });
    console.log(
      `${label.padEnd(44)} sparse on ${fmt(r[1].rate)} samples/s (±${r[1].rme.toFixed(1)}%)  off ${fmt(r[0].rate)} samples/s (±${r[0].rme.toFixed(1)}%)  ratio ${(r[1].rate / r[0].rate).toFixed(2)}x`,
    );
  };
  const n = 1024;
  const x = data(n, 784, 1);
  const y = labels(n, 10);
  await sparsePair('W1 train 784-128-10 batch 64', n, async () => {
    const net = await mnistLike('wasm', [128]);
    return { fn: async () => void await net.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false }), dispose: () => net.dispose() };
  });
  // Real digits: ~81% of MNIST's pixels are 0, so the first layer's forward skips them too.
  const digits = loadMnist();
  const xm = digits.xTrain.subarray(0, n * 784);
  const ym = digits.yTrain.subarray(0, n);
  await sparsePair('W1 on real MNIST digits (81% zeros)', n, async () => {
    const net = await mnistLike('wasm', [128]);
    return { fn: async () => void await net.fit(xm, ym, { epochs: 1, batchSize: 64, shuffle: false }), dispose: () => net.dispose() };
  });
  const n4 = 512;
  const x4 = data(n4, 784, 4);
  const y4 = labels(n4, 10);
  await sparsePair('W4 train 784-512-512-10 batch 128', n4, async () => {
    const net = await mnistLike('wasm', [512, 512]);
    return { fn: async () => void await net.fit(x4, y4, { epochs: 1, batchSize: 128, shuffle: false }), dispose: () => net.dispose() };
  });
  const x256 = digits.xTest.subarray(0, 256 * 784);
  await sparsePair('W2 infer batch 256, real MNIST digits', 256, async () => {
    const net = await mnistLike('wasm', [128]);
    return { fn: () => net.predict(x256), dispose: () => net.dispose() };
  });
}
console.log('');

// W1: train 784-128-10, relu/softmax + CCE, SGD, batch 64. One call = one epoch of 1,024 samples.
{
  const n = 1024;
  const x = data(n, 784, 1);
  const y = labels(n, 10);
  await pair('W1 train 784-128-10 batch 64', 'samples/s', n, async (backend) => {
    const net = await mnistLike(backend, [128]);
    return { fn: async () => void await net.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false }), dispose: () => net.dispose() };
  }, {
    'TF.js cpu': [n, () => peers.tfTrain('cpu', [128], x, y, 64)],
    'TF.js wasm': [n, () => peers.tfTrain('wasm', [128], x, y, 64)],
    'brain.js (batch 1, sigmoid)': [256, () => peers.brainTrain(x.subarray(0, 256 * 784), y.subarray(0, 256))],
  });
}
// W2: inference, same net, batch 256 and batch 1.
{
  const x256 = data(256, 784, 2);
  const x1 = data(1, 784, 3);
  const onnx = (await mnistLike('wasm', [128])).toONNX();
  await pair('W2 infer 784-128-10 batch 256', 'samples/s', 256, async (backend) => {
    const net = await mnistLike(backend, [128]);
    return { fn: () => net.predict(x256), dispose: () => net.dispose() };
  }, {
    'TF.js cpu': [256, () => peers.tfInfer('cpu', x256, 256)],
    'TF.js wasm': [256, () => peers.tfInfer('wasm', x256, 256)],
    'brain.js (1 by 1)': [256, () => peers.brainInfer(x256, 256)],
    'ORT Web (wasm)': [256, () => peers.ortInfer(onnx, x256, 256)],
    'ORT native (Node)': [256, () => peers.ortNativeInfer(onnx, x256, 256)],
  });
  await pair('W2 infer 784-128-10 batch 1', 'samples/s', 1, async (backend) => {
    const net = await mnistLike(backend, [128]);
    return { fn: () => net.predict(x1), dispose: () => net.dispose() };
  }, {
    'TF.js cpu': [1, () => peers.tfInfer('cpu', x1, 1)],
    'TF.js wasm': [1, () => peers.tfInfer('wasm', x1, 1)],
    'brain.js': [1, () => peers.brainInfer(x1, 1)],
    'ORT Web (wasm)': [1, () => peers.ortInfer(onnx, x1, 1)],
    'ORT native (Node)': [1, () => peers.ortNativeInfer(onnx, x1, 1)],
  });
}
// W3: XOR 2-16-1, 4 samples per step; one call = 256 epochs = 256 steps.
{
  const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
  const y = new Float32Array([0, 1, 1, 0]);
  await pair('W3 train XOR 2-16-1, 4 samples/step', 'steps/s', 256, async (backend) => {
    const net = await Network.create({
      inputSize: 2,
      layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binary-cross-entropy',
      optimizer: { kind: 'sgd', learningRate: 0.1 },
      backend,
    });
    return { fn: async () => void await net.fit(x, y, { epochs: 256, batchSize: 4, shuffle: false }), dispose: () => net.dispose() };
  }, {
    'TF.js cpu': [16, () => peers.tfXor('cpu', 16)],
    'TF.js wasm': [16, () => peers.tfXor('wasm', 16)],
    'brain.js (sigmoid)': [256, () => peers.brainXor(256)],
  });
}
// W4: train 784-512-512-10, batch 128; one call = 512 samples.
if (!quick) {
  const n = 512;
  const x = data(n, 784, 4);
  const y = labels(n, 10);
  await pair('W4 train 784-512-512-10 batch 128', 'samples/s', n, async (backend) => {
    const net = await mnistLike(backend, [512, 512]);
    return { fn: async () => void await net.fit(x, y, { epochs: 1, batchSize: 128, shuffle: false }), dispose: () => net.dispose() };
  }, {
    'TF.js wasm': [n, () => peers.tfTrain('wasm', [512, 512], x, y, 128)],
  });
}

// GEMM kernel alone at MLP shapes: C (M x N) = A (M x K) * packed B, against two bounds: the
// same kernel on operands that sit in L1 (16 x 16 x 256), the best code V8 makes of it, and
// the SIMD128 arithmetic limit at the clock measured here (bench/probes/clock.ts).
{
  const asc = await import('assemblyscript/asc');
  const source = await import('node:fs').then((fs) => fs.readFileSync(new URL('./probes/clock.ts', import.meta.url), 'utf8'));
  const compiled = await asc.compileString(source, { optimizeLevel: 3, runtime: 'stub', noAssert: true });
  if (!compiled.binary) throw new Error(`bench/probes/clock.ts: ${compiled.stderr.toString()}`);
  const probe = (await WebAssembly.instantiate(compiled.binary, { env: { abort() {} } })).instance.exports;
  const CHAIN = 1_000_000;
  const clocks = [];
  const measureClock = async () => clocks.push((await measure('clock', () => probe.chain(CHAIN, 3, 5), (16 * CHAIN) / 1e9, 'GHz')).rate);
  await measureClock();
  const rt = await initPackage();
  const f32 = () => new Float32Array(rt.memory.buffer);
  const shapes = [
    [16, 16, 256, 'ceiling: operands in L1 (16 KB each)'],
    [64, 128, 784, 'forward 784->128, batch 64'],
    [64, 10, 128, 'forward 128->10 (N padded to 16), batch 64'],
    [64, 10, 128, 'forward 128->10, C^T tiles (gemmNarrow)', 'narrow'],
    [64, 10, 128, 'the same with A packed in the timed call', 'narrow+pack'],
    [128, 784, 64, 'dW 128x784 over batch 64'],
    [128, 512, 512, 'forward 512->512, batch 128'],
    [1, 128, 784, 'forward 784->128, batch 1 (1-row kernel)'],
    [128, 784, 64, 'dW, gemmSparse, Delta 50% zeros (useful flops)', 'sparse'],
    [64, 128, 784, 'forward, gemmSparse, A 50% zeros (useful)', 'sparse-rows'],
    [16, 16, 256, 'ceiling again (the larger of the two is used)'],
  ];
  console.log('');
  const results = [];
  for (const [M, N, K, label, kind] of shapes) {
    const a = rt.arena.alloc(M * K * 4);
    const b = rt.arena.alloc(K * N * 4);
    const bp = rt.arena.alloc(rt.core.packedSize(K, N) * 4);
    const c = rt.arena.alloc(M * N * 4);
    const tile = rt.arena.alloc(128);
    f32().set(data(M * K, 1, 5), a >> 2);
    f32().set(data(K * N, 1, 6), b >> 2);
    rt.core.packRows(bp, b, K, N, N);
    const scratch = [];
    let flop = 2 * M * N * K; // useful flops only: padding lanes do not count
    let run = () => rt.core.gemm(M, N, K, a, K, 1, bp, c, N, 0, 1, tile);
    if (kind?.startsWith('sparse')) {
      // Every other element of A zeroed, as a ReLU layer leaves its deltas; the list is built
      // in the timed call, as the network does. dW: A = Delta^T (stored as Delta), B read in
      // place; forward: A row-major, B = packed W^T.
      const values = f32().subarray(a >> 2, (a >> 2) + M * K);
      for (let i = 0; i < values.length; i++) if (values[i] < 0.5) values[i] = 0; // uniform [0, 1)
      let nonzero = 0;
      for (const v of values) if (v !== 0) nonzero++;
      flop = 2 * nonzero * N;
      const list = rt.arena.alloc(4 * (2 + M * (Math.ceil(K / 128) + 2)) + 8 * (M * K + M));
      scratch.push(list);
      run = kind === 'sparse'
        ? () => {
          rt.core.sparseRows(list, a, M, K, 1, N * 4, 1 << 30);
          rt.core.gemmSparse(M, N, list, b, 32, c, N, 0, 1);
        }
        : () => {
          rt.core.sparseRows(list, a, M, K, 0, 32, 1 << 30);
          rt.core.gemmSparse(M, N, list, bp, K * 32, c, N, 0, 1);
        };
    } else if (kind) {
      // Z = A W^T with W (N x K) read in place and A packed in 8-row panels. Like every other
      // line, the kernel alone has its operand packed outside the timed call; forward() packs A
      // at every call, so the second line times both.
      const ap = rt.arena.alloc(Math.ceil(M / 8) * 8 * K * 4);
      rt.core.packTransposed(ap, a, M, K);
      run = kind === 'narrow'
        ? () => rt.core.gemmNarrow(M, N, K, b, K, 1, ap, c, N, 0, 1, tile)
        : () => {
          rt.core.packTransposed(ap, a, M, K);
          rt.core.gemmNarrow(M, N, K, b, K, 1, ap, c, N, 0, 1, tile);
        };
    }
    const r = await measure(`gemm ${label}`, run, flop / 1e9, 'GFLOP/s');
    results.push({ shape: `${M}x${N}x${K}`, label, r });
    for (const p of [a, b, bp, c, tile, ...scratch]) rt.arena.free(p);
  }
  await measureClock();
  // The machine's clock drifts during a run; both bounds are taken at both ends.
  const ceiling = Math.max(results[0].r.rate, results[results.length - 1].r.rate);
  const ghz = Math.max(...clocks);
  const limit = 16 * ghz; // GFLOP/s: 2 multiply + 2 add pipes of 4 lanes (no FMA in SIMD128)
  console.log(
    `clock ${clocks.map((c) => c.toFixed(2)).join(' / ')} GHz (first / last; one-cycle integer chain); SIMD128 limit 16 flop/cycle = ${limit.toFixed(1)} GFLOP/s; the tile's L1 ceiling is ${Math.round((100 * ceiling) / limit)}% of it`,
  );
  for (const { shape, label, r } of results) {
    const fraction = `${Math.round((100 * r.rate) / ceiling)}% of ceiling, ${Math.round((100 * r.rate) / limit)}% of limit`;
    console.log(`GEMM ${shape.padEnd(12)} ${label.padEnd(46)} ${r.rate.toFixed(1)} GFLOP/s (±${r.rme.toFixed(1)}%)  ${fraction}`);
  }
}

// Memory: peak RSS of a W1 training run in a fresh process (bench/memory-child.mjs).
{
  const { execFileSync } = await import('node:child_process');
  const child = new URL('./memory-child.mjs', import.meta.url).pathname;
  const samples = quick ? 20000 : 60000;
  const r = JSON.parse(execFileSync(process.execPath, [child, String(samples), '3'], { encoding: 'utf8' }));
  const f = (v) => v.toFixed(1);
  console.log(
    `\nmemory, W1 on ${samples.toLocaleString('en-US')} samples x 3 epochs: peak RSS ${f(r.peakMB)} MB, budget 1.5 x ${f(r.modelMB)} MB (data ${f(r.dataMB)} MB + parameters, state, activations) + 40 MB = ${f(r.budgetMB)} MB: ${(r.peakMB / r.budgetMB).toFixed(2)} of budget` +
      `; Node + package alone ${f(r.runtimeMB)} MB; RSS after each epoch ${r.perEpochMB.map(f).join(', ')} MB (growth ${f(r.growthMB)} MB)`,
  );
}

// Start-up: import + instantiate + first prediction in a fresh process (bench/startup-child.mjs).
{
  const { execFileSync } = await import('node:child_process');
  const child = new URL('./startup-child.mjs', import.meta.url).pathname;
  const runs = Array.from({ length: 7 }, () => JSON.parse(execFileSync(process.execPath, [child], { encoding: 'utf8' })));
  runs.sort((x, y) => x.total - y.total);
  const m = runs[3];
  console.log(
    `\nstart-up (import + instantiate + first prediction, fresh process): median ${m.total.toFixed(1)} ms of 7` +
      ` (import ${m.import.toFixed(1)}, create ${m.create.toFixed(1)}, predict ${m.predict.toFixed(1)}); target <= 20 ms`,
  );
}

// Cold start of the inference entry per runtime (bench/cold-start.mjs).
{
  const { coldStart, printColdStart } = await import('./cold-start.mjs');
  const runs = quick ? 5 : 9;
  printColdStart(await coldStart({ runs }), runs);
}

// int8 inference against float32 and ORT Web's dynamic int8 (bench/quant.mjs).
{
  const { runQuant } = await import('./quant.mjs');
  console.log('');
  await runQuant({ quick });
}

// PyTorch on one CPU thread, alternating rounds (bench/pytorch.mjs; full run, needs python3-torch).
if (!quick) {
  const { pytorchBench } = await import('./pytorch.mjs');
  console.log('\nPyTorch, one CPU thread:');
  await pytorchBench({ rounds: 3, seconds: 2 });
}
