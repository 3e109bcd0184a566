// Feature normalization stored with the model (Keras's Normalization semantics): adapt's
// statistics against their definition, the normalized forward pass against the float64 oracle
// and against the formula applied by hand, in predict, evaluate, gradients and fit on both
// backends; kept by every format and the inference entry; exported to ONNX as Sub and Div and
// read back. Also the target shapes a one-output network takes, and metadata.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-web';
import { Network, WasmMlpError, type Backend } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import { forward, type Model } from './reference/oracle.js';
import { model as onnxModel } from './onnx-build.js';

ort.env.wasm.numThreads = 1;
const BACKENDS: Backend[] = ['wasm', 'js'];

/** Columns on wildly different scales, as raw tabular data has them; column 3 is constant. */
function rawData(rows: number): Float32Array {
  const x = new Float32Array(rows * 4);
  for (let i = 0; i < rows; i++) {
    x[i * 4] = 300 + 120 * Math.sin(1.3 * i);
    x[i * 4 + 1] = 0.02 * Math.cos(0.7 * i) + 0.01;
    x[i * 4 + 2] = -5 + 3 * Math.sin(2.1 * i + 1);
    x[i * 4 + 3] = 7.5;
  }
  return x;
}

/** The formula, by hand: float32 (x - mean), then float32 division by std (1 where std is 0). */
function normalizeByHand(x: Float32Array, mean: ArrayLike<number>, std: ArrayLike<number>): Float32Array {
  const cols = mean.length;
  return x.map((v, i) => Math.fround(Math.fround(v - mean[i % cols]) / (std[i % cols] === 0 ? 1 : std[i % cols])));
}

const bits = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const LAYERS = [{ units: 6, activation: 'tanh' as const }, { units: 3, activation: 'softmax' as const }];
const labels = (rows: number): Int32Array => Int32Array.from({ length: rows }, (_, i) => i % 3);

describe('adapt', () => {
  it('sets each column\'s mean and population std (divided by n), in float64 then float32; x is only read', async () => {
    const net = await Network.create({ inputSize: 3, layers: LAYERS, backend: 'js' });
    const x = [[1, 10, 5], [3, 30, 5], [5, 20, 5], [7, 40, 5]];
    const copy = JSON.stringify(x);
    const n = net.adapt(x);
    expect(JSON.stringify(x)).toBe(copy);
    expect(Array.from(n.mean)).toEqual([4, 25, 5]);
    // population: sqrt(20 / 4) and sqrt(500 / 4); the sample std would be sqrt(20 / 3), sqrt(500 / 3)
    expect(Array.from(n.std)).toEqual([Math.fround(Math.sqrt(5)), Math.fround(Math.sqrt(125)), 0]);
    expect(net.normalization).toEqual(n);
    // the getter hands out copies
    net.normalization!.mean[0] = 99;
    n.std[0] = 99;
    expect(net.normalization!.mean[0]).toBe(4);
    expect(net.normalization!.std[0]).toBe(Math.fround(Math.sqrt(5)));
  });

  it('accumulates in float64: a large offset with a small spread keeps its std', async () => {
    const net = await Network.create({ inputSize: 1, layers: [{ units: 1 }], backend: 'js' });
    const x = Float32Array.from({ length: 1000 }, (_, i) => 1e6 + (i % 2 ? 0.5 : -0.5));
    const n = net.adapt(x);
    expect(n.mean[0]).toBe(1e6);
    expect(n.std[0]).toBe(0.5);
  });

  it('refuses bad data with the argument\'s name and keeps the normalization it had', async () => {
    const net = await Network.create({ inputSize: 2, layers: [{ units: 1 }], normalization: { mean: [1, 2], std: [3, 4] } });
    expect(() => net.adapt([[1, 2], [NaN, 1]])).toThrow(/^x\[1\]\[0\]: expected a finite number, got NaN$/);
    expect(() => net.adapt([[1, 2, 3]])).toThrow(/^x\[0\]: expected 2 values, got 3$/);
    expect(() => net.adapt(Float32Array.of(1, 2, Infinity, 0))).toThrow(WasmMlpError);
    expect(net.normalization).toEqual({ mean: Float32Array.of(1, 2), std: Float32Array.of(3, 4) });
    net.dispose();
    expect(() => net.adapt([[1, 2]])).toThrow(/disposed/);
  });

  it('is refused while fit runs (BUSY)', async () => {
    const net = await Network.create({ inputSize: 4, layers: LAYERS });
    const x = rawData(64);
    const fitting = net.fit(x, labels(64), { epochs: 3, batchSize: 8 });
    expect(() => net.adapt(x)).toThrow(expect.objectContaining({ code: 'BUSY' }));
    await fitting;
    expect(net.adapt(x).mean.length).toBe(4);
  });
});

