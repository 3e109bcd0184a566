// Network.fromONNX against models made by their producers (PyTorch's torch.onnx.export,
// skl2onnx, onnx.helper in tf2onnx's MatMul + Add form), with the producers' own outputs
// (test/fixtures/onnx-import/, made by gen.py there; tests need no Python): predictions within
// 1e-5 of the producer's, on both backends, and the same predictions as ONNX Runtime Web running
// the same file. Refusals name the node and op. Round trips through toONNX are bit-exact.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { Network, WasmMlpError } from '../src/index.js';
import { expectNear } from './near.js';

ort.env.wasm.numThreads = 1;

interface Fixture {
  name: string;
  producer: string;
  opset?: number;
  inputSize?: number;
  outputSize?: number;
  inputName?: string;
  outputName?: string;
  x?: number[][];
  y?: number[][];
  expect: 'ok' | 'UNSUPPORTED_MODEL' | 'INVALID_MODEL';
  notes: string;
}

const dir = new URL('./fixtures/onnx-import/', import.meta.url);
const FIXTURES = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)
  .sort((a, b) => a.name.localeCompare(b.name));
const bytesOf = (name: string) => new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
const GOOD = FIXTURES.filter((f) => f.expect === 'ok');
const BAD = FIXTURES.filter((f) => f.expect !== 'ok');


describe('ONNX import: fixtures cover what the issue lists', () => {
  it('has the producers, opsets and refusals', () => {
    expect(GOOD.length).toBeGreaterThanOrEqual(6);
    for (const opset of [9, 13, 17]) expect(GOOD.some((f) => f.opset === opset), `opset ${opset}`).toBe(true);
    for (const producer of ['pytorch', 'skl2onnx', 'onnx.helper']) expect(GOOD.some((f) => f.producer.includes(producer)), producer).toBe(true);
    expect(BAD.filter((f) => f.expect === 'UNSUPPORTED_MODEL').length).toBeGreaterThanOrEqual(4);
  });
});

for (const backend of ['wasm', 'js'] as const) {
  describe(`ONNX import (${backend})`, () => {
    for (const f of GOOD) {
      it(`${f.name}: predicts the producer's outputs within 1e-5 (${f.producer})`, async () => {
        const net = await Network.fromONNX(bytesOf(f.name), { backend });
        expect(net.inputSize).toBe(f.inputSize);
        expect(net.outputSize).toBe(f.outputSize);
        expectNear(net.predict(f.x!), f.y!.flat(), f.name);
        net.dispose();
      });
    }
    for (const f of BAD) {
      it(`${f.name}: refused with ${f.expect}`, async () => {
        const e = await Network.fromONNX(bytesOf(f.name), { backend }).catch((err: unknown) => err);
        expect(e, f.notes).toBeInstanceOf(WasmMlpError);
        expect((e as WasmMlpError).code, (e as Error).message).toBe(f.expect);
        expect((e as Error).message).toMatch(/^Network\.fromONNX: /);
      });
    }
  });
}

