// Sample and class weights, gradient clipping and dropout against references: the textbook
// float64 oracle (test/reference/oracle.ts) for weighted losses and gradients, torch's
// clip_grad_norm_ rule for clipping, and a float64 forward with the very masks a step drew for
// dropout. One training step of plain SGD with learning rate 1 exposes a step's gradient:
// W_after = W_before - dC/dW.
import { describe, it, expect } from 'vitest';
import { Network, WasmMlpError, type NetworkOptions } from '../src/index.js';
import * as abi from '../src/abi.js';
import { batchGradients, batchLoss, type Model, type Params } from './reference/oracle.js';

const BACKENDS = ['wasm', 'js'] as const;

const X = [[0.5, -1.2, 0.3, 0.9], [1.1, 0.2, -0.7, 0.4], [-0.3, 0.8, 1.5, -1.0], [0.0, -0.5, 0.2, 0.6], [0.9, 0.9, -0.9, 0.1], [-1.4, 0.3, 0.4, 0.7]];
const LABELS = [0, 2, 1, 1, 0, 2];
const ONE_HOT = LABELS.map((l) => [0, 1, 2].map((j) => (j === l ? 1 : 0)));

function params(net: Network): Params {
  const w = net.getWeights();
  return { weights: w.weights.map((a) => Array.from(a)), biases: w.biases.map((a) => Array.from(a)) };
}

/** The oracle's batch-mean loss and gradients with each sample's term scaled by its weight. */
function weighted(model: Model, p: Params, xs: number[][], ys: number[][], w: number[]): { loss: number; grads: number[] } {
  let loss = 0;
  let grads: number[] | null = null;
  xs.forEach((x, i) => {
    const r = batchGradients(model, p, [x], [ys[i]]);
    loss += (w[i] * r.loss) / xs.length;
    const flat = [...r.grads.weights.flat(), ...r.grads.biases.flat()].map((g) => (w[i] * g) / xs.length);
    grads = grads ? grads.map((g, k) => g + flat[k]) : flat;
  });
  return { loss, grads: grads! };
}

const flat = (p: Params): number[] => [...p.weights.flat(), ...p.biases.flat()];

/** The first `count` dropout factors layer l used in the last training step (engine internals). */
function masksOf(net: Network, l: number, count: number): number[] {
  const engine = (net as unknown as { engine: Record<string, unknown> }).engine;
  if (Array.isArray(engine.bufs)) return Array.from((engine.bufs[l] as { mask: Float32Array }).mask.subarray(0, count));
  const rt = engine.rt as { memory: WebAssembly.Memory };
  const words = new Uint32Array(rt.memory.buffer);
  const mask = words[((engine.net as number) >>> 2) + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS + abi.LAYER_MASK];
  return Array.from(new Float32Array(rt.memory.buffer, mask, count));
}

