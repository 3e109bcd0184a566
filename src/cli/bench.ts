// wasm-mlp bench: training and inference speed of the wasm core against the library's pure-JS
// backend on this machine, a few network shapes, one table. The two sides alternate in rounds
// (their order flips each round) and each keeps its best round, so a slow stretch of a shared
// machine hits both sides alike instead of skewing the ratio.

import { cpus } from 'node:os';
import type { Library } from './library.js';
import { parse, positionals } from './args.js';
import type { Network, NetworkOptions } from '../node.js';

export const benchHelp = `Usage: wasm-mlp bench

Measures this machine: training samples/s and prediction rows/s of the WebAssembly core
against the library's pure-JavaScript backend (the same maths), on three networks:
2-16-1 (XOR), 13-32-3 (a small tabular classifier) and 784-128-10 (MNIST-sized). The
two backends run alternately, 5 rounds each, best round kept; 10-20 seconds.

Options:
  -h, --help   this help
`;

interface Shape {
  name: string;
  options: Omit<NetworkOptions, 'backend'>;
  samples: number;
  batchSize: number;
}

const SHAPES: Shape[] = [
  {
    name: '2-16-1 (XOR)', samples: 4, batchSize: 4,
    options: { inputSize: 2, layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' },
  },
  {
    name: '13-32-3', samples: 512, batchSize: 32,
    options: { inputSize: 13, layers: [{ units: 32, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
  },
  {
    name: '784-128-10', samples: 1024, batchSize: 64,
    options: { inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
  },
];

const ROUNDS = 5;
/** Seconds one training round of the slower side should take (sets the epochs per round). */
const TRAIN_ROUND = 0.4;
const PREDICT_ROUND = 0.15;

export async function bench(lib: Library, args: string[]): Promise<void> {
  const { values, positionals: p } = parse('bench', args, {});
  if (values.help) {
    process.stdout.write(benchHelp);
    return;
  }
  positionals('bench', p, []);
  const cpu = cpus();
  process.stdout.write(`wasm-mlp bench: Node ${process.versions.node}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown cpu'}), one thread, ${ROUNDS} alternating rounds, best kept\n\n`);
  const rows = [['network', 'batch', 'train wasm /s', 'train js /s', 'train ratio', 'predict wasm /s', 'predict js /s', 'predict ratio']];
  for (const shape of SHAPES) {
    const r = await measure(lib, shape);
    rows.push([
      shape.name, String(shape.batchSize), count(r.train.wasm), count(r.train.js), `${(r.train.wasm / r.train.js).toFixed(2)}x`,
      count(r.predict.wasm), count(r.predict.js), `${(r.predict.wasm / r.predict.js).toFixed(2)}x`,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  process.stdout.write([line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') + '\n');
  process.stdout.write('\ntrain: samples/s of fit (forward, backward, Adam step); predict: rows/s of predict on the whole set; ratio: wasm / js\n');
}

interface Rates {
  train: { wasm: number; js: number };
  predict: { wasm: number; js: number };
}

async function measure(lib: Library, shape: Shape): Promise<Rates> {
  const x = randomMatrix(shape.samples * shape.options.inputSize, 1);
  const outputs = shape.options.layers[shape.options.layers.length - 1].units;
  const y = outputs === 1 ? Float32Array.from({ length: shape.samples }, (_, i) => i % 2) : Int32Array.from({ length: shape.samples }, (_, i) => i % outputs);
  const nets = {
    wasm: await lib.Network.create({ ...shape.options, backend: 'wasm' }),
    js: await lib.Network.create({ ...shape.options, backend: 'js' }),
  };
  try {
    // Size the rounds by the slower side; sizing runs warm both up (wasm compilation, JIT) first.
    const epochsFor = (net: Network): Promise<number> => calls((e) => fitSeconds(net, x, y, shape, e), TRAIN_ROUND);
    const repeatsFor = (net: Network): Promise<number> => calls(async (k) => predictSeconds(net, x, k), PREDICT_ROUND);
    const epochs = Math.min(await epochsFor(nets.wasm), await epochsFor(nets.js));
    const repeats = Math.min(await repeatsFor(nets.wasm), await repeatsFor(nets.js));
    const best = { train: { wasm: 0, js: 0 }, predict: { wasm: 0, js: 0 } };
    for (let round = 0; round < ROUNDS; round++) {
      const sides = round % 2 === 0 ? (['wasm', 'js'] as const) : (['js', 'wasm'] as const);
      for (const side of sides) {
        const t = await fitSeconds(nets[side], x, y, shape, epochs);
        best.train[side] = Math.max(best.train[side], (epochs * shape.samples) / t);
        const tp = predictSeconds(nets[side], x, repeats);
        best.predict[side] = Math.max(best.predict[side], (repeats * shape.samples) / tp);
      }
    }
    return best;
  } finally {
    nets.wasm.dispose();
    nets.js.dispose();
  }
}

/**
 * How many units of work (epochs, predict calls) take about `seconds`: grown by 4x until one
 * timed run is long enough to be measured apart from the per-call overhead, then scaled.
 */
async function calls(run: (units: number) => Promise<number>, seconds: number): Promise<number> {
  let units = 1;
  let t = await run(units);
  while (t < seconds / 8) {
    units *= 4;
    t = await run(units);
  }
  return Math.max(1, Math.round((units * seconds) / t));
}

async function fitSeconds(net: Network, x: Float32Array, y: Float32Array | Int32Array, shape: Shape, epochs: number): Promise<number> {
  const start = performance.now();
  await net.fit(x, y, { epochs, batchSize: shape.batchSize });
  return (performance.now() - start) / 1000;
}

function predictSeconds(net: Network, x: Float32Array, repeats: number): number {
  const start = performance.now();
  for (let i = 0; i < repeats; i++) net.predict(x);
  return (performance.now() - start) / 1000;
}

/** Uniform values in [-1, 1) from a fixed seed (xorshift32): the same data every run. */
function randomMatrix(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 31 - 1;
  });
}

function count(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}
