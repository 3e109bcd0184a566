// The small-network path (assembly/small.ts: no packing, one pass per product) against the
// gemm.ts path it replaces for networks at most SMALL_WIDTH wide. It keeps gemm.ts's
// summation order, so the two must agree bit for bit: the kernel against gemmReference at
// tile edges and strides, and whole networks trained both ways.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import fc from 'fast-check';
import { init, type Runtime } from '../src/wasm.js';
import { Network, type NetworkOptions } from '../src/index.js';
import { Random } from '../src/random.js';
import * as abi from '../src/abi.js';

const SMALL_WIDTH = 32; // assembly/small.ts

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});
afterEach(() => {
  rt.core.setSmallPath(1);
});

const f32 = () => new Float32Array(rt.memory.buffer);
function upload(values: Float32Array): number {
  const ptr = rt.arena.alloc(values.length * 4 + 16);
  f32().set(values, ptr >> 2);
  return ptr;
}
function randomArray(n: number, random: Random): Float32Array {
  return Float32Array.from({ length: n }, () => 2 * random.uniform() - 1);
}

describe('smallProduct vs the scalar reference', () => {
  it('C = alpha A B + bias over row and column tails, strided A and C, bit-identical', () => {
    const random = new Random(5);
    let cases = 0;
    for (const M of [1, 2, 3, 4, 5, 9]) {
      for (const N of [1, 2, 3, 4, 5, 8, 13]) {
        for (const K of [1, 2, 5, 16]) {
          for (const transposed of [false, true]) {
            const a = upload(randomArray(M * K, random));
            const b = upload(randomArray(K * N, random));
            const bias = upload(randomArray(N, random));
            const want = rt.arena.alloc(M * N * 4);
            const got = rt.arena.alloc(M * N * 4);
            // A(i, k) at i * rsa + k * csa; C transposed stores C(i, j) at j * M + i.
            const [rsa, csa] = transposed ? [1, M] : [K, 1];
            for (const [bp, alpha] of [[bias, 1], [0, 0.37], [bias, 0.37]] as const) {
              rt.core.gemmReference(M, N, K, a, rsa, csa, b, N, want, N, bp, alpha);
              if (transposed) rt.core.smallProduct(M, N, K, a, rsa, csa, b, N, got, 1, M, bp, alpha);
              else rt.core.smallProduct(M, N, K, a, rsa, csa, b, N, got, N, 1, bp, alpha);
              const w = f32().slice(want >> 2, (want >> 2) + M * N);
              const g = f32().slice(got >> 2, (got >> 2) + M * N);
              const gRowMajor = transposed ? w.map((_, idx) => g[(idx % N) * M + Math.floor(idx / N)]) : g;
              expect(Array.from(gRowMajor), `${M}x${N}x${K} transposed ${transposed} alpha ${alpha}`).toEqual(Array.from(w));
              cases++;
            }
            for (const p of [a, b, bias, want, got]) rt.arena.free(p);
          }
        }
      }
    }
    expect(cases).toBe(6 * 7 * 4 * 2 * 3);
  });
});

const HIDDEN = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'] as const;
const OPTIMIZERS = [
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { kind: 'adam', learningRate: 0.01 },
  { kind: 'rmsprop', learningRate: 0.01 },
] as const;

/** The descriptor word that says which W^T layout the last forward pass used. */
function packedLayout(net: Network): number {
  const engine = (net as unknown as { engine: { net: number } }).engine;
  return new Int32Array(rt.memory.buffer)[(engine.net >> 2) + abi.NET_PACKED];
}

async function run(options: NetworkOptions, x: Float32Array, y: Float32Array, batchSize: number, small: boolean) {
  const net = await Network.create(options);
  rt.core.setSmallPath(small ? 1 : 0);
  try {
    const history = await net.fit(x, y, { epochs: 3, batchSize, shuffle: true });
    const prediction = net.predict(x);
    const layout = packedLayout(net);
    const w = net.getWeights();
    return { history, prediction, layout, params: [...w.weights, ...w.biases].map((a) => Array.from(a)) };
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
          batchSize: fc.integer({ min: 1, max: 17 }),
          seed: fc.integer({ min: 1, max: 1000 }),
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
          const small = await run(options, x, y, c.batchSize, true);
          const generic = await run(options, x, y, c.batchSize, false);
          // The paths really differ: W^T is kept plain on one and in 8-column panels on the other.
          expect(small.layout).toBe(2);
          expect(generic.layout).toBe(1);
          smallRuns++;
          expect(small.params).toEqual(generic.params);
          expect(Array.from(small.prediction)).toEqual(Array.from(generic.prediction));
          expect(small.history.loss).toEqual(generic.history.loss);
          expect(small.history.accuracy).toEqual(generic.history.accuracy);
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
    expect(smallRuns).toBe(60);
  });

  it('a layer wider than SMALL_WIDTH keeps the whole network on the gemm path', async () => {
    const net = await Network.create({ inputSize: 2, layers: [{ units: SMALL_WIDTH + 1, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy' });
    net.predict(new Float32Array([0, 1]));
    expect(packedLayout(net)).toBe(1);
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
    rt.core.activationForward(abi.ACT_TANH, pz, pa, 1, z.length);
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