/** |a - b| <= tol * max |b| over the vector: gradients compared to their own scale. */
function expectClose(a: number[], b: number[], tol: number): void {
  expect(a).toHaveLength(b.length);
  const scale = Math.max(...b.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  expect(worst / scale).toBeLessThan(tol);
}

/** One full-batch SGD step at learning rate 1: returns (before - after), the step's gradient. */
async function stepGradient(net: Network, x: number[][], y: unknown, fit: Record<string, unknown> = {}): Promise<{ g: number[]; loss: number }> {
  const before = flat(params(net));
  const h = await net.fit(x, y as never, { epochs: 1, batchSize: x.length, shuffle: false, ...fit });
  const after = flat(params(net));
  return { g: before.map((v, i) => v - after[i]), loss: h.loss[0] };
}

for (const backend of BACKENDS) {
  describe(`sample and class weights (${backend})`, () => {
    const options = (loss: 'categorical-cross-entropy' | 'mse'): NetworkOptions => ({
      inputSize: 4,
      layers: loss === 'mse' ? [{ units: 5, activation: 'tanh' }, { units: 2, activation: 'linear' }] : [{ units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax' }],
      loss,
      optimizer: { kind: 'sgd', learningRate: 1 },
      seed: 21,
      backend,
    });

    it('classWeight scales each sample\'s loss term and gradient, the mean staying over m', async () => {
      const net = await Network.create(options('categorical-cross-entropy'));
      const model: Model = { inputSize: 4, layers: [{ units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy' };
      const classWeight = { 0: 1, 1: 2.5, 2: 0.5 };
      const ref = weighted(model, params(net), X, ONE_HOT, LABELS.map((l) => classWeight[l as 0 | 1 | 2]));
      const { g, loss } = await stepGradient(net, X, LABELS, { classWeight });
      expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expectClose(g, ref.grads, 1e-4);
      // Unweighted differs (the weights were applied).
      expect(Math.abs(loss - batchLoss(model, params(net), X, ONE_HOT))).toBeGreaterThan(1e-3);
      net.dispose();
    });

    it('sampleWeight scales each sample (mse), and zero weights remove samples', async () => {
      const net = await Network.create(options('mse'));
      const model: Model = { inputSize: 4, layers: [{ units: 5, activation: 'tanh' }, { units: 2, activation: 'linear' }], loss: 'mse' };
      const y = X.map((r) => [r[0] - r[1], r[2] * 0.5]);
      const sampleWeight = [1, 0, 2, 0.5, 1.5, 3];
      const ref = weighted(model, params(net), X, y, sampleWeight);
      const { g, loss } = await stepGradient(net, X, y, { sampleWeight: Float32Array.from(sampleWeight) });
      expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expectClose(g, ref.grads, 1e-4);
      net.dispose();
    });

    it('class and sample weights multiply; a missing class weighs 1; both refuse bad input', async () => {
      const net = await Network.create(options('categorical-cross-entropy'));
      const model: Model = { inputSize: 4, layers: [{ units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy' };
      const sw = [2, 1, 1, 0.5, 1, 1];
      const ref = weighted(model, params(net), X, ONE_HOT, LABELS.map((l, i) => sw[i] * (l === 2 ? 3 : 1)));
      const { g } = await stepGradient(net, X, LABELS, { classWeight: { 2: 3 }, sampleWeight: sw });
      expectClose(g, ref.grads, 1e-4);
      const before = flat(params(net));
      const bad: [Record<string, unknown>, string, RegExp][] = [
        [{ classWeight: { 3: 1 } }, 'INVALID_OPTION', /classWeight\["3"\]: expected a class label in 0\.\.2/],
        [{ classWeight: { 1: -1 } }, 'INVALID_OPTION', /classWeight\[1\]: expected a finite weight >= 0/],
        [{ classWeight: [1, 2] }, 'INVALID_OPTION', /classWeight: expected an object/],
        [{ sampleWeight: [1, 2] }, 'SHAPE_MISMATCH', /sampleWeight: expected one weight per sample \(6\), got 2/],
        [{ sampleWeight: [1, 1, 1, NaN, 1, 1] }, 'INVALID_OPTION', /sampleWeight\[3\]/],
      ];
      for (const [fit, code, message] of bad) {
        const e = await net.fit(X, LABELS, { epochs: 1, ...fit }).catch((err: unknown) => err);
        expect(e).toBeInstanceOf(WasmMlpError);
        expect((e as WasmMlpError).code).toBe(code);
        expect((e as WasmMlpError).message).toMatch(message);
      }
      expect(flat(params(net))).toEqual(before);
      const multi = await Network.create({ inputSize: 4, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'binary-cross-entropy', backend });
      const e = await multi.fit(X, X.map(() => [0, 1]), { classWeight: { 0: 2 } }).catch((err: unknown) => err);
      expect((e as WasmMlpError).message).toMatch(/classWeight: needs one class per sample/);
      net.dispose();
    });
  });

  describe(`clipNorm (${backend})`, () => {
    it('scales the gradients to the global norm (torch\'s clip_grad_norm_), before weight decay', async () => {
      const make = (extra: Record<string, unknown>) =>
        Network.create({
          inputSize: 4, layers: [{ units: 6, activation: 'relu' }, { units: 3, activation: 'softmax' }], seed: 5, backend,
          optimizer: { kind: 'sgd', learningRate: 1, ...extra },
        });
      const plain = await make({});
      const g = plain.gradients(X, LABELS);
      const raw = [...g.weights.flatMap((a) => Array.from(a)), ...g.biases.flatMap((a) => Array.from(a))];
      const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0));
      for (const clipNorm of [norm / 4, norm * 2]) {
        const weightDecay = 0.1;
        const net = await make({ clipNorm, weightDecay });
        const p = flat(params(net));
        const nw = net.parameterCount - 9;
        const coef = Math.min(1, clipNorm / (norm + 1e-6));
        const expected = raw.map((v, i) => v * coef + (i < nw ? weightDecay * p[i] : 0));
        const { g: step } = await stepGradient(net, X, LABELS);
        expectClose(step, expected, 1e-5);
        net.dispose();
      }
      const e = await make({ clipNorm: 0 }).catch((err: unknown) => err);
      expect((e as WasmMlpError).message).toMatch(/optimizer\.clipNorm: expected a finite number in \(0, Infinity\)/);
      plain.dispose();
    });
  });

  describe(`dropout (${backend})`, () => {
    const options = (dropout: number, seed = 4): NetworkOptions => ({
      inputSize: 4,
      layers: [{ units: 32, activation: 'tanh', dropout }, { units: 16, activation: 'relu', dropout }, { units: 3, activation: 'softmax' }],
      optimizer: { kind: 'sgd', learningRate: 1 },
      seed,
      backend,
    });
    const bitsOf = (net: Network) => flat(params(net)).map((v) => Math.fround(v));

    it('dropout 0 gives the bits of no dropout; the same seed gives the same bits; predict, evaluate and gradients never drop', async () => {
      const none = await Network.create({ ...options(0), layers: options(0).layers.map(({ units, activation }) => ({ units, activation })) });
      const zero = await Network.create(options(0));
      for (const n of [none, zero]) await n.fit(X, LABELS, { epochs: 3, batchSize: 2 });
      expect(bitsOf(zero)).toEqual(bitsOf(none));
      const a = await Network.create(options(0.5));
      const b = await Network.create(options(0.5));
      const fresh = await Network.create(options(0.5));
      const g1 = a.gradients(X, LABELS);
      const g0 = zero.gradients(X, LABELS); // different weights: just shapes
      expect(g1.weights.length).toBe(g0.weights.length);
      // Inference is deterministic and mask-free: predict twice gives the same, and equals a
      // network without dropout that holds the same weights.
      const twin = await Network.create(options(0));
      twin.setWeights(fresh.getWeights());
      expect(fresh.predict(X)).toEqual(twin.predict(X));
      expect(fresh.evaluate(X, LABELS)).toEqual(twin.evaluate(X, LABELS));
      expect(fresh.gradients(X, LABELS)).toEqual(twin.gradients(X, LABELS));
      for (const n of [a, b]) await n.fit(X, LABELS, { epochs: 5, batchSize: 3 });
      expect(bitsOf(a)).toEqual(bitsOf(b));
      // ...and training with dropout differs from training without it.
      await twin.fit(X, LABELS, { epochs: 5, batchSize: 3 });
      expect(bitsOf(twin)).not.toEqual(bitsOf(a));
      for (const n of [none, zero, a, b, fresh, twin]) n.dispose();
    });

    it('a step\'s gradient is the float64 gradient of the network with that step\'s masks applied', async () => {
      const net = await Network.create(options(0.3, 9));
      const p = params(net);
      const { g } = await stepGradient(net, X, LABELS);
      // The masks the step drew (a test reaches into the engine for them).
      const m = X.length;
      const units = [32, 16, 3];
      const kept = [0, 1].map((l) => masksOf(net, l, m * units[l]));
      // Inverted dropout: each mask entry is 0 or 1 / (1 - 0.3), about 30% zeros.
      const scale = Math.fround(1 / 0.7);
      const all = kept.flat();
      expect(all.every((v) => v === 0 || v === scale)).toBe(true);
      const zeros = all.filter((v) => v === 0).length / all.length;
      expect(zeros).toBeGreaterThan(0.15);
      expect(zeros).toBeLessThan(0.45);
      // Central differences of the float64 loss with those masks.
      const loss = (q: number[]): number => {
        let total = 0;
        for (let i = 0; i < m; i++) {
          let a = X[i];
          let off = 0;
          const nb = 32 * 4 + 16 * 32 + 3 * 16;
          let bo = nb;
          let nin = 4;
          units.forEach((u, l) => {
            const z = Array.from({ length: u }, (_, j) => q[bo + j] + a.reduce((s, v, k) => s + q[off + j * nin + k] * v, 0));
            off += u * nin;
            bo += u;
            if (l === 2) {
              const mx = Math.max(...z);
              const lse = mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
              total += lse - z[LABELS[i]];
              return;
            }
            const act = l === 0 ? z.map(Math.tanh) : z.map((v) => Math.max(v, 0));
            a = act.map((v, j) => v * kept[l][i * u + j]);
            nin = u;
          });
        }
        return total / m;
      };
      const q = flat(p);
      const numeric = q.map((v, i) => {
        const eps = 1e-6;
        const up = q.slice();
        up[i] = v + eps;
        const down = q.slice();
        down[i] = v - eps;
        return (loss(up) - loss(down)) / (2 * eps);
      });
      expectClose(g, numeric, 1e-4);
      net.dispose();
    });

    it('refuses dropout of 1 or more, or on the output layer', async () => {
      for (const [layers, pattern] of [
        [[{ units: 3, activation: 'relu', dropout: 1 }, { units: 2 }], /layers\[0\]\.dropout: expected a finite number in \[0, 1\)/],
        [[{ units: 3, activation: 'relu' }, { units: 2, dropout: 0.5 }], /layers\[1\]\.dropout: the output layer/],
      ] as const) {
        const e = await Network.create({ inputSize: 2, layers: layers as never, backend }).catch((err: unknown) => err);
        expect((e as WasmMlpError).code).toBe('INVALID_OPTION');
        expect((e as WasmMlpError).message).toMatch(pattern);
      }
    });
  });
}

describe('dropout, weights and clipping on the one training road (wasm)', () => {
  const options = (extra: Partial<NetworkOptions> = {}): NetworkOptions => ({
    inputSize: 4,
    layers: [{ units: 24, activation: 'relu', dropout: 0.25 }, { units: 12, activation: 'tanh', dropout: 0.1 }, { units: 3, activation: 'softmax' }],
    optimizer: { kind: 'adam', learningRate: 0.01, clipNorm: 0.5, weightDecay: 1e-3 },
    seed: 13,
    ...extra,
  });
  const data = (() => {
    const n = 90;
    const x = new Float32Array(n * 4).map((_, i) => Math.sin(i * 0.7) + (i % 4 === Math.floor(i / 4) % 3 ? 1 : 0));
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const w = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 5) * 0.25);
    return { x, y, w };
  })();
  const bitsOf = (net: Network) => flat(params(net)).map((v) => Math.fround(v));
  const fit = { epochs: 4, batchSize: 16, sampleWeight: data.w, classWeight: { 1: 2 } };

  it('draws the same masks as the JS backend from the same seed [consistency only]', async () => {
    const nets = await Promise.all((['wasm', 'js'] as const).map((backend) => Network.create(options({ backend }))));
    for (const net of nets) await net.fit(data.x, data.y, { epochs: 1, batchSize: 16, shuffle: true });
    expect(masksOf(nets[0], 0, 16 * 24)).toEqual(masksOf(nets[1], 0, 16 * 24));
    expect(masksOf(nets[0], 1, 16 * 12)).toEqual(masksOf(nets[1], 1, 16 * 12));
    // (the weights agree to float32 rounding only: the JS backend computes in float64)
    nets.forEach((n) => n.dispose());
  });

  it('whole epochs in the core, one batch per call, a streamed set and two threads give the same bits [consistency only]', async () => {
    // Layers wide enough that the two-thread run splits its products (>= 2^16 multiply-adds).
    const wide = (extra: Partial<NetworkOptions> = {}) =>
      options({ layers: [{ units: 64, activation: 'relu', dropout: 0.25 }, { units: 256, activation: 'tanh', dropout: 0.1 }, { units: 3, activation: 'softmax' }], ...extra });
    const fast = await Network.create(wide());
    await fast.fit(data.x, data.y, fit);
    const batched = await Network.create(wide());
    await batched.fit(data.x, data.y, { ...fit, onBatchEnd: () => {} });
    const threaded = await Network.create(wide({ threads: 2 }));
    // Each job waits for a worker's chunk, so the pool's counter proves two threads ran.
    const { initThreads } = await import('../src/wasm.js');
    const pool = (await initThreads(1))!.pool!;
    pool.workersFirst = true;
    const before = pool.workerChunks;
    try {
      await threaded.fit(data.x, data.y, fit);
    } finally {
      pool.workersFirst = false;
    }
    expect(pool.workerChunks).toBeGreaterThan(before);
    const { WasmEngine } = await import('../src/backends/wasm.js');
    const saved = WasmEngine.streamBytes;
    WasmEngine.streamBytes = 0; // every set streamed from the caller's arrays
    const streamed = await Network.create(wide());
    try {
      await streamed.fit(data.x, data.y, fit);
    } finally {
      WasmEngine.streamBytes = saved;
    }
    expect(threaded.threads).toBe(2);
    expect(bitsOf(batched)).toEqual(bitsOf(fast));
    expect(bitsOf(streamed)).toEqual(bitsOf(fast));
    expect(bitsOf(threaded)).toEqual(bitsOf(fast));
    // ...and each feature changed the result.
    const plain = await Network.create(wide({ layers: [{ units: 64, activation: 'relu' }, { units: 256, activation: 'tanh' }, { units: 3, activation: 'softmax' }] }));
    await plain.fit(data.x, data.y, fit);
    expect(bitsOf(plain)).not.toEqual(bitsOf(fast));
    for (const n of [fast, batched, threaded, streamed, plain]) n.dispose();
  });
});

describe('model formats keep dropout and clipNorm', () => {
  it('save/load and toJSON/fromJSON round-trip them; ONNX export has no node for dropout', async () => {
    const net = await Network.create({
      inputSize: 3, layers: [{ units: 5, activation: 'relu', dropout: 0.3 }, { units: 2, activation: 'softmax' }],
      optimizer: { kind: 'sgd', learningRate: 0.1, clipNorm: 2 }, seed: 3,
    });
    for (const copy of [await Network.load(net.save()), await Network.fromJSON(JSON.stringify(net.toJSON()))]) {
      expect(copy.layers.map((l) => l.dropout)).toEqual([0.3, 0]);
      expect(copy.optimizer.clipNorm).toBe(2);
      expect(copy.predict([[1, 2, 3]])).toEqual(net.predict([[1, 2, 3]]));
      copy.dispose();
    }
    expect(net.toJSON().layers).toEqual([{ units: 5, activation: 'relu', dropout: 0.3 }, { units: 2, activation: 'softmax' }]);
    const onnx = new TextDecoder('latin1').decode(net.toONNX());
    expect(onnx).not.toContain('Dropout');
    expect(onnx).toContain('Gemm');
    // Without dropout the header is as before: no dropout key at all.
    const plain = await Network.create({ inputSize: 3, layers: [{ units: 2 }] });
    expect(JSON.stringify(plain.toJSON())).not.toContain('dropout');
    expect(JSON.stringify(plain.toJSON())).not.toContain('clipNorm');
    net.dispose();
    plain.dispose();
  });
});
