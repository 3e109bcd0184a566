// Tiny networks (issue 14): assembly/tiny.ts's fused training step. Its promise is that each
// step gives the same bits as the general step it replaces:
// - golden: test/fixtures/tiny/golden.mjs trains XOR 2-16-1 and a 13-32-3 tabular net (and
//   edge cases around them: short batches, other optimizers, dropout, sample weights, every
//   road through the trainer, one and two threads) and prints each run's losses and a hash of
//   its parameters' bits; golden.json holds what the core gave before the fused step existed.
//   The script runs here against the packed package, as a user installs it.
// - its restated sigmoid and tanh against activations.ts's, bit for bit on a dense grid;
// - random one-hidden-layer networks trained with the fused step and with the gemm path.
import { describe, it, expect, inject, beforeAll, afterEach } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuntime, type Runtime } from '../src/wasm.js';
import { Network, type NetworkOptions } from '../src/index.js';
import { Random } from '../src/random.js';
import { wasmMemory } from './wasm-memory.js';
import * as abi from '../src/abi.js';

interface Case {
  name: string;
  loss: number[];
  accuracy: number[] | null;
  valLoss: number[] | null;
  params: string;
  bits?: string;
}


const golden: { cases: Case[] } = JSON.parse(readFileSync(new URL('./fixtures/tiny/golden.json', import.meta.url), 'utf8'));

let rt: Runtime;
let tiny: Runtime['core'];
beforeAll(async () => {
  rt = await loadRuntime();
  tiny = rt.core;
});
afterEach(() => {
  rt.core.setSmallPath(1);
});
const { f32, upload } = wasmMemory(() => rt);

