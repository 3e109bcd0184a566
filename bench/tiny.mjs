// Tiny networks (issue 14): training throughput of the wasm backend against the package's
// pure-JS backend and against an independent hand-optimised pure-JS MLP (bench/handmlp.mjs),
// all three measured in this process in alternating rounds, best of the rounds.
//   node bench/tiny.mjs [--quick]      (standalone; bench/run.js calls benchTiny)
// Workloads:
//   XOR      2-16-1, sigmoid hidden and output, mse, SGD, batch 4 (the 4 samples: 1 step/epoch)
//   tabular  13-32-3, tanh hidden, softmax output, cross-entropy, Adam, batch 16, 142 samples
//            (a fixed synthetic standardized set of the wine data's shape: 9 steps/epoch)
// Each timed call is what a user calls: `net.fit(x, y, { epochs, batchSize })` (shuffled, the
// default), or the hand MLP's own fit over as many epochs. Figures are steps (batches) per second.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Network } from 'wasm-mlp';
import { HandMlp } from './handmlp.mjs';
import { tabular as goldenTabular } from '../test/fixtures/tiny/golden.mjs';

function now() {
  return performance.now();
}

/** The golden fixture's tabular set, with one-hot targets too. */
function tabular() {
  const { x, y: labels, n } = goldenTabular();
  const onehot = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) onehot[i * 3 + labels[i]] = 1;
  return { x, labels, onehot, n };
}

function workloads() {
  const t = tabular();
  return [
    {
      name: 'XOR 2-16-1 sigmoid/mse SGD batch 4',
      n: 4,
      batchSize: 4,
      epochs: 256,
      x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
      y: new Float32Array([0, 1, 1, 0]),
      yHand: new Float32Array([0, 1, 1, 0]),
      options: {
        inputSize: 2,
        layers: [{ units: 16, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
        loss: 'mse',
        optimizer: { kind: 'sgd', learningRate: 0.5 },
      },
      hand: { inputs: 2, hidden: 16, outputs: 1, hiddenAct: 'sigmoid', output: 'sigmoid-mse', optimizer: 'sgd', lr: 0.5 },
    },
    {
      name: 'tabular 13-32-3 tanh/softmax CCE Adam batch 16',
      n: t.n,
      batchSize: 16,
      epochs: 32,
      x: t.x,
      y: t.labels,
      yHand: t.onehot,
      options: {
        inputSize: 13,
        layers: [{ units: 32, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
        loss: 'categorical-cross-entropy',
        optimizer: { kind: 'adam', learningRate: 0.01 },
      },
      hand: { inputs: 13, hidden: 32, outputs: 3, hiddenAct: 'tanh', output: 'softmax-cce', optimizer: 'adam', lr: 0.01 },
    },
  ];
}

/** Calls fn (one fit of `steps` steps) until `ms` have passed; returns steps per second. */
async function sample(fn, steps, ms) {
  let calls = 0;
  const t0 = now();
  let t = t0;
  do {
    await fn();
    calls++;
    t = now();
  } while (t - t0 < ms);
  return (calls * steps) / ((t - t0) / 1000);
}

/**
 * Measures every workload: the three sides in rounds (the side that goes first rotates), each
 * sample `ms` long, best of `rounds`. Prints one block per workload; returns the figures.
 */
export async function benchTiny({ quick = false, log = console.log } = {}) {
  const rounds = quick ? 3 : 7;
  const ms = quick ? 40 : 100;
  const results = [];
  for (const w of workloads()) {
    const steps = w.epochs * Math.ceil(w.n / w.batchSize);
    const wasm = await Network.create({ ...w.options, backend: 'wasm', seed: 1 });
    const js = await Network.create({ ...w.options, backend: 'js', seed: 1 });
    const hand = new HandMlp({ ...w.hand, seed: 1 });
    const fit = { epochs: w.epochs, batchSize: w.batchSize, shuffle: true };
    const sides = [
      ['wasm', () => wasm.fit(w.x, w.y, fit)],
      ['js backend', () => js.fit(w.x, w.y, fit)],
      ['hand-optimised JS', () => hand.fit(w.x, w.yHand, w.n, w.epochs, w.batchSize, true)],
    ];
    // Warm-up: every side's code optimised before the first timed round.
    for (const [, fn] of sides) await sample(fn, steps, quick ? 100 : 300);
    const best = Object.fromEntries(sides.map(([name]) => [name, 0]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < sides.length; i++) {
        const [name, fn] = sides[(r + i) % sides.length];
        best[name] = Math.max(best[name], await sample(fn, steps, ms));
      }
    }
    wasm.dispose();
    js.dispose();
    const row = {
      workload: w.name,
      wasm: best.wasm,
      js: best['js backend'],
      hand: best['hand-optimised JS'],
      vsJs: best.wasm / best['js backend'],
      vsHand: best.wasm / best['hand-optimised JS'],
    };
    results.push(row);
    const f = (v) => Math.round(v).toLocaleString('en-US').padStart(10);
    const ns = (v) => `${(1e9 / v).toFixed(0)} ns/step`.padStart(14);
    log(`${w.name}`);
    log(`  wasm               ${f(row.wasm)} steps/s ${ns(row.wasm)}`);
    log(`  js backend         ${f(row.js)} steps/s ${ns(row.js)}   wasm is ${row.vsJs.toFixed(1)}x`);
    log(`  hand-optimised JS  ${f(row.hand)} steps/s ${ns(row.hand)}   wasm is ${row.vsHand.toFixed(1)}x`);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  console.log(`tiny nets${quick ? ' (quick)' : ''}: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('best of alternating rounds, fit() with shuffle; steps = optimizer steps (batches)\n');
  await benchTiny({ quick });
}
