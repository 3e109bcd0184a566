// The sparse-A products (assembly/gemm.ts gemmSparse + sparseRows, chosen per product in
// assembly/network.ts) against gemm.ts's dense path. Skipping A's zeros keeps the dense
// kernels' summation order, so the two must agree bit for bit: the kernel against
// gemmReference over column and row tails, both A orientations, both B layouts and signed
// zeros; whole ReLU networks trained both ways; and the cases where the path must not run.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import fc from 'fast-check';
import { loadRuntime as init, initThreads, type Runtime } from '../src/wasm.js';
import { Network, type NetworkOptions } from '../src/index.js';
import { Random } from '../src/random.js';
import { wasmMemory } from './wasm-memory.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});
afterEach(() => {
  rt.core.setSparsePath(1);
});

const { f32, upload, download } = wasmMemory(() => rt);

/** Values in [-1, 1) of which about `density` are nonzero; the zeros alternate +0 and -0. */
function sparseArray(n: number, density: number, random: Random): Float32Array {
  let zeros = 0;
  return Float32Array.from({ length: n }, () => (random.uniform() < density ? 2 * random.uniform() - 1 : zeros++ % 2 ? -0 : 0));
}

/** Arrays of float arrays equal bit for bit; a failure names the first difference (a diff of
 * 100k-element arrays would take vitest minutes to print). */
function expectSameBits(got: ArrayLike<number>[], want: ArrayLike<number>[], what: string): void {
  expect(got.length, `${what}: arrays`).toBe(want.length);
  got.forEach((g, l) => {
    expect(g.length, `${what}[${l}]: length`).toBe(want[l].length);
    for (let i = 0; i < g.length; i++) {
      if (!Object.is(g[i], want[l][i])) throw new Error(`${what}[${l}][${i}] = ${g[i]}, want ${want[l][i]}`);
    }
  });
}

/** assembly/gemm.ts sparseListBytes: C = ceil(K / 128) chunks of k, M (C + 1) bounds, entries. */
const listBytes = (M: number, K: number, nonzeros: number) => 4 * ((2 + M * (Math.max(1, Math.ceil(K / 128)) + 1)) & ~1) + 8 * (nonzeros + M);

