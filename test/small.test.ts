// The small path (assembly/small.ts: batch rows in the lanes, nothing packed) against the
// gemm.ts path it replaces for calls of 2 to SMALL_ROWS rows through networks at most
// SMALL_WIDTH wide. It keeps gemm.ts's summation order, so the two must agree bit for bit:
// the kernels against gemmReference at tile edges and strides, and whole networks trained
// both ways (with the last, short batch of an epoch switching paths mid-fit).
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import fc from 'fast-check';
import { loadRuntime as init, type Runtime } from '../src/wasm.js';
import { Network, type NetworkOptions } from '../src/index.js';
import { Random } from '../src/random.js';
import { wasmMemory, randomArray } from './wasm-memory.js';
import * as abi from '../src/abi.js';

const SMALL_WIDTH = 16; // assembly/small.ts
const SMALL_ROWS = 4;

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});
afterEach(() => {
  rt.core.setSmallPath(1);
});

const { f32, upload, download } = wasmMemory(() => rt);

describe('rows-in-lanes kernels vs the scalar reference', () => {
  it('lanesProduct: Out(j, i) = alpha Coef In + bias over unit and row tails, both coefficient and output layouts, bit-identical', () => {
    const random = new Random(5);
    let cases = 0;
    for (const N of [1, 2, 3, 4, 5, 9]) {
      for (const K of [1, 2, 5, 16]) {
        for (const m of [1, 3, 4, 5, 9]) {
          const mp = Math.ceil(m / 4) * 4;
          const coef = randomArray(N * K, random);
          const src = randomArray(K * mp, random);
          const bias = randomArray(N, random);
          const pc = upload(coef);
          const ps = upload(src);
          const pb = upload(bias);
          for (const coefTransposed of [false, true]) {
            // Coef(j, k) at j * rsc + k * csc, and the same values as a plain B (K x N).
            const [rsc, csc] = coefTransposed ? [1, N] : [K, 1];
            const b = new Float32Array(K * N);
            for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) b[k * N + j] = coef[j * rsc + k * csc];
            const pB = upload(b);
            for (const [bp, alpha] of [[pb, 1], [0, 0.37], [pb, 0.37]] as const) {
              // Reference: C (m x N) = alpha * In^T (m x K) * B + bias, In^T read through strides.
              const want = rt.arena.alloc(m * N * 4);
              rt.core.gemmReference(m, N, K, ps, 1, mp, pB, N, want, N, bp, alpha);
              const w = download(want, m * N);
              for (const rowMajor of [false, true]) {
                const out = rt.arena.alloc(N * mp * 4 + 16);
                const [dsj, dsi] = rowMajor ? [1, N] : [mp, 1];
                rt.core.lanesProduct(N, K, pc, rsc, csc, ps, mp, out, dsj, dsi, m, bp, alpha);
                const o = download(out, N * mp);
                const got = Float32Array.from({ length: m * N }, (_, idx) => o[(idx % N) * dsj + Math.floor(idx / N) * dsi]);
                expect(Array.from(got), `N ${N} K ${K} m ${m} coefT ${coefTransposed} rowMajor ${rowMajor} alpha ${alpha}`).toEqual(Array.from(w));
                rt.arena.free(out);
                cases++;
              }
              rt.arena.free(want);
            }
            rt.arena.free(pB);
          }
          for (const p of [pc, ps, pb]) rt.arena.free(p);
        }
      }
    }
    expect(cases).toBe(6 * 4 * 5 * 2 * 3 * 2);
  });

  it('outerDots: the same sums with A by rows, over unit and column tails, bit-identical', () => {
    const random = new Random(8);
    let cases = 0;
    for (const N of [1, 3, 4, 6, 9]) {
      for (const K of [1, 4, 5, 8, 11]) {
        for (const m of [1, 2, 4, 5, 9]) {
          const mp = Math.ceil(m / 4) * 4;
          const d = randomArray(N * mp, random);
          const a = randomArray(m * K, random);
          const pd = upload(d);
          const pa = upload(a);
          const want = rt.arena.alloc(N * K * 4);
          const out = rt.arena.alloc(N * K * 4);
          rt.core.gemmReference(N, K, m, pd, mp, 1, pa, K, want, K, 0, 0.25);
          rt.core.outerDots(N, K, pd, mp, pa, m, out, 0.25);
          expect(Array.from(download(out, N * K)), `N ${N} K ${K} m ${m}`).toEqual(Array.from(download(want, N * K)));
          for (const p of [pd, pa, want, out]) rt.arena.free(p);
          cases++;
        }
      }
    }
    expect(cases).toBe(5 * 5 * 5);
  });

  it('unitDots: dW and db of a layer with 1-3 inputs, each 4x4 block transposed once, bit-identical', () => {
    const random = new Random(9);
    let cases = 0;
    for (const N of [1, 2, 3, 4, 5, 8, 16]) {
      for (const K of [1, 2, 3]) {
        for (const m of [1, 2, 3, 4, 5, 9]) {
          const mp = Math.ceil(m / 4) * 4;
          const d = randomArray(N * mp, random);
          const a = randomArray(K * mp, random);
          const pd = upload(d);
          const pa = upload(a);
          const b = new Float32Array(m * K); // A by rows, for the reference
          for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) b[i * K + k] = a[k * mp + i];
          const pB = upload(b);
          const pOnes = upload(new Float32Array(m).fill(1)); // db = D * ones: the same sums
          const want = rt.arena.alloc(N * K * 4);
          const wantDb = rt.arena.alloc(N * 4);
          const out = rt.arena.alloc(N * K * 4);
          const db = rt.arena.alloc(N * 4 + 16);
          rt.core.gemmReference(N, K, m, pd, mp, 1, pB, K, want, K, 0, 0.25);
          rt.core.gemmReference(N, 1, m, pd, mp, 1, pOnes, 1, wantDb, 1, 0, 0.25);
          rt.core.unitDots(N, K, pd, pa, mp, m, out, db, 0.25);
          expect(Array.from(download(out, N * K)), `dW N ${N} K ${K} m ${m}`).toEqual(Array.from(download(want, N * K)));
          expect(Array.from(download(db, N)), `db N ${N} K ${K} m ${m}`).toEqual(Array.from(download(wantDb, N)));
          for (const p of [pd, pa, pB, pOnes, want, wantDb, out, db]) rt.arena.free(p);
          cases++;
        }
      }
    }
    expect(cases).toBe(7 * 3 * 6);
  });

  it('lanesDots: Out(j, k) = alpha sum over the first m lanes of D(j, i) A(k, i), bit-identical', () => {
    const random = new Random(6);
    let cases = 0;
    for (const N of [1, 2, 4, 5]) {
      for (const K of [1, 3, 4, 7, 16]) {
        for (const m of [1, 2, 3, 4, 5, 8, 13]) {
          const mp = Math.ceil(m / 4) * 4;
          const d = randomArray(N * mp, random);
          const a = randomArray(K * mp, random);
          const pd = upload(d);
          const pa = upload(a);
          const b = new Float32Array(m * K);
          for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) b[i * K + k] = a[k * mp + i];
          const pB = upload(b);
          const want = rt.arena.alloc(N * K * 4);
          const out = rt.arena.alloc(N * K * 4);
          rt.core.gemmReference(N, K, m, pd, mp, 1, pB, K, want, K, 0, 0.25);
          rt.core.lanesDots(N, K, pd, pa, mp, m, out, 0.25);
          expect(Array.from(download(out, N * K)), `N ${N} K ${K} m ${m}`).toEqual(Array.from(download(want, N * K)));
          for (const p of [pd, pa, pB, want, out]) rt.arena.free(p);
          cases++;
        }
      }
    }
    expect(cases).toBe(4 * 5 * 7);
  });
});