describe('tiny networks train to the same bits as before the fused step', () => {
  it('every golden case: losses, accuracies, validation losses and parameter bits', () => {
    const app = inject('packedApp');
    copyFileSync(new URL('./fixtures/tiny/golden.mjs', import.meta.url), join(app, 'tiny-golden.mjs'));
    const got: Case[] = JSON.parse(execFileSync(process.execPath, ['tiny-golden.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 }));
    expect(got.map((c) => c.name)).toEqual(golden.cases.map((c) => c.name));
    let bitsCompared = 0;
    golden.cases.forEach((want, i) => {
      const c = got[i];
      // The first differing parameter, for a readable failure where every bit is kept.
      if (want.bits) {
        const at = [...want.bits].findIndex((ch, k) => ch !== c.bits![k]);
        expect(at, `${want.name}: first differing hex digit of the parameters`).toBe(-1);
        bitsCompared++;
      }
      expect(c.loss, `${want.name}: loss`).toEqual(want.loss);
      expect(c.accuracy, `${want.name}: accuracy`).toEqual(want.accuracy);
      expect(c.valLoss, `${want.name}: valLoss`).toEqual(want.valLoss);
      expect(c.params, `${want.name}: parameter bits (sha256)`).toBe(want.params);
    });
    expect(bitsCompared).toBe(2);
    expect(golden.cases.length).toBe(172);
  });
});

describe("the fused step's sigmoid and tanh", () => {
  it('equal activationForward bit for bit on a dense grid and at the edges (0, -0, +-inf, NaN, saturation)', () => {
    const n = 200_000;
    const z = new Float32Array(n + 12);
    for (let i = 0; i < n; i++) {
      const u = (i / n) * 2 - 1;
      z[i] = Math.fround(i % 3 === 0 ? u * 100 : i % 3 === 1 ? u * 10 : u * 1e-4 * (1 + (i % 11)));
    }
    z.set([0, -0, Infinity, -Infinity, NaN, 87.3, -87.3, 88.5, -88.5, 9, -9, 1e-30], n);
    const pz = upload(z);
    const want = rt.arena.alloc(z.length * 4 + 16);
    const got = rt.arena.alloc(z.length * 4 + 16);
    for (const act of [abi.ACT_SIGMOID, abi.ACT_TANH]) {
      rt.core.activationForward(act, 0, pz, want, 1, z.length);
      tiny.tinyActivation(act, pz, got, z.length);
      const bits = (p: number) => new Uint32Array(f32().buffer, p, z.length).slice();
      const w = bits(want);
      const g = bits(got);
      const first = w.findIndex((v, i) => v !== g[i]);
      expect(first, `act ${act}: first differing value at z = ${z[first]}`).toBe(-1);
      // Not vacuous: the grid spans the functions' range.
      const a = new Float32Array(f32().buffer, got, z.length);
      expect(a.subarray(0, n).reduce((m, v) => Math.min(m, v))).toBeLessThan(act === abi.ACT_TANH ? -0.99 : 0.01);
      expect(a.subarray(0, n).reduce((m, v) => Math.max(m, v))).toBeGreaterThan(0.99);
    }
    for (const p of [pz, want, got]) rt.arena.free(p);
  });
});

describe('random one-hidden-layer networks: the fused step against the gemm path', () => {
  const HIDDEN = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
  const OPTIMIZERS = [
    { kind: 'sgd', learningRate: 0.1 },
    { kind: 'sgd', learningRate: 0.1, weightDecay: 0.05 },
    { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
    { kind: 'adam', learningRate: 0.01 },
    { kind: 'adam', learningRate: 0.01, clipNorm: 0.1 },
    { kind: 'rmsprop', learningRate: 0.01 },
  ] as const;

  async function train(options: NetworkOptions, x: Float32Array, y: Float32Array, batchSize: number, shuffle: boolean, fused: boolean) {
    const net = await Network.create(options);
    rt.core.setSmallPath(fused ? 1 : 0);
    try {
      const calls = tiny.tinyPathCalls();
      // A diverging run (a linear net, a large rate) must diverge alike on both paths.
      const history = await net.fit(x, y, { epochs: 3, batchSize, shuffle }).catch((e: Error) => e.message);
      const steps = tiny.tinyPathCalls() - calls;
      const w = net.getWeights();
      const bits = [...w.weights, ...w.biases].flatMap((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));
      return { history, steps, bits };
    } finally {
      rt.core.setSmallPath(1);
      net.dispose();
    }
  }

  it('[consistency only] same losses, accuracies and parameter bits; the fused step ran for every batch of 1-4 rows', async () => {
    let fusedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          input: fc.integer({ min: 1, max: 16 }),
          hidden: fc.integer({ min: 1, max: 16 }),
          act: fc.constantFrom(...HIDDEN),
          head: fc.constantFrom('sigmoid-mse', 'sigmoid-bce', 'tanh-mse', 'linear-mse'),
          optimizer: fc.constantFrom(...OPTIMIZERS),
          rows: fc.integer({ min: 1, max: 24 }),
          batchSize: fc.integer({ min: 1, max: 6 }),
          seed: fc.integer({ min: 1, max: 1000 }),
          shuffle: fc.boolean(),
        }),
        async (c) => {
          const [out, loss] = c.head.split('-');
          const options = {
            inputSize: c.input,
            layers: [{ units: c.hidden, activation: c.act }, { units: 1, activation: out }],
            loss: loss === 'bce' ? 'binary-cross-entropy' : 'mse',
            optimizer: c.optimizer,
            seed: c.seed,
          } as unknown as NetworkOptions;
          const random = new Random(c.seed);
          const x = Float32Array.from({ length: c.rows * c.input }, () => 2 * random.uniform() - 1);
          const y = Float32Array.from({ length: c.rows }, () => (loss === 'bce' ? (random.uniform() > 0.5 ? 1 : 0) : random.uniform()));
          const fused = await train(options, x, y, c.batchSize, c.shuffle, true);
          const gemm = await train(options, x, y, c.batchSize, c.shuffle, false);
          const batch = Math.min(c.batchSize, c.rows);
          const sizes = Array.from({ length: Math.ceil(c.rows / batch) }, (_, b) => Math.min(batch, c.rows - b * batch));
          if (typeof fused.history !== 'string') expect(fused.steps).toBe(3 * sizes.filter((m) => m <= 4).length);
          expect(gemm.steps).toBe(0);
          if (fused.steps > 0) fusedRuns++;
          expect(fused.bits).toEqual(gemm.bits);
          // Losses and accuracies, or the same divergence message (not the timings).
          const results = (h: typeof fused.history) => (typeof h === 'string' ? h : [h.loss, h.accuracy, h.stopReason]);
          expect(results(fused.history)).toEqual(results(gemm.history));
        },
      ),
      { numRuns: 80, seed: 20261203 },
    );
    expect(fusedRuns).toBeGreaterThan(40);
  });

  it('networks it does not take train on the general path: two hidden layers, two outputs, softmax, dropout, sample weights', async () => {
    const base = { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' } as NetworkOptions;
    const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
    const y = new Float32Array([0, 1, 1, 0]);
    const count = async (options: NetworkOptions, yy: Float32Array | Int32Array, fit: object = {}) => {
      const net = await Network.create(options);
      const calls = tiny.tinyPathCalls();
      await net.fit(x, yy, { epochs: 2, batchSize: 4, ...fit });
      net.dispose();
      return tiny.tinyPathCalls() - calls;
    };
    expect(await count(base, y)).toBe(2);
    expect(await count({ ...base, layers: [{ units: 8, activation: 'tanh' }, { units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] }, y)).toBe(0);
    expect(await count({ ...base, layers: [{ units: 8, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }] }, new Float32Array([0, 1, 1, 0, 1, 0, 0, 1]))).toBe(0);
    expect(await count({ ...base, layers: [{ units: 8, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy' }, new Int32Array([0, 1, 1, 0]))).toBe(0);
    expect(await count({ ...base, layers: [{ units: 8, activation: 'tanh', dropout: 0.5 }, { units: 1, activation: 'sigmoid' }] }, y)).toBe(0);
    expect(await count({ ...base, layers: [{ units: 8, activation: 'elu' }, { units: 1, activation: 'sigmoid' }] }, y)).toBe(0);
    expect(await count(base, y, { sampleWeight: [1, 2, 1, 1] })).toBe(0);
    expect(await count({ ...base, layers: [{ units: 17, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] }, y)).toBe(0);
  });
});