describe('gemmSparse vs the scalar reference', () => {
  it('every M x N x K over block and tail edges, both A orientations and B layouts, bit-identical', () => {
    const random = new Random(11);
    let cases = 0;
    for (const M of [1, 3, 4, 5, 17])
      for (const N of [1, 3, 4, 5, 8, 17, 23, 24, 25, 33, 49, 65])
        for (const K of [1, 3, 8, 17, 65, 128, 129, 600])
          for (const density of [0, 0.3, 1])
            for (const transposed of [false, true])
              for (const packed of [false, true]) {
                const a = sparseArray(M * K, density, random);
                const b = Float32Array.from({ length: K * N }, () => 2 * random.uniform() - 1);
                const bias = Float32Array.from({ length: N }, () => 2 * random.uniform() - 1);
                const withBias = (cases & 1) === 0;
                const alpha = 0.75;
                // A (M x K) row-major, or stored as A^T (K x M); B row-major with a padded
                // stride (read in place), or in packRows' 8-column panels.
                const stored = transposed ? Float32Array.from({ length: K * M }, (_, i) => a[(i % M) * K + Math.floor(i / M)]) : a;
                const ldb = N + 2;
                const bRows = new Float32Array(K * ldb).fill(Number.NaN); // the pad must never be read
                for (let k = 0; k < K; k++) bRows.set(b.subarray(k * N, (k + 1) * N), k * ldb);
                const pa = upload(stored);
                const pb = upload(bRows);
                const pbRef = upload(b);
                const pbias = upload(bias);
                const panels = rt.arena.alloc(rt.core.packedSize(K, N) * 4);
                rt.core.packRows(panels, pbRef, K, N, N);
                const list = rt.arena.alloc(listBytes(M, K, M * K));
                const [bp, kb, pbStride] = packed ? [panels, 32, K * 32] : [pb, ldb * 4, 32];
                const nonzeros = rt.core.sparseRows(list, pa, M, K, transposed ? 1 : 0, kb, listBytes(M, K, M * K));
                expect(nonzeros).toBe(a.filter((v) => v !== 0).length);
                const ldc = N + 3; // the kernel must not write past N
                const sentinel = new Float32Array(M * ldc).fill(12345);
                const pc = upload(sentinel);
                const pr = upload(sentinel);
                const pbiasArg = withBias ? pbias : 0;
                rt.core.gemmSparse(M, N, list, bp, pbStride, pc, ldc, pbiasArg, alpha);
                const [rsa, csa] = transposed ? [1, M] : [K, 1];
                rt.core.gemmReference(M, N, K, pa, rsa, csa, pbRef, N, pr, ldc, pbiasArg, alpha);
                const c = download(pc, M * ldc);
                const r = download(pr, M * ldc);
                for (let i = 0; i < M * ldc; i++) {
                  if (!Object.is(c[i], r[i])) {
                    throw new Error(
                      `gemmSparse ${M}x${N}x${K} density ${density} transposed ${transposed} panels ${packed} bias ${withBias}: C[${Math.floor(i / ldc)}][${i % ldc}] = ${c[i]}, reference ${r[i]}`,
                    );
                  }
                }
                for (const p of [pa, pb, pbRef, pbias, panels, list, pc, pr]) rt.arena.free(p);
                cases++;
              }
    expect(cases).toBe(5 * 12 * 8 * 3 * 2 * 2);
  });

  it('signed zeros as the dense kernels: an all-zero row of A, and nonzero terms that underflow to -0', () => {
    // Row 0 of A is +0 and -0 only: nothing is listed, and C is +0 * alpha as in the dense
    // sums from +0. Row 1 is nonzero but its products with B's first columns underflow to -0:
    // they are listed and added, and the sums stay +0, as in the dense kernels.
    const M = 2, N = 5, K = 3;
    const a = new Float32Array([0, -0, 0, 1e-30, -1e-30, 1e-30]);
    const b = new Float32Array([-1e-30, 1e-30, -1e-30, 2, 3, 1, 0, 1, 0, 4, -1e-30, 1e-30, -1e-30, 5, 6]);
    const pa = upload(a);
    const pb = upload(b);
    const list = rt.arena.alloc(listBytes(M, K, M * K));
    rt.core.sparseRows(list, pa, M, K, 0, N * 4, listBytes(M, K, M * K));
    const pc = upload(new Float32Array(M * N));
    const pr = upload(new Float32Array(M * N));
    rt.core.gemmSparse(M, N, list, pb, 32, pc, N, 0, 0.5);
    rt.core.gemmReference(M, N, K, pa, K, 1, pb, N, pr, N, 0, 0.5);
    const c = download(pc, M * N);
    const r = download(pr, M * N);
    for (let i = 0; i < M * N; i++) expect(Object.is(c[i], r[i]), `C[${i}] = ${c[i]}, reference ${r[i]}`).toBe(true);
    for (const p of [pa, pb, list, pc, pr]) rt.arena.free(p);
  });

  it('sparseRows refuses when the list would not fit, writing nothing past its header', () => {
    const random = new Random(3);
    const M = 8, K = 40;
    const a = sparseArray(M * K, 0.5, random);
    const nonzeros = a.filter((v) => v !== 0).length;
    const header = listBytes(M, K, 0) - 8 * M;
    const pa = upload(a);
    const list = rt.arena.alloc(listBytes(M, K, M * K));
    f32().fill(7, list >> 2, (list + listBytes(M, K, M * K)) >> 2);
    expect(rt.core.sparseRows(list, pa, M, K, 0, 4, listBytes(M, K, nonzeros) - 1)).toBe(-1);
    expect(Array.from(download(list + header, (listBytes(M, K, M * K) - header) / 4)).every((v) => v === 7)).toBe(true);
    // Not even the header when that does not fit.
    f32().fill(7, list >> 2, (list + header) >> 2);
    expect(rt.core.sparseRows(list, pa, M, K, 0, 4, header - 1)).toBe(-1);
    expect(Array.from(download(list, header / 4)).every((v) => v === 7)).toBe(true);
    expect(rt.core.sparseRows(list, pa, M, K, 1, 4, listBytes(M, K, nonzeros))).toBe(nonzeros);
    rt.arena.free(pa);
    rt.arena.free(list);
  });
});