describe('ONNX import refusals name the node and what is supported', () => {
  const cases: [string, RegExp][] = [
    ['unsupported_conv', /\(Conv\); supported: Sub and Div by constants or a Scaler \(ai\.onnx\.ml\) before the first layer \(input normalization\), Gemm, MatMul \+ Add/],
    ['unsupported_two_inputs', /2 data inputs \('a', 'b'\); supported: exactly one/],
    ['unsupported_branch', /\(Concat\) joins 2 branches/],
    ['unsupported_external_data', /external file/],
    ['unsupported_opset8', /opset 8; supported: 9 to 21/],
    ['invalid_empty', /no graph/],
  ];
  for (const [name, message] of cases) {
    it(name, async () => {
      const e = await Network.fromONNX(bytesOf(name)).catch((err: unknown) => err);
      expect((e as Error).message).toMatch(message);
    });
  }

  it('bad arguments are INVALID_OPTION naming them', async () => {
    for (const [bytes, options, message] of [
      ['model.onnx', {}, /bytes: expected a Uint8Array or ArrayBuffer/],
      [bytesOf('torch_relu_softmax_op9'), { backend: 'gpu' }, /backend/],
      [bytesOf('torch_relu_softmax_op9'), { lr: 1 }, /options.*lr/],
    ] as const) {
      const e = await Network.fromONNX(bytes as never, options as never).catch((err: unknown) => err);
      expect((e as WasmMlpError).code).toBe('INVALID_OPTION');
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('ONNX import: the same predictions as ONNX Runtime Web on the same files', () => {
  for (const f of GOOD) {
    it(f.name, async () => {
      const bytes = bytesOf(f.name);
      const session = await ort.InferenceSession.create(bytes);
      const x = Float32Array.from(f.x!.flat());
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [f.x!.length, f.inputSize!]) };
      const out = await session.run(feeds, [f.outputName ?? session.outputNames[0]]);
      const theirs = out[f.outputName ?? session.outputNames[0]].data as Float32Array;
      const net = await Network.fromONNX(bytes);
      expectNear(net.predict(x), theirs, `${f.name} vs ORT`);
      net.dispose();
    });
  }
});

describe('ONNX round trip and use of an imported network', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`fromONNX(toONNX()) is bit-exact in weights and predictions (${backend})`, async () => {
      const net = await Network.create({
        inputSize: 7,
        layers: [{ units: 13, activation: 'tanh' }, { units: 9, activation: 'relu' }, { units: 6, activation: 'softplus' }, { units: 5, activation: 'sigmoid' }, { units: 3, activation: 'softmax' }],
        seed: 21,
        backend,
      });
      const x = Float32Array.from({ length: 11 * 7 }, (_, i) => Math.sin(i * 1.3) * 2);
      const back = await Network.fromONNX(net.toONNX(), { backend });
      expect(back.layers).toEqual(net.layers);
      const bits = (a: Float32Array[]) => a.map((v) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)));
      expect(bits(back.getWeights().weights)).toEqual(bits(net.getWeights().weights));
      expect(bits(back.getWeights().biases)).toEqual(bits(net.getWeights().biases));
      expect(bits([back.predict(x)])).toEqual(bits([net.predict(x)]));
      // From an ArrayBuffer too.
      const onnx = net.toONNX();
      const again = await Network.fromONNX(onnx.slice().buffer, { backend });
      expect(bits([again.predict(x)])).toEqual(bits([net.predict(x)]));
      for (const n of [net, back, again]) n.dispose();
    });
  }

  it('an imported network evaluates, fine-tunes with fit, saves, loads and exports again', async () => {
    const f = GOOD.find((g) => g.name === 'sklearn_mlp_classifier')!;
    const net = await Network.fromONNX(bytesOf(f.name), { optimizer: { kind: 'adam', learningRate: 0.01 }, seed: 3 });
    expect(net.loss).toBe('categorical-cross-entropy');
    const x = f.x!;
    const labels = f.y!.map((row) => row.indexOf(Math.max(...row)));
    const before = net.evaluate(x, labels);
    expect(before.accuracy).toBe(1); // its own argmax
    const history = await net.fit(x, labels, { epochs: 20, batchSize: 4 });
    expect(history.loss[19]).toBeLessThan(history.loss[0]);
    const loaded = await Network.load(net.save());
    expect(loaded.predict(x)).toEqual(net.predict(x));
    const exported = await Network.fromONNX(loaded.toONNX());
    expect(exported.predict(x)).toEqual(net.predict(x));
    for (const n of [net, loaded, exported]) n.dispose();
  });

  it('a scikit-learn Pipeline(StandardScaler, MLPClassifier) keeps its scaler as the input normalization', async () => {
    const pipeline = await Network.fromONNX(bytesOf('sklearn_pipeline_scaler_mlp'));
    // StandardScaler's Scaler node became the input normalization: wine's raw columns range from
    // hundredths (hue) to about 1,680 (proline), so the means span that range too
    const n = pipeline.normalization!;
    expect(n.mean.length).toBe(13);
    expect(Math.max(...n.mean)).toBeGreaterThan(500);
    expect(Math.min(...n.std)).toBeGreaterThan(0);
    expect(pipeline.layers.map((l) => [l.units, l.activation])).toEqual([[16, 'tanh'], [3, 'softmax']]);
  });

  it('a given loss is kept; a bad one is INVALID_OPTION, not the model\'s fault', async () => {
    const net = await Network.fromONNX(bytesOf('sklearn_mlp_regressor'), { loss: 'mse', optimizer: 'sgd' });
    expect(net.loss).toBe('mse');
    net.dispose();
    const e = await Network.fromONNX(bytesOf('sklearn_mlp_regressor'), { loss: 'hinge' as never }).catch((err: unknown) => err);
    expect((e as WasmMlpError).code).toBe('INVALID_OPTION');
  });
});