describe.each(BACKENDS)('a normalized network (%s)', (backend) => {
  const rows = 37;
  const x = rawData(rows);
  const y = labels(rows);

  /** A network with normalization and its twin without, same weights. */
  async function twins(): Promise<{ normed: Network; plain: Network; xHand: Float32Array }> {
    const normed = await Network.create({ inputSize: 4, layers: LAYERS, backend, seed: 3 });
    const stats = normed.adapt(x);
    const plain = await Network.create({ inputSize: 4, layers: LAYERS, backend, seed: 3 });
    plain.setWeights(normed.getWeights());
    expect(stats.std[3]).toBe(0); // the constant column divides by 1
    return { normed, plain, xHand: normalizeByHand(x, stats.mean, stats.std) };
  }

  it('predicts the float64 oracle\'s forward pass of (x - mean) / std', async () => {
    const { normed } = await twins();
    const n = normed.normalization!;
    const w = normed.getWeights();
    const model: Model = { inputSize: 4, layers: LAYERS, loss: 'categorical-cross-entropy' };
    const params = { weights: w.weights.map((a) => Array.from(a)), biases: w.biases.map((a) => Array.from(a)) };
    const out = normed.predict(x);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * 4, r * 4 + 4), (v, c) => (v - n.mean[c]) / (n.std[c] || 1));
      const expected = forward(model, params, row).as.at(-1)!;
      expected.forEach((e, j) => expect(Math.abs(out[r * 3 + j] - e), `row ${r} output ${j}`).toBeLessThan(1e-5));
    }
    // and the raw inputs would give something else: the normalization is really applied
    const raw = forward(model, params, Array.from(x.subarray(0, 4))).as.at(-1)!;
    expect(Math.max(...raw.map((e, j) => Math.abs(out[j] - e)))).toBeGreaterThan(1e-3);
  });

  it('predict, evaluate and gradients give the bits of the plain twin on inputs normalized by hand; x is not mutated', async () => {
    const { normed, plain, xHand } = await twins();
    const before = bits(x);
    expect(bits(normed.predict(x))).toBe(bits(plain.predict(xHand)));
    expect(normed.evaluate(x, y)).toEqual(plain.evaluate(xHand, y));
    const g1 = normed.gradients(x, y);
    const g2 = plain.gradients(xHand, y);
    expect(g1.loss).toBe(g2.loss);
    g1.weights.forEach((a, l) => expect(bits(a), `dW${l}`).toBe(bits(g2.weights[l])));
    g1.biases.forEach((a, l) => expect(bits(a), `db${l}`).toBe(bits(g2.biases[l])));
    expect(normed.checkGradients(x.subarray(0, 8), y.subarray(0, 2)).maxRelativeError).toBeLessThan(1e-2);
    expect(bits(x)).toBe(before);
  });

  it('fit trains on the normalized inputs, validation data included (same weights and history as the twin)', async () => {
    for (const split of ['validationData', 'validationSplit'] as const) {
      const { normed, plain, xHand } = await twins();
      const val = split === 'validationData';
      const h1 = await normed.fit(x, y, { epochs: 4, batchSize: 8, ...(val ? { validationData: [x.subarray(0, 40), y.subarray(0, 10)] } : { validationSplit: 0.25 }) });
      const h2 = await plain.fit(xHand, y, { epochs: 4, batchSize: 8, ...(val ? { validationData: [xHand.subarray(0, 40), y.subarray(0, 10)] } : { validationSplit: 0.25 }) });
      expect(h1.loss, split).toEqual(h2.loss);
      expect(h1.valLoss, split).toEqual(h2.valLoss);
      expect(h1.valLoss!.length).toBe(4);
      normed.getWeights().weights.forEach((a, l) => expect(bits(a), `${split} W${l}`).toBe(bits(plain.getWeights().weights[l])));
    }
  });

  it('is kept by save/load, toJSON/fromJSON (object and text) and the inference entry, with metadata', async () => {
    const metadata = { features: ['a', 'b', 'c', 'd'], classes: ['x', 'y', 'z'], nested: { n: 1, ok: true, none: null } };
    const net = await Network.create({ inputSize: 4, layers: LAYERS, backend, seed: 5, metadata });
    net.adapt(x);
    metadata.features[0] = 'changed after create';
    expect(net.metadata!.features).toEqual(['a', 'b', 'c', 'd']);
    const expected = bits(net.predict(x));
    const file = net.save();
    expect(new DataView(file.buffer).getUint32(4, true)).toBe(2);
    const json = net.toJSON();
    expect(json.version).toBe(2);
    expect(json.normalization!.mean.length).toBe(4);
    for (const copy of [
      await Network.load(file, { backend }),
      await Network.fromJSON(json, { backend }),
      await Network.fromJSON(JSON.stringify(json), { backend }),
    ]) {
      expect(bits(copy.predict(x))).toBe(expected);
      expect(copy.normalization).toEqual(net.normalization);
      expect(copy.metadata).toEqual({ ...metadata, features: ['a', 'b', 'c', 'd'] });
      expect(bits(copy.save())).toBe(bits(file));
    }
    // the inference entry runs the wasm core: it must give the wasm backend's bits
    const wasmBits = backend === 'wasm' ? expected : bits((await Network.load(file)).predict(x));
    const inf = await InferenceNetwork.load(file);
    expect(bits(inf.predict(x))).toBe(wasmBits);
    const out = new Float32Array(rows * 3);
    const before = bits(x);
    expect(bits(inf.predictBatch(x, out))).toBe(wasmBits);
    expect(bits(inf.predictBatch(x.subarray(0, 8), out).subarray(0, 6))).toBe(wasmBits.slice(0, 6 * 8));
    expect(bits(x)).toBe(before);
    // bad arguments are refused by the inference entry and by an int8 copy alike, which
    // both still predict afterwards
    const q = await net.quantize({ calibration: x });
    for (const served of [inf, q]) {
      expect(() => served.predictBatch(x.subarray(0, 5), out)).toThrow(/^predictBatch: x: expected a multiple of inputSize 4 values, got 5$/);
      expect(() => served.predictBatch(x, out.subarray(0, 10))).toThrow(/^predictBatch: out: expected at least 111 values \(37 rows x 3 outputs\), got 10$/);
      expect(served.predictBatch(x.subarray(0, 4), out).length).toBe(rows * 3);
    }
    q.dispose();
    expect(inf.metadata!.classes).toEqual(['x', 'y', 'z']);
    expect(inf.normalization).toEqual(net.normalization);
    expect(net.summary()).toMatch(/Inputs normalized: \(x - mean\) \/ std per column, 4 columns/);
  });

  it('exports Sub and Div before the first Gemm: ONNX Runtime agrees, and fromONNX reads the normalization back', async () => {
    const { normed } = await twins();
    const onnx = normed.toONNX();
    const text = new TextDecoder('latin1').decode(onnx);
    expect(text.indexOf('Sub')).toBeGreaterThan(-1);
    expect(text.indexOf('Sub')).toBeLessThan(text.indexOf('Div'));
    expect(text.indexOf('Div')).toBeLessThan(text.indexOf('Gemm'));
    const session = await ort.InferenceSession.create(onnx);
    const theirs = (await session.run({ x: new ort.Tensor('float32', x, [rows, 4]) })).y.data as Float32Array;
    const ours = normed.predict(x);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i]), `output ${i}`).toBeLessThan(1e-6));
    const back = await Network.fromONNX(onnx, { backend });
    // std 0 is exported as divisor 1, which reads back as std 1: the same division
    const n = normed.normalization!;
    expect(back.normalization).toEqual({ mean: n.mean, std: n.std.map((s) => s || 1) });
    expect(bits(back.predict(x))).toBe(bits(ours));
  });
});