describe('what the sparse products rely on', () => {
  it('a list past 2^31 bytes is refused, not wrapped around (found in review)', () => {
    // Two rows whose counts (written where pass 1 leaves them, bound(i, 1)) sum to 2^28
    // entries: 2 GiB of list, which 32-bit arithmetic made negative and so "fitting".
    const list = rt.arena.alloc(64);
    const words = new Int32Array(rt.memory.buffer, list, 16);
    words[1 + 0 * 2 + 1] = 2 ** 27;
    words[1 + 1 * 2 + 1] = 2 ** 27;
    expect(rt.core.sparseStarts(list, 2, 1, 2 ** 30)).toBe(-1);
    // The same counts with room for them are accepted (nothing is filled here).
    words[1 + 0 * 2 + 1] = 5;
    words[1 + 1 * 2 + 1] = 7;
    expect(rt.core.sparseStarts(list, 2, 1, 2 ** 30)).toBe(12);
    expect(Array.from(words.subarray(0, 5))).toEqual([1, 0, 0, 6, 6]);
    rt.arena.free(list);
  });

  it('packTransposed says whether every weight is finite, at every position and tail', () => {
    let cases = 0;
    for (const [N, K] of [[8, 4], [8, 7], [13, 9], [3, 5], [16, 33]]) {
      const w = Float32Array.from({ length: N * K }, (_, i) => (i % 2 ? 3e38 : -3e38)); // sums would overflow
      const pw = upload(w);
      const bp = rt.arena.alloc(rt.core.packedSize(K, N) * 4);
      expect(rt.core.packTransposed(bp, pw, N, K), `${N}x${K} finite`).toBe(1);
      for (let i = 0; i < N * K; i += 7) {
        for (const bad of [Infinity, -Infinity, NaN]) {
          f32()[(pw >> 2) + i] = bad;
          expect(rt.core.packTransposed(bp, pw, N, K), `${N}x${K} with ${bad} at ${i}`).toBe(0);
          cases++;
        }
        f32()[(pw >> 2) + i] = w[i];
      }
      rt.arena.free(pw);
      rt.arena.free(bp);
    }
    expect(cases).toBeGreaterThan(100);
  });

  it('activations that overflow to infinity under finite weights and loss: both paths give NaN where dense does (found in review)', async () => {
    // Unit 0 of the first layer sums inputs of 1e38 to +Inf; the second layer sends it to
    // -Inf, so ReLU zeroes it and the loss stays finite, while its dW term is 0 x Inf.
    const run = async (sparse: boolean) => {
      const net = await Network.create({ inputSize: 64, layers: [{ units: 64, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 16, activation: 'softmax' }], seed: 1 });
      const w = net.getWeights();
      w.weights[0].fill(0).fill(1, 0, 64);
      w.weights[1].fill(0);
      for (let i = 0; i < 64; i++) w.weights[1][i * 64] = -1;
      w.weights[2].fill(0.01);
      for (const b of w.biases) b.fill(0);
      net.setWeights(w);
      const x = new Float32Array(8 * 64).fill(1e38);
      const y = Int32Array.from({ length: 8 }, (_, i) => i);
      rt.core.setSparsePath(sparse ? 1 : 0);
      try {
        const g = net.gradients(x, y);
        let fitted: string;
        try {
          fitted = JSON.stringify((await net.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false })).loss);
        } catch (e) {
          fitted = (e as Error).message;
        }
        const after = net.getWeights();
        return { loss: g.loss, grads: [...g.weights, ...g.biases], fitted, params: [...after.weights, ...after.biases] };
      } finally {
        rt.core.setSparsePath(1);
        net.dispose();
      }
    };
    const sparse = await run(true);
    const dense = await run(false);
    expect(Number.isFinite(dense.loss)).toBe(true);
    expect(Number.isNaN(dense.grads[1][0])).toBe(true);
    expect(sparse.loss).toBe(dense.loss);
    expectSameBits(sparse.grads, dense.grads, 'gradients');
    expect(sparse.fitted).toBe(dense.fitted);
    expectSameBits(sparse.params, dense.params, 'parameters');
  });

  it('a non-finite weight (an update can overflow one) keeps the forward and delta products dense', async () => {
    // setWeights refuses infinities, so the engine's own writer (what restores a snapshot)
    // puts one where the inputs are zero: the dense sum meets 0 x Inf = NaN, and a sparse one
    // that skipped the zero would not.
    type Engine = { readParams(out: Float32Array): void; writeParams(src: Float32Array): void };
    const run = async (sparse: boolean) => {
      const net = await Network.create({ inputSize: 48, layers: [{ units: 40, activation: 'relu' }, { units: 24, activation: 'relu' }, { units: 4, activation: 'softmax' }], seed: 3 });
      const engine = (net as unknown as { engine: Engine }).engine;
      const flat = new Float32Array(48 * 40 + 40 * 24 + 24 * 4 + 40 + 24 + 4);
      engine.readParams(flat);
      flat[5 * 48 + 47] = Infinity; // W0[5][47]: input 47 is zero in every row below
      flat[48 * 40 + 3 * 40 + 2] = -Infinity; // W1[3][2]
      engine.writeParams(flat);
      const random = new Random(8);
      const x = Float32Array.from({ length: 16 * 48 }, (_, i) => (i % 48 !== 47 && random.uniform() < 0.3 ? random.uniform() : 0));
      const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
      rt.core.setSparsePath(sparse ? 1 : 0);
      try {
        const prediction = net.predict(x);
        const g = net.gradients(x, y);
        return { prediction, loss: g.loss, grads: [...g.weights, ...g.biases] };
      } finally {
        rt.core.setSparsePath(1);
        net.dispose();
      }
    };
    const sparse = await run(true);
    const dense = await run(false);
    expect(dense.prediction.some((v) => Number.isNaN(v))).toBe(true);
    expectSameBits([sparse.prediction], [dense.prediction], 'prediction');
    expect(Object.is(sparse.loss, dense.loss)).toBe(true);
    expectSameBits(sparse.grads, dense.grads, 'gradients');
  });
});