describe('ONNX import: pass-through ops and attributes, against ONNX Runtime Web', () => {
  it('Identity, Cast, Flatten, Dropout (opset 13, with a ratio input), Reshape, LeakyRelu and Elu alphas, Gemm transB 0 with alpha/beta', async () => {
    const { model } = await import('./onnx-build.js');
    const vals = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 0.8);
    const bytes = model({
      opset: 13,
      inputs: ['x'],
      outputs: ['y'],
      initializers: [
        { name: 'W0', dims: [5, 4], values: vals(20, 1) }, // transB 0: in x out
        { name: 'b0', dims: [4], values: vals(4, 2) },
        { name: 'W1', dims: [3, 4], values: vals(12, 3), storage: 'typed' as const },
        { name: 'b1', dims: [3], values: vals(3, 4), storage: 'typed' as const },
        { name: 'W2', dims: [3, 2], values: vals(6, 5), dataType: 11 },
        { name: 'b2', dims: [1, 2], values: vals(2, 6), dataType: 10 },
        { name: 'ratio', dims: [], values: [0.4] },
        { name: 'shape', dims: [2], values: [-1, 5], dataType: 7 },
      ],
      nodes: [
        { op: 'Identity', inputs: ['x'], outputs: ['x1'] },
        { op: 'Cast', inputs: ['x1'], outputs: ['x2'], attrs: { to: 1 } },
        { op: 'Flatten', inputs: ['x2'], outputs: ['x3'], attrs: { axis: 1 } },
        { op: 'Reshape', inputs: ['x3', 'shape'], outputs: ['x4'] },
        { op: 'Gemm', inputs: ['x4', 'W0', 'b0'], outputs: ['z0'], attrs: { transB: 0, alpha: { float: 0.5 }, beta: { float: 2 } } },
        { op: 'LeakyRelu', inputs: ['z0'], outputs: ['a0'], attrs: { alpha: { float: 0.2 } } },
        { op: 'Dropout', inputs: ['a0', 'ratio'], outputs: ['d0'] },
        { op: 'Gemm', inputs: ['d0', 'W1', 'b1'], outputs: ['z1'], attrs: { transB: 1 } },
        { op: 'Elu', inputs: ['z1'], outputs: ['a1'], attrs: { alpha: { float: 0.7 } } },
        { op: 'Cast', inputs: ['W2'], outputs: ['W2c'], attrs: { to: 1 } },
        { op: 'Cast', inputs: ['b2'], outputs: ['b2c'], attrs: { to: 1 } },
        { op: 'MatMul', inputs: ['a1', 'W2c'], outputs: ['m2'] },
        { op: 'Add', inputs: ['m2', 'b2c'], outputs: ['z2'] },
        { op: 'Softmax', inputs: ['z2'], outputs: ['y'], attrs: { axis: -1 } },
      ],
    });
    const x = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.cos(i * 0.9) * 2);
    const session = await ort.InferenceSession.create(bytes);
    const theirs = (await session.run({ x: new ort.Tensor('float32', x, [6, 5]) })).y.data as Float32Array;
    for (const backend of ['wasm', 'js'] as const) {
      const net = await Network.fromONNX(bytes, { backend });
      expect(net.layers.map((l) => [l.activation, l.alpha])).toEqual([['leaky-relu', Math.fround(0.2)], ['elu', Math.fround(0.7)], ['softmax', 0]]);
      expectNear(net.predict(x), theirs, `pass-through ops (${backend}) vs ORT`);
      net.dispose();
    }
  });
});
