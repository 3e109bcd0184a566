// The activations' parameter `alpha` (leaky-relu's slope for z <= 0, elu's scale of e^z - 1):
// both backends against the float64 oracle (test/reference/oracle.ts) and central differences,
// the defaults' bits, the model formats, ONNX Runtime, the inference entry, two threads and
// validation.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-web';
import { Network, WasmMlpError, type NetworkOptions } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import { loadRuntime as init, type Runtime } from '../src/wasm.js';
import * as abi from '../src/abi.js';
import { wasmMemory } from './wasm-memory.js';
import { expectClose } from './reference/fixtures.js';
import { batchGradients, forward, rows, type Model, type Params } from './reference/oracle.js';

const BACKENDS = ['wasm', 'js'] as const;
const TOL = 1e-4;

ort.env.wasm.numThreads = 1;

// Hidden and output layers with alpha, each alpha different so that a layer reading another's
// shows. Widths <= 16 take the core's lanes path at 2-4 rows; the last case is wider (tiles).
const CASES: (Model & { name: string })[] = [
  {
    name: 'leaky-relu 0.2, elu 0.7 hidden; linear output',
    inputSize: 5,
    layers: [{ units: 9, activation: 'leaky-relu', alpha: 0.2 }, { units: 6, activation: 'elu', alpha: 0.7 }, { units: 3, activation: 'linear' }],
    loss: 'mse',
  },
  {
    name: 'elu 0.7 hidden; leaky-relu 0.2 output',
    inputSize: 5,
    layers: [{ units: 9, activation: 'elu', alpha: 0.7 }, { units: 3, activation: 'leaky-relu', alpha: 0.2 }],
    loss: 'mse',
  },
  {
    name: 'leaky-relu 0 hidden; elu 0.2 output',
    inputSize: 4,
    layers: [{ units: 7, activation: 'leaky-relu', alpha: 0 }, { units: 5, activation: 'elu', alpha: 0.2 }],
    loss: 'mse',
  },
  {
    name: 'wide: elu 2.5, leaky-relu 0.7 hidden; softmax output',
    inputSize: 19,
    layers: [{ units: 21, activation: 'elu', alpha: 2.5 }, { units: 17, activation: 'leaky-relu', alpha: 0.7 }, { units: 3, activation: 'softmax' }],
    loss: 'categorical-cross-entropy',
  },
];

function options(c: Model, extra: Partial<NetworkOptions> = {}): NetworkOptions {
  return { inputSize: c.inputSize, layers: c.layers, loss: c.loss, seed: 5, ...extra };
}

function paramsOf(net: Network): Params {
  const w = net.getWeights();
  return { weights: w.weights.map((a) => Array.from(a)), biases: w.biases.map((a) => Array.from(a)) };
}

/** m rows of inputs (float32 values) large enough to put z on both sides of 0. */
function inputs(m: number, n: number, phase = 0): number[][] {
  return rows(Array.from({ length: m * n }, (_, i) => Math.fround(1.5 * Math.sin(0.9 * i + phase))), n);
}

/** Targets for the loss: one-hot rows for cross-entropy, else values in [-1, 1]. */
function targets(c: Model, m: number): number[][] {
  const out = c.layers[c.layers.length - 1].units;
  return Array.from({ length: m }, (_, i) =>
    Array.from({ length: out }, (_, j) => (c.loss === 'categorical-cross-entropy' ? (j === i % out ? 1 : 0) : Math.fround(Math.cos(1.3 * i + j)))),
  );
}

/** The bits of a float32 array, for exact comparisons. */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const allBits = (w: { weights: Float32Array[]; biases: Float32Array[] }): number[] => [...w.weights, ...w.biases].flatMap(bits);