const OPTIMIZERS = [
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { kind: 'adam', learningRate: 0.01 },
  { kind: 'rmsprop', learningRate: 0.01 },
] as const;

async function train(options: NetworkOptions, x: Float32Array, y: Int32Array, batchSize: number, sparse: boolean) {
  const net = await Network.create(options);
  rt.core.setSparsePath(sparse ? 1 : 0);
  try {
    const calls = rt.core.sparsePathCalls();
    const history = await net.fit(x, y, { epochs: 2, batchSize, shuffle: true });
    const prediction = net.predict(x);
    const grads = net.gradients(x.subarray(0, 8 * options.inputSize), y.subarray(0, 8));
    const products = rt.core.sparsePathCalls() - calls;
    const w = net.getWeights();
    return {
      history, prediction, products,
      params: [...w.weights, ...w.biases].map((v) => Array.from(v)),
      grads: [...grads.weights, ...grads.biases].map((v) => Array.from(v)),
    };
  } finally {
    rt.core.setSparsePath(1);
    net.dispose();
  }
}

describe('ReLU networks: the sparse products equal the dense path bit for bit', () => {
  it('random widths, depths, optimizers, batch sizes and input densities', async () => {
    let sparseRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          input: fc.integer({ min: 17, max: 90 }),
          hidden: fc.array(fc.integer({ min: 17, max: 80 }), { minLength: 1, maxLength: 3 }),
          outputs: fc.integer({ min: 2, max: 20 }),
          optimizer: fc.constantFrom(...OPTIMIZERS),
          rows: fc.integer({ min: 8, max: 80 }),
          batchSize: fc.integer({ min: 4, max: 40 }),
          density: fc.constantFrom(0.1, 0.4, 1),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        async (c) => {
          const options: NetworkOptions = {
            inputSize: c.input,
            layers: [...c.hidden.map((units) => ({ units, activation: 'relu' as const })), { units: c.outputs, activation: 'softmax' }],
            optimizer: c.optimizer,
            seed: c.seed,
          };
          const random = new Random(c.seed);
          const x = sparseArray(c.rows * c.input, c.density, random);
          const y = Int32Array.from({ length: c.rows }, (_, i) => (i * 7) % c.outputs);
          const sparse = await train(options, x, y, c.batchSize, true);
          const dense = await train(options, x, y, c.batchSize, false);
          expect(dense.products).toBe(0);
          if (sparse.products > 0) sparseRuns++;
          expectSameBits(sparse.params, dense.params, 'parameters');
          expectSameBits(sparse.grads, dense.grads, 'gradients');
          expectSameBits([sparse.prediction], [dense.prediction], 'prediction');
          expect(sparse.history.loss).toEqual(dense.history.loss);
          expect(sparse.history.accuracy).toEqual(dense.history.accuracy);
        },
      ),
      { numRuns: 40, seed: 20261202 },
    );
    expect(sparseRuns).toBeGreaterThan(30);
  });

  it('takes the path where A is sparse (ReLU deltas, mostly-zero inputs) and not where it is dense', async () => {
    const random = new Random(9);
    const count = async (activation: 'relu' | 'tanh', density: number) => {
      const net = await Network.create({ inputSize: 64, layers: [{ units: 32, activation }, { units: 4, activation: 'softmax' }], seed: 2 });
      const x = sparseArray(16 * 64, density, random);
      const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
      const calls = rt.core.sparsePathCalls();
      net.gradients(x, y);
      const forward = rt.core.sparsePathCalls();
      net.predict(x);
      const result = { step: forward - calls, predict: rt.core.sparsePathCalls() - forward };
      net.dispose();
      return result;
    };
    // Dense inputs, ReLU hidden layer: only its dW (Delta of a ReLU layer) goes sparse.
    expect(await count('relu', 1)).toEqual({ step: 1, predict: 0 });
    // Inputs 90% zeros: the first layer's forward too, in training and in predict.
    expect(await count('relu', 0.1)).toEqual({ step: 2, predict: 1 });
    // tanh never zeroes its deltas: only the sparse input's forward.
    expect(await count('tanh', 0.1)).toEqual({ step: 1, predict: 1 });
    expect(await count('tanh', 1)).toEqual({ step: 0, predict: 0 });
  });

  it('a trained ReLU network on two threads gives the one-thread bits, its lists and sparse products split [consistency only]', async () => {
    const random = new Random(4);
    const x = sparseArray(96 * 600, 0.3, random);
    const y = Int32Array.from({ length: 96 }, (_, i) => i % 10);
    const result = async (threads: number) => {
      // Big enough for every split: the forward's list (96 x 600 inputs) and dW's (192 x 96
      // deltas) are built by both threads, and the products split by columns.
      const net = await Network.create({ inputSize: 600, layers: [{ units: 192, activation: 'relu' }, { units: 96, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 5, threads });
      const calls = rt.core.sparsePathCalls();
      await net.fit(x, y, { epochs: 3, batchSize: 96, shuffle: true });
      const products = rt.core.sparsePathCalls() - calls;
      const w = net.getWeights();
      net.dispose();
      return { products, params: [...w.weights, ...w.biases].map((v) => Array.from(v)) };
    };
    const one = await result(1);
    // Each job waits for a worker's chunk, so the pool's counter proves two threads ran.
    const pool = (await initThreads(1))!.pool!;
    pool.workersFirst = true;
    const before = pool.workerChunks;
    let two: Awaited<ReturnType<typeof result>>;
    try {
      two = await result(2);
    } finally {
      pool.workersFirst = false;
    }
    expect(pool.workerChunks).toBeGreaterThan(before);
    expect(one.products).toBeGreaterThan(0);
    expect(two.products).toBe(one.products);
    expectSameBits(two.params, one.params, 'parameters');
  });
});