describe('ONNX import of input normalization', () => {
  const W = [1, 2, 3, 4, 5, 6];
  const graph = (pre: { op: string; values: number[]; dims: number[] }[]) => {
    let current = 'x';
    const nodes = pre.map((p, i) => {
      const out = `p${i}`;
      const node = { op: p.op, inputs: [current, `c${i}`], outputs: [out] };
      current = out;
      return node;
    });
    return onnxModel({
      inputs: ['x'], outputs: ['y'],
      nodes: [...nodes, { op: 'Gemm', inputs: [current, 'W', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
      initializers: [
        ...pre.map((p, i) => ({ name: `c${i}`, dims: p.dims, values: p.values })),
        { name: 'W', dims: [2, 3], values: W }, { name: 'b', dims: [2], values: [0.5, -0.5] },
      ],
    });
  };

  it('reads per-column and scalar Sub/Div, Sub alone and Div alone', async () => {
    const cases: [Parameters<typeof graph>[0], number[], number[]][] = [
      [[{ op: 'Sub', values: [1, 2, 3], dims: [3] }, { op: 'Div', values: [2, 4, 8], dims: [1, 3] }], [1, 2, 3], [2, 4, 8]],
      [[{ op: 'Sub', values: [5], dims: [] }, { op: 'Div', values: [2], dims: [1] }], [5, 5, 5], [2, 2, 2]],
      [[{ op: 'Sub', values: [1, 2, 3], dims: [3] }], [1, 2, 3], [1, 1, 1]],
      [[{ op: 'Div', values: [4], dims: [] }], [0, 0, 0], [4, 4, 4]],
    ];
    const x = [[3, 6, 11], [-1, 0, 1]];
    for (const [pre, mean, std] of cases) {
      const net = await Network.fromONNX(graph(pre));
      expect(net.normalization).toEqual({ mean: Float32Array.from(mean), std: Float32Array.from(std) });
      const out = net.predict(x);
      x.forEach((row, r) => {
        const h = row.map((v, c) => (v - mean[c]) / std[c]);
        for (let j = 0; j < 2; j++) {
          const e = W[j * 3] * h[0] + W[j * 3 + 1] * h[1] + W[j * 3 + 2] * h[2] + (j ? -0.5 : 0.5);
          expect(Math.abs(out[r * 2 + j] - e)).toBeLessThan(1e-5);
        }
      });
    }
  });

  it('refuses what is not a normalization, naming the node', async () => {
    const refuse = async (pre: Parameters<typeof graph>[0], code: string, text: RegExp) => {
      const err = await Network.fromONNX(graph(pre)).catch((e) => e);
      expect(err).toBeInstanceOf(WasmMlpError);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(text);
    };
    await refuse([{ op: 'Div', values: [0, 1, 1], dims: [3] }], 'UNSUPPORTED_MODEL', /a divisor <= 0; supported: positive divisors/);
    await refuse([{ op: 'Div', values: [-2], dims: [] }], 'UNSUPPORTED_MODEL', /a divisor <= 0/);
    await refuse([{ op: 'Div', values: [2], dims: [] }, { op: 'Sub', values: [1], dims: [] }], 'UNSUPPORTED_MODEL', /one Sub, then one Div/);
    await refuse([{ op: 'Sub', values: [1], dims: [] }, { op: 'Sub', values: [1], dims: [] }], 'UNSUPPORTED_MODEL', /one Sub, then one Div/);
    await refuse([{ op: 'Sub', values: [1, 2], dims: [2] }], 'INVALID_MODEL', /has 2 values for|takes 3 features but gets 2/);
    await refuse([{ op: 'Sub', values: [1, 2, 3], dims: [3, 1] }], 'UNSUPPORTED_MODEL', /a constant of shape \[3, 1\]/);
    await refuse([{ op: 'Sub', values: [NaN], dims: [] }], 'INVALID_MODEL', /subtrahend\[0\] is NaN/);
  });
});

describe('targets of a one-output network, and class labels', () => {
  it.each(BACKENDS)('a regression or binary net takes one value per sample as number[], Float32Array or an integer array (%s)', async (backend) => {
    for (const [activation, loss] of [['linear', 'mse'], ['sigmoid', 'binary-cross-entropy']] as const) {
      const net = await Network.create({ inputSize: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1, activation }], loss, backend });
      const x = [[0, 1], [1, 0], [1, 1]];
      const rowsForm = net.gradients(x, [[1], [0], [1]]);
      for (const y of [[1, 0, 1], Float32Array.of(1, 0, 1), Float64Array.of(1, 0, 1), Uint8Array.of(1, 0, 1), Int32Array.of(1, 0, 1)]) {
        expect(net.gradients(x, y), `${loss} ${y.constructor.name}`).toEqual(rowsForm);
      }
      expect(net.evaluate(x, [1, 0, 1])).toEqual(net.evaluate(x, [[1], [0], [1]]));
      const h = await net.fit(x, [1, 0, 1], { epochs: 2, batchSize: 2 });
      expect(h.loss.length).toBe(2);
      expect(() => net.fit(x, [1, 0], { epochs: 1 })).rejects.toThrow(/^y: expected 3 targets \(one per input sample\), got 2$/);
    }
  });

  it('a one-input net takes x as a flat number[] (one value per sample)', async () => {
    const net = await Network.create({ inputSize: 1, layers: [{ units: 2, activation: 'tanh' }, { units: 1 }] });
    expect(net.predict([0.5, -1, 2])).toEqual(net.predict([[0.5], [-1], [2]]));
  });

  it('categorical cross-entropy takes class labels in a float array too', async () => {
    const net = await Network.create({ inputSize: 4, layers: LAYERS });
    const x = rawData(6);
    expect(net.gradients(x, Float32Array.of(0, 1, 2, 2, 1, 0))).toEqual(net.gradients(x, Int32Array.of(0, 1, 2, 2, 1, 0)));
    expect(net.gradients(x, Float64Array.of(0, 1, 2, 2, 1, 0))).toEqual(net.gradients(x, [0, 1, 2, 2, 1, 0]));
  });
});