for (const backend of BACKENDS) {
  describe(`alpha against the float64 oracle (${backend})`, () => {
    for (const c of CASES) {
      it(`${c.name}: predict, loss and gradients at 1, 3 and 37 rows`, async () => {
        const net = await Network.create(options(c, { backend }));
        const p = paramsOf(net);
        const L = c.layers.length;
        for (const m of [1, 3, 37]) {
          const where = `${c.name}, ${m} rows`;
          const xs = inputs(m, c.inputSize, m);
          const ys = targets(c, m);
          if (m === 37) {
            // Every layer with alpha sees both signs of z in this batch, so alpha is exercised.
            const zs = xs.map((x) => forward(c, p, x).zs);
            c.layers.forEach((layer, l) => {
              if (layer.alpha === undefined) return;
              const z = zs.flatMap((r) => r[l]);
              expect(z.some((v) => v < -0.1) && z.some((v) => v > 0.1), `${where}: layer ${l} sees both signs`).toBe(true);
            });
          }
          expectClose(net.predict(xs), xs.flatMap((x) => forward(c, p, x).as[L]), TOL, `${where} predict`);
          const got = net.gradients(xs, ys);
          const want = batchGradients(c, p, xs, ys);
          expectClose([got.loss], [want.loss], TOL, `${where} loss`);
          for (let l = 0; l < L; l++) {
            expectClose(got.weights[l], want.grads.weights[l], TOL, `${where} dC/dW[${l}]`);
            expectClose(got.biases[l], want.grads.biases[l], TOL, `${where} dC/db[${l}]`);
          }
        }
        net.dispose();
      });
    }

    it('checkGradients: central differences in float64 agree with gradients()', async () => {
      for (const c of CASES.slice(0, 3)) {
        const net = await Network.create(options(c, { backend }));
        const xs = inputs(4, c.inputSize, 0.3);
        const r = net.checkGradients(xs, targets(c, 4));
        expect(r.maxRelativeError, c.name).toBeLessThan(1e-3);
        expect(r.maxAbsoluteError, c.name).toBeLessThan(1e-5);
        net.dispose();
      }
    });

    it('a training step with sample weights (the weighted output delta) follows the oracle', async () => {
      // Full-batch SGD at learning rate 1: before - after is the step's gradient, the oracle's
      // batch mean of each sample's gradient times its weight.
      const c = CASES[1];
      const net = await Network.create(options(c, { backend, optimizer: { kind: 'sgd', learningRate: 1 } }));
      const p = paramsOf(net);
      const xs = inputs(6, c.inputSize, 2);
      const ys = targets(c, 6);
      const w = [0.5, 2, 1, 0, 3, 1.5];
      await net.fit(xs, ys, { epochs: 1, batchSize: 6, shuffle: false, sampleWeight: w });
      const after = paramsOf(net);
      const want = p.weights.map((a) => a.map(() => 0)).concat(p.biases.map((a) => a.map(() => 0)));
      xs.forEach((x, i) => {
        const g = batchGradients(c, p, [x], [ys[i]]).grads;
        [...g.weights, ...g.biases].forEach((arr, k) => arr.forEach((v, j) => (want[k][j] += (w[i] * v) / xs.length)));
      });
      const before = [...p.weights, ...p.biases];
      [...after.weights, ...after.biases].forEach((arr, k) => {
        expectClose(arr.map((v, j) => before[k][j] - v), want[k], TOL, `step of parameter array ${k}`);
      });
      net.dispose();
    });
  });
}

