// NaN and Infinity in inputs: the wasm engine tests x in the core as it copies each chunk
// (firstNonFinite), the JS engine in JS. Both must throw the same typed error naming the
// argument, row and column, wherever the bad value sits (first chunk, a later 256-row chunk,
// the SIMD body or the scalar tail), leave the caller's array alone and the network usable.
import { describe, it, expect, beforeAll } from 'vitest';
import { Network, WasmMlpError } from '../src/index.js';
import { loadRuntime as init, type Runtime } from '../src/wasm.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await init();
});

describe('firstNonFinite kernel', () => {
  it('finds the first NaN/Infinity at every position and length, and nothing in finite data', () => {
    const p = rt.arena.alloc(4 * 64);
    const f = () => new Float32Array(rt.memory.buffer, p, 64);
    for (const n of [0, 1, 3, 7, 8, 9, 16, 17, 63, 64]) {
      f().fill(0).set([3.4e38, -3.4e38, 1e-45, -0], 0);
      expect(rt.core.firstNonFinite(p, n)).toBe(-1);
      for (let at = 0; at < n; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const a = f();
          a.fill(1);
          a[at] = bad;
          if (at + 1 < n) a[n - 1] = NaN; // a later bad value must not win
          expect(rt.core.firstNonFinite(p, n)).toBe(at);
        }
      }
    }
    rt.arena.free(p);
  });
});

describe('non-finite inputs', () => {
  const inputSize = 13;
  const rows = 600; // three 256-row chunks
  for (const backend of ['wasm', 'js'] as const) {
    it(`predict and evaluate reject them with the row and column (${backend})`, async () => {
      const net = await Network.create({ inputSize, layers: [{ units: 5, activation: 'relu' }, { units: 3, activation: 'softmax' }], backend });
      const labels = Array.from({ length: rows }, (_, i) => i % 3);
      for (const [row, col] of [[0, 0], [0, 12], [255, 7], [256, 0], [599, 12], [412, 5]]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const x = new Float32Array(rows * inputSize).map((_, i) => Math.sin(i));
          x[row * inputSize + col] = bad;
          const copy = x.slice();
          for (const call of [() => net.predict(x), () => net.evaluate(x, labels)]) {
            let error: unknown;
            try {
              call();
            } catch (e) {
              error = e;
            }
            expect(error).toBeInstanceOf(WasmMlpError);
            expect((error as WasmMlpError).code).toBe('INVALID_DATA');
            expect((error as Error).message).toBe(`x: expected finite float32 values, got ${bad} at row ${row}, column ${col}`);
          }
          expect(x).toEqual(copy);
        }
      }
      // Still usable, and a Float64Array value beyond float32 range is caught as Infinity.
      expect(net.predict(new Float32Array(inputSize)).length).toBe(3);
      const wide = new Float64Array(2 * inputSize);
      wide[inputSize + 3] = 1e300;
      expect(() => net.predict(wide)).toThrow('x: expected finite float32 values, got Infinity at row 1, column 3');
      net.dispose();
    });
  }

  for (const backend of ['wasm', 'js'] as const) {
    for (const [route, stream, fitOptions] of [
      ['copied set', false, {}],
      ['streamed set', true, {}],
      ['validation split', false, { validationSplit: 0.25 }],
    ] as const) {
      it(`fit rejects them before any step (${backend}, ${route})`, async () => {
        const { WasmEngine } = await import('../src/backends/wasm.js');
        const saved = WasmEngine.streamBytes;
        WasmEngine.streamBytes = stream ? 0 : saved;
        try {
          const net = await Network.create({ inputSize, layers: [{ units: 5, activation: 'relu' }, { units: 3, activation: 'softmax' }], backend, seed: 2 });
          const labels = Array.from({ length: rows }, (_, i) => i % 3);
          const before = net.getWeights();
          for (const [row, col] of [[0, 0], [257, 4], [599, 12]]) {
            const x = new Float32Array(rows * inputSize).map((_, i) => Math.sin(i));
            x[row * inputSize + col] = NaN;
            const copy = x.slice();
            let error: unknown;
            try {
              await net.fit(x, labels, { epochs: 1, batchSize: 32, ...fitOptions });
            } catch (e) {
              error = e;
            }
            expect((error as WasmMlpError).code).toBe('INVALID_DATA');
            expect((error as Error).message).toBe(`x: expected finite float32 values, got NaN at row ${row}, column ${col}`);
            expect(x).toEqual(copy);
          }
          expect(net.getWeights()).toEqual(before);
          // Not left busy, and it trains on good data.
          const good = new Float32Array(rows * inputSize).map((_, i) => Math.cos(i));
          const h = await net.fit(good, labels, { epochs: 1, batchSize: 32, ...fitOptions });
          expect(h.loss.length).toBe(1);
          net.dispose();
        } finally {
          WasmEngine.streamBytes = saved;
        }
      });
    }
  }
});

describe('predictBatch into the caller\'s out', () => {
  it('a NaN in a later 256-row chunk throws before any output is written: out is left as it was (float and int8, wasm-mlp/infer and wasm-mlp/lite)', async () => {
    const { InferenceNetwork } = await import('../src/infer.js');
    const lite = await import('../src/lite.js');
    const { readFileSync } = await import('node:fs');
    await lite.init(readFileSync(new URL('../build/infer.wasm', import.meta.url)));
    const net = await Network.create({ inputSize: 3, layers: [{ units: 5, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 3 });
    const q = await net.quantize({ calibration: new Float32Array(30).map((_, i) => Math.sin(i)) });
    const batchers: [string, { predictBatch(x: Float32Array, out: Float32Array): Float32Array; dispose(): void }][] = [
      ['InferenceNetwork (float)', await InferenceNetwork.load(net.save())],
      ['InferenceNetwork (int8)', await InferenceNetwork.load(q.save())],
      ['QuantizedNetwork', q],
      ['lite', (() => { const l = lite.load(net.save()); return { predictBatch: (x: Float32Array, out: Float32Array) => l.predict(x, out), dispose: () => l.dispose() }; })()],
    ];
    const x = new Float32Array(600 * 3).map((_, i) => Math.cos(i));
    x[500 * 3 + 2] = NaN;
    for (const [name, b] of batchers) {
      const out = new Float32Array(600 * 2).fill(7);
      expect(() => b.predictBatch(x, out), name).toThrow(expect.objectContaining({ code: 'INVALID_DATA', message: expect.stringContaining('got NaN at row 500, column 2') }));
      expect(out.every((v) => v === 7), `${name} wrote outputs before throwing`).toBe(true);
      // Still usable: the same rows without the NaN predict.
      expect(b.predictBatch(x.subarray(0, 500 * 3), out).subarray(0, 1000).every(Number.isFinite), name).toBe(true);
      b.dispose();
    }
    net.dispose();
  });
});