const HIDDEN = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'] as const;
const OPTIMIZERS = [
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { kind: 'adam', learningRate: 0.01 },
  { kind: 'rmsprop', learningRate: 0.01 },
] as const;

/** The descriptor word that says whether W^T is packed for the gemm path. */
function packedLayout(net: Network): number {
  const engine = (net as unknown as { engine: { net: number } }).engine;
  return new Int32Array(rt.memory.buffer)[(engine.net >> 2) + abi.NET_PACKED];
}

async function run(options: NetworkOptions, x: Float32Array, y: Float32Array, batchSize: number, shuffle: boolean, small: boolean) {
  const net = await Network.create(options);
  rt.core.setSmallPath(small ? 1 : 0);
  try {
    const calls = rt.core.smallPathCalls();
    const history = await net.fit(x, y, { epochs: 3, batchSize, shuffle });
    const steps = rt.core.smallPathCalls() - calls;
    const prediction = net.predict(x);
    const one = net.predict(x.subarray(0, options.inputSize));
    const w = net.getWeights();
    return { history, prediction, one, steps, params: [...w.weights, ...w.biases].map((a) => Array.from(a)) };
  } finally {
    rt.core.setSmallPath(1);
    net.dispose();
  }
}

describe('small networks: the small path equals the gemm path bit for bit', () => {
  it('random architectures, activations, losses, optimizers and batch sizes', async () => {
    let smallRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          input: fc.integer({ min: 1, max: SMALL_WIDTH }),
          hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: SMALL_WIDTH }), activation: fc.constantFrom(...HIDDEN) }), { minLength: 1, maxLength: 3 }),
          head: fc.constantFrom('softmax-cce', 'sigmoid-bce', 'linear-mse', 'tanh-mse'),
          outputs: fc.integer({ min: 1, max: 12 }),
          optimizer: fc.constantFrom(...OPTIMIZERS),
          rows: fc.integer({ min: 1, max: 40 }),
          batchSize: fc.integer({ min: 1, max: 6 }),
          seed: fc.integer({ min: 1, max: 1000 }),
          shuffle: fc.boolean(),
        }),
        async (c) => {
          const [act, loss] = c.head.split('-');
          const outputs = act === 'softmax' ? Math.max(2, c.outputs) : c.outputs;
          const options: NetworkOptions = {
            inputSize: c.input,
            layers: [...c.hidden, { units: outputs, activation: act as 'softmax' }],
            loss: loss === 'cce' ? 'categorical-cross-entropy' : loss === 'bce' ? 'binary-cross-entropy' : 'mse',
            optimizer: c.optimizer,
            seed: c.seed,
          };
          const random = new Random(c.seed);
          const x = Float32Array.from({ length: c.rows * c.input }, () => 2 * random.uniform() - 1);
          const y = Float32Array.from({ length: c.rows * outputs }, (_, i) =>
            loss === 'cce' ? (i % outputs === (Math.floor(i / outputs) * 7) % outputs ? 1 : 0) : loss === 'bce' ? (random.uniform() > 0.5 ? 1 : 0) : random.uniform(),
          );
          const small = await run(options, x, y, c.batchSize, c.shuffle, true);
          const generic = await run(options, x, y, c.batchSize, c.shuffle, false);
          // The small path really ran: for every batch of at most SMALL_ROWS rows.
          const batches = Math.ceil(c.rows / Math.min(c.batchSize, c.rows));
          const sizes = Array.from({ length: batches }, (_, b) => Math.min(c.batchSize, c.rows - b * c.batchSize));
          const shortBatches = sizes.filter((m) => m >= 2 && m <= SMALL_ROWS).length;
          expect(small.steps).toBe(3 * shortBatches);
          expect(generic.steps).toBe(0);
          if (shortBatches > 0) smallRuns++;
          expect(small.params).toEqual(generic.params);
          expect(Array.from(small.prediction)).toEqual(Array.from(generic.prediction));
          expect(Array.from(small.one)).toEqual(Array.from(generic.one));
          expect(small.history.loss).toEqual(generic.history.loss);
          expect(small.history.accuracy).toEqual(generic.history.accuracy);
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
    expect(smallRuns).toBeGreaterThan(35);
  });

  it('a layer wider than SMALL_WIDTH, more than SMALL_ROWS rows, or one row stays on the gemm path', async () => {
    const wide = await Network.create({ inputSize: 2, layers: [{ units: SMALL_WIDTH + 1, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' });
    const narrow = await Network.create({ inputSize: 2, layers: [{ units: SMALL_WIDTH, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' });
    const calls = rt.core.smallPathCalls();
    wide.predict(new Float32Array([0, 1]));
    expect(packedLayout(wide)).toBe(1);
    narrow.predict(new Float32Array(2 * (SMALL_ROWS + 1)));
    expect(packedLayout(narrow)).toBe(1);
    expect(rt.core.smallPathCalls()).toBe(calls);
    narrow.predict(new Float32Array(2));
    expect(rt.core.smallPathCalls()).toBe(calls);
    narrow.predict(new Float32Array(2 * SMALL_ROWS));
    expect(rt.core.smallPathCalls()).toBe(calls + 1);
    wide.dispose();
    narrow.dispose();
  });
});

describe('signed zeros', () => {
  it('a dW that underflows to -0 is -0 on both paths (found in review: the 4x8 tile added +0)', async () => {
    const net = await Network.create({ inputSize: 4, layers: [{ units: 4, activation: 'linear' }], loss: 'mse', seed: 1 });
    net.setWeights({ weights: [new Float32Array(16)], biases: [new Float32Array(4)] });
    const x = new Float32Array([1.4e-45, 0, 0, 0, 0, 0, 0, 0]);
    const y = new Float32Array(8).fill(1);
    const bits = (g: { weights: Float32Array[]; biases: Float32Array[] }) =>
      [...g.weights, ...g.biases].flatMap((a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)));
    const calls = rt.core.smallPathCalls();
    const small = net.gradients(x, y);
    expect(rt.core.smallPathCalls()).toBe(calls + 1);
    rt.core.setSmallPath(0);
    const gemm = net.gradients(x, y);
    expect(Object.is(small.weights[0][0], -0)).toBe(true);
    expect(bits(gemm)).toEqual(bits(small));
    net.dispose();
  });
});

describe('tanh (rational approximation)', () => {
  it('is within 4e-7 of Math.tanh, relative, on a dense grid; odd; saturates at +-1; keeps NaN', () => {
    const n = 100_000;
    const z = new Float32Array(n + 6);
    for (let i = 0; i < n; i++) {
      const u = (i / n) * 2 - 1;
      z[i] = Math.fround(i % 2 ? u * 12 : u * 1e-3 * (1 + (i % 7)));
    }
    z.set([0, -0, 9.5, -40, Infinity, NaN], n);
    const pz = upload(z);
    const pa = rt.arena.alloc(z.length * 4 + 16);
    rt.core.activationForward(abi.ACT_TANH, 0, pz, pa, 1, z.length);
    const a = f32().slice(pa >> 2, (pa >> 2) + z.length);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.tanh(z[i]);
      expect(Math.abs(a[i])).toBeLessThanOrEqual(1);
      if (t !== 0) worst = Math.max(worst, Math.abs(a[i] - t) / Math.abs(t));
      else expect(a[i]).toBe(0);
    }
    expect(worst).toBeLessThan(4e-7);
    expect(Array.from(a.slice(n))).toEqual([0, -0, 1, -1, 1, NaN]);
    rt.arena.free(pz);
    rt.arena.free(pa);
  });
});