describe('the defaults', () => {
  it("give the former constants' bits: the descriptor holds f32(0.01) and 1, the kernels z * 0.01, d * 0.01 and d * (a + 1)", async () => {
    const net = await Network.create({ inputSize: 3, layers: [{ units: 4, activation: 'leaky-relu' }, { units: 4, activation: 'elu' }, { units: 2, activation: 'relu' }] });
    const engine = (net as unknown as { engine: { rt: Runtime; net: number } }).engine;
    const word = (l: number) => new Float32Array(engine.rt.memory.buffer)[(engine.net >>> 2) + abi.NET_HEADER_WORDS + l * abi.LAYER_WORDS + abi.LAYER_F_ALPHA];
    const words = [word(0), word(1), word(2)];
    expect(words).toEqual([Math.fround(0.01), 1, 0]);
    net.dispose();
    // The kernels at those words, against the former f32 expressions evaluated exactly here
    // (a product or sum of two float32 values is exact in float64; fround rounds it once).
    const rt = await init();
    const { upload, download } = wasmMemory(() => rt);
    const n = 37; // nine four-lane passes and a tail
    const z = Float32Array.from({ length: n }, (_, i) => (i === 0 ? -0 : i === 1 ? 0 : 7 * Math.sin(2.3 * i) * 10 ** ((i % 9) - 6)));
    const d0 = Float32Array.from({ length: n }, (_, i) => 1 + Math.cos(i));
    const f = Math.fround;
    const run = (act: number, alpha: number) => {
      const [pz, pa, pd] = [upload(z), upload(new Float32Array(n)), upload(d0)];
      rt.core.activationForward(act, alpha, pz, pa, 1, n);
      rt.core.activationBackward(act, alpha, pz, pa, pd, 1, n);
      const out = { a: download(pa, n), d: download(pd, n) };
      for (const p of [pz, pa, pd]) rt.arena.free(p);
      return out;
    };
    const leaky = run(abi.ACT_LEAKY_RELU, words[0]);
    expect(bits(leaky.a)).toEqual(bits(z.map((v) => (v > 0 ? v : f(v * f(0.01))))));
    expect(bits(leaky.d)).toEqual(bits(z.map((v, i) => (v > 0 ? d0[i] : f(d0[i] * f(0.01))))));
    const elu = run(abi.ACT_ELU, words[1]);
    expect(bits(elu.d)).toEqual(bits(z.map((v, i) => (v > 0 ? d0[i] : f(d0[i] * f(elu.a[i] + 1))))));
  });

  for (const backend of BACKENDS) {
    it(`no alpha and alpha at its default (0.01, 1) give the same bits and the same files (${backend})`, async () => {
      const base = (alphas: (number | undefined)[]): NetworkOptions => ({
        inputSize: 5,
        layers: [
          { units: 9, activation: 'leaky-relu', alpha: alphas[0] },
          { units: 6, activation: 'elu', alpha: alphas[1] },
          { units: 3, activation: 'leaky-relu', alpha: alphas[2] },
        ],
        loss: 'mse',
        optimizer: { kind: 'sgd', learningRate: 0.05 },
        seed: 9,
        backend,
      });
      const strip = (o: NetworkOptions): NetworkOptions => ({ ...o, layers: o.layers.map(({ units, activation }) => ({ units, activation })) });
      const x = inputs(37, 5, 1);
      const y = targets(CASES[1], 37);
      const run = async (o: NetworkOptions) => {
        const net = await Network.create(o);
        const out = { predict: bits(net.predict(x)), grads: allBits(net.gradients(x, y)), save: net.save(), json: JSON.stringify(net.toJSON()) };
        await net.fit(x, y, { epochs: 2, batchSize: 8 });
        const trained = allBits(net.getWeights());
        net.dispose();
        return { ...out, trained };
      };
      const without = await run(strip(base([])));
      const defaults = await run(base([0.01, 1, 0.01]));
      expect(defaults).toEqual(without);
      // The file has no alpha key at all: the header of before.
      expect(without.json).not.toContain('alpha');
      expect(without.json).toContain('"layers":[{"units":9,"activation":"leaky-relu"},{"units":6,"activation":"elu"},{"units":3,"activation":"leaky-relu"}]');
      // ...and the comparison can fail: another alpha on any one layer changes the results.
      for (const changed of [[0.02, 1, 0.01], [0.01, 1.05, 0.01], [0.01, 1, 0.02]]) {
        const other = await run(base(changed));
        expect(other.grads, `alphas ${changed}`).not.toEqual(without.grads);
        expect(other.json).toContain('alpha');
      }
    });
  }
});

describe('model formats and summary keep alpha', () => {
  const withAlpha: NetworkOptions = {
    inputSize: 4,
    layers: [{ units: 6, activation: 'leaky-relu', alpha: 0.2 }, { units: 5, activation: 'elu', alpha: 0.7 }, { units: 2, activation: 'leaky-relu' }],
    loss: 'mse',
    seed: 4,
  };
  const x = inputs(7, 4, 0.5);

  for (const backend of BACKENDS) {
    it(`save/load and toJSON/fromJSON round-trip it (${backend})`, async () => {
      const net = await Network.create({ ...withAlpha, backend });
      expect(net.toJSON().layers).toEqual([
        { units: 6, activation: 'leaky-relu', alpha: 0.2 },
        { units: 5, activation: 'elu', alpha: 0.7 },
        { units: 2, activation: 'leaky-relu' },
      ]);
      const copies = [
        await Network.load(net.save(), { backend }),
        await Network.fromJSON(JSON.stringify(net.toJSON()), { backend }),
        await Network.fromJSON(net.toJSON(), { backend }),
      ];
      for (const copy of copies) {
        expect(copy.layers.map((l) => l.alpha)).toEqual([0.2, 0.7, 0.01]);
        expect(bits(copy.predict(x))).toEqual(bits(net.predict(x)));
        expect(copy.toJSON()).toEqual(net.toJSON());
        expect(copy.save()).toEqual(net.save());
        copy.dispose();
      }
      net.dispose();
    });
  }

  it('summary() shows an alpha that is not the default', async () => {
    const net = await Network.create(withAlpha);
    const text = net.summary();
    expect(text).toMatch(/dense_1 +6 +leaky-relu \(alpha 0\.2\) +\(batch, 6\) +30/);
    expect(text).toMatch(/dense_2 +5 +elu \(alpha 0\.7\) +\(batch, 5\) +35/);
    expect(text).toMatch(/dense_3 \(output\) +2 +leaky-relu +\(batch, 2\) +12/);
    net.dispose();
  });
});

describe('ONNX export carries alpha', () => {
  async function runOnnx(model: Uint8Array, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({ x: new ort.Tensor('float32', x, [rows, cols]) });
    return out.y.data as Float32Array;
  }

  for (const layers of [
    [{ units: 9, activation: 'leaky-relu', alpha: 0.2 }, { units: 7, activation: 'elu', alpha: 0.7 }, { units: 3, activation: 'linear' }],
    [{ units: 9, activation: 'elu', alpha: 0.7 }, { units: 3, activation: 'leaky-relu', alpha: 0.2 }],
    [{ units: 9, activation: 'leaky-relu', alpha: 0.2 }, { units: 3, activation: 'elu', alpha: 0.7 }],
  ] as NetworkOptions['layers'][]) {
    const name = layers.map((l) => `${l.activation}${l.alpha === undefined ? '' : ` ${l.alpha}`}`).join(', ');
    it(`ONNX Runtime predicts what the network predicts: ${name}`, async () => {
      const net = await Network.create({ inputSize: 6, layers, loss: 'mse', seed: 11 });
      const x = Float32Array.from({ length: 8 * 6 }, (_, i) => 2 * Math.sin(1.7 * i));
      const ours = net.predict(x);
      const theirs = await runOnnx(net.toONNX(), x, 8, 6);
      expect(theirs.length).toBe(ours.length);
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i]), `${name} at ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
      // The same weights with the default alphas predict something else: alpha mattered here.
      const plain = await Network.create({ inputSize: 6, layers: layers.map(({ units, activation }) => ({ units, activation })), loss: 'mse', seed: 11 });
      const off = plain.predict(x).reduce((worst, v, i) => Math.max(worst, Math.abs(v - ours[i])), 0);
      expect(off).toBeGreaterThan(1e-3);
      net.dispose();
      plain.dispose();
    });
  }
});

describe('the inference entry reads alpha', () => {
  it('InferenceNetwork predicts the bits of Network for a saved model with alpha (1, 3 and 300 rows)', async () => {
    const net = await Network.create({
      inputSize: 5,
      layers: [{ units: 12, activation: 'leaky-relu', alpha: 0.2 }, { units: 8, activation: 'elu', alpha: 0.7 }, { units: 3, activation: 'leaky-relu', alpha: 0.3 }],
      loss: 'mse',
      seed: 8,
    });
    for (const model of [net.save(), net.toJSON(), JSON.stringify(net.toJSON())]) {
      const inf = await InferenceNetwork.load(model);
      for (const m of [1, 3, 300]) {
        const x = Float32Array.from(inputs(m, 5, m).flat());
        expect(bits(inf.predict(x)), `${m} rows`).toEqual(bits(net.predict(x)));
      }
      inf.dispose();
    }
    net.dispose();
  });
});

describe('two threads', () => {
  it('a threaded network with alpha gives the single-threaded bits, and a worker ran [consistency only]', async () => {
    // Layers wide enough that the two-thread products split (>= 2^16 multiply-adds).
    const wide = (alpha: boolean, threads: number): NetworkOptions => ({
      inputSize: 64,
      layers: [
        { units: 256, activation: 'leaky-relu', ...(alpha ? { alpha: 0.2 } : {}) },
        { units: 64, activation: 'elu', ...(alpha ? { alpha: 0.7 } : {}) },
        { units: 3, activation: 'leaky-relu', ...(alpha ? { alpha: 0.3 } : {}) },
      ],
      loss: 'mse',
      optimizer: { kind: 'sgd', learningRate: 0.01 },
      seed: 6,
      threads,
    });
    const x = inputs(96, 64, 0.1);
    const y = targets({ inputSize: 64, layers: [{ units: 3, activation: 'linear' }], loss: 'mse' }, 96);
    const { initThreads } = await import('../src/wasm.js');
    const pool = (await initThreads(1))!.pool!;
    const results: number[][] = [];
    for (const [alpha, threads] of [[true, 1], [true, 2], [false, 1]] as const) {
      const net = await Network.create(wide(alpha, threads));
      expect(net.threads).toBe(threads);
      const before = pool.workerChunks;
      pool.workersFirst = threads > 1;
      try {
        await net.fit(x, y, { epochs: 1, batchSize: 32 });
      } finally {
        pool.workersFirst = false;
      }
      if (threads > 1) expect(pool.workerChunks).toBeGreaterThan(before);
      results.push([...bits(net.predict(x)), ...allBits(net.getWeights())]);
      net.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).not.toEqual(results[0]);
  });
});

describe('validation', () => {
  async function expectInvalid(options: NetworkOptions, pattern: RegExp): Promise<void> {
    const error = await Network.create(options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, String(pattern)).toBeInstanceOf(WasmMlpError);
    expect((error as WasmMlpError).code).toBe('INVALID_OPTION');
    expect((error as WasmMlpError).message).toMatch(pattern);
  }
  const net = (layers: unknown[]): NetworkOptions => ({ inputSize: 3, layers: layers as NetworkOptions['layers'] });

  it('refuses a non-finite, negative or non-number alpha, naming layers[i].alpha and what it expects', async () => {
    const finite = (act: string) => new RegExp(`layers\\[0\\]\\.alpha: expected a finite float32 number >= 0 for a '${act}' layer, got `);
    for (const [alpha, given] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-0.1, '-0.1'], [1e39, '1e\\+39'], ['0.2', 'the string "0.2"'], [null, 'null'], [[0.2], 'an array']] as const) {
      for (const act of ['leaky-relu', 'elu']) {
        await expectInvalid(net([{ units: 2, activation: act, alpha }, { units: 1 }]), new RegExp(finite(act).source + given));
      }
    }
  });

  it("refuses alpha on a layer whose activation takes none, naming layers[i].alpha and the activations that do", async () => {
    const message = (i: number, act: string) =>
      new RegExp(`layers\\[${i}\\]\\.alpha: '${act}' takes no alpha; alpha is the parameter of 'leaky-relu' \\(default 0\\.01\\) and 'elu' \\(default 1\\) layers`);
    await expectInvalid(net([{ units: 2, activation: 'relu', alpha: 0.2 }, { units: 1 }]), message(0, 'relu'));
    await expectInvalid(net([{ units: 2, activation: 'elu' }, { units: 1, activation: 'tanh', alpha: 0.5 }]), message(1, 'tanh'));
    await expectInvalid(net([{ units: 2, alpha: 0.5 }, { units: 1 }]), message(0, 'linear'));
    await expectInvalid(net([{ units: 2, activation: 'relu', alpha: NaN }, { units: 1 }]), message(0, 'relu'));
  });

  it('accepts 0 and large alphas, and a model file with a bad alpha is INVALID_MODEL', async () => {
    for (const alpha of [0, 5]) {
      const ok = await Network.create(net([{ units: 2, activation: 'elu', alpha }, { units: 1, activation: 'leaky-relu', alpha }]));
      expect(ok.layers.map((l) => l.alpha)).toEqual([alpha, alpha]);
      ok.dispose();
    }
    const good = await Network.create(net([{ units: 2, activation: 'relu' }, { units: 1 }]));
    const json = good.toJSON();
    json.layers[0].alpha = 0.2;
    const error = await Network.fromJSON(json).then(() => null, (e: unknown) => e);
    expect((error as WasmMlpError).code).toBe('INVALID_MODEL');
    expect((error as WasmMlpError).message).toMatch(/Network\.fromJSON: layers\[0\]\.alpha: 'relu' takes no alpha/);
    good.dispose();
  });
});
