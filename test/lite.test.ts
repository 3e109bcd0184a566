// wasm-mlp/lite (src/lite.ts): the small serving entry. It must predict wasm-mlp/infer's bits
// (and so the full entry's: test/runtimes checks those agree), refuse every file
// InferenceNetwork.load refuses with the same code and reason (but for the optimizer and seed,
// which it does not read), and keep the library's habits on bad input: a WasmMlpError naming
// the argument, nothing mutated, the network usable afterwards.
import { describe, it, expect, beforeAll, inject, vi } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { Network, WasmMlpError, type NetworkOptions } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import { crc32 } from '../src/format.js';
import * as lite from '../src/lite.js';

const wasm = readFileSync(new URL('../build/infer.wasm', import.meta.url));
const ACTS = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'] as const;

const bits = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
/** Deterministic inputs in [-2, 2). */
const inputs = (n: number, seed = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 2);

async function saved(options: NetworkOptions): Promise<Uint8Array> {
  const net = await Network.create(options);
  const bytes = net.save();
  net.dispose();
  return bytes;
}

/** A model file with `header` (any JSON text) and `params` float32 parameters, sized and checksummed. */
function frame(header: string, params: Float32Array, version = 2): Uint8Array {
  const h = new TextEncoder().encode(header);
  const pad = (h.length + 3) & ~3;
  const b = new Uint8Array(16 + pad + params.length * 4 + 4);
  const dv = new DataView(b.buffer);
  b.set([0x57, 0x4d, 0x4c, 0x50]);
  dv.setUint32(4, version, true);
  dv.setUint32(8, h.length, true);
  dv.setUint32(12, params.length, true);
  b.fill(0x20, 16, 16 + pad);
  b.set(h, 16);
  b.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), 16 + pad);
  dv.setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  return b;
}

/** A file's header JSON and parameter block. */
function parts(bytes: Uint8Array): { header: Record<string, unknown>; params: Float32Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  const count = dv.getUint32(12, true);
  const base = 16 + ((hlen + 3) & ~3);
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen))),
    params: new Float32Array(bytes.slice(base, base + count * 4).buffer),
  };
}

type Outcome = { ok: true; out: string } | { ok: false; code: string; reason: string };

/** What a load and a predict of `rows` rows do; messages without their caller's name. */
async function outcome(load: () => Promise<{ inputSize: number; predict(x: Float32Array): Float32Array; dispose(): void }>, rows = 3): Promise<Outcome> {
  try {
    const net = await load();
    const out = bits(net.predict(inputs(rows * net.inputSize)));
    net.dispose();
    return { ok: true, out };
  } catch (e) {
    if (!(e instanceof WasmMlpError)) throw e;
    return { ok: false, code: e.code, reason: e.message.replace(/^(Network\.load|load): /, '') };
  }
}

const viaInfer = (bytes: Uint8Array) => outcome(async () => {
  const net = await InferenceNetwork.load(bytes);
  return { inputSize: net.inputSize, predict: (x: Float32Array) => net.predictBatch(x, new Float32Array((x.length / net.inputSize) * net.outputSize)), dispose: () => net.dispose() };
});
const viaLite = async (bytes: Uint8Array): Promise<Outcome> => {
  try {
    lite.load(bytes).dispose();
  } catch (e) {
    // lite names itself 'load' in every refusal (wasm-mlp/infer says 'Network.load').
    if (e instanceof WasmMlpError) expect(e.message).toMatch(/^load: /);
  }
  return outcome(async () => lite.load(bytes));
};

beforeAll(async () => {
  await lite.init(wasm);
});

describe('predictions', () => {
  const archArb = fc.record({
    inputSize: fc.integer({ min: 1, max: 40 }),
    hidden: fc.array(
      fc.record({ units: fc.integer({ min: 1, max: 40 }), activation: fc.constantFrom(...ACTS), alpha: fc.option(fc.constantFrom(0, 0.2, 1.5), { nil: undefined }), dropout: fc.constantFrom(0, 0.3) }),
      { maxLength: 3 },
    ),
    out: fc.record({ units: fc.integer({ min: 2, max: 12 }), activation: fc.constantFrom('softmax', 'sigmoid', 'linear') }),
    normalized: fc.boolean(),
    rows: fc.constantFrom(0, 1, 2, 3, 4, 7, 255, 256, 257, 600), // 2-4: the core's small-batch path
    seed: fc.integer({ min: 0, max: 1000 }),
  });

  it('are wasm-mlp/infer\'s, bit for bit: every activation, alpha, dropout (off in serving), normalization, 0 to 600 rows (the small-batch path, chunks of 256)', async () => {
    await fc.assert(
      fc.asyncProperty(archArb, async (a) => {
        const layers = [
          ...a.hidden.map((h) => ({ units: h.units, activation: h.activation, ...(h.alpha !== undefined && (h.activation === 'leaky-relu' || h.activation === 'elu') ? { alpha: h.alpha } : {}), ...(h.dropout ? { dropout: h.dropout } : {}) })),
          a.out,
        ];
        const bytes = await saved({
          inputSize: a.inputSize,
          layers,
          loss: a.out.activation === 'softmax' ? 'categorical-cross-entropy' : 'mse',
          seed: a.seed,
          ...(a.normalized ? { normalization: { mean: Array.from({ length: a.inputSize }, (_, i) => i / 7), std: Array.from({ length: a.inputSize }, (_, i) => (i % 3) * 0.5) } } : {}),
        });
        const x = inputs(a.rows * a.inputSize, a.seed);
        const infer = await InferenceNetwork.load(bytes);
        const want = infer.predictBatch(x, new Float32Array(a.rows * infer.outputSize));
        infer.dispose();
        const net = lite.load(bytes);
        expect(bits(net.predict(x))).toBe(bits(want));
        // Into the caller's buffer, longer than needed: the tail is left as it was.
        const out = new Float32Array(a.rows * net.outputSize + 3).fill(7);
        expect(net.predict(x, out)).toBe(out);
        expect(bits(out.subarray(0, a.rows * net.outputSize))).toBe(bits(want));
        expect([...out.subarray(a.rows * net.outputSize)]).toEqual([7, 7, 7]);
        net.dispose();
      }),
      { numRuns: 60, seed: 21 },
    );
  }, 60_000);

  it('are the textbook forward pass: a hand-set net, and a batch after a larger batch gives the same bits as alone', async () => {
    // sigmoid(20 a + 20 b - 30): an AND gate, as in the inference entry's docs.
    const and = frame(JSON.stringify({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', optimizer: { kind: 'adam' }, seed: 0 }), new Float32Array([20, 20, -30]), 1);
    const net = lite.load(and);
    const y = net.predict(new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]));
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    [-30, -10, -10, 10].forEach((z, i) => expect(y[i]).toBeCloseTo(sigmoid(z), 6));
    net.dispose();
    const bytes = await saved({ inputSize: 30, layers: [{ units: 20, activation: 'relu' }, { units: 5, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 4 });
    const a = lite.load(bytes);
    const b = lite.load(bytes);
    const x = inputs(30 * 5);
    a.predict(inputs(30 * 300)); // plans 256 rows first
    expect(bits(a.predict(x))).toBe(bits(b.predict(x)));
    a.dispose();
    b.dispose();
  });
});

describe('model files', () => {
  let files: Uint8Array[] = [];
  beforeAll(async () => {
    files = [
      await saved({ inputSize: 5, layers: [{ units: 4, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 1 }),
      await saved({
        inputSize: 3, layers: [{ units: 6, activation: 'leaky-relu', alpha: 0.1, dropout: 0.2 }, { units: 1, activation: 'sigmoid' }], loss: 'binary-cross-entropy', seed: 2,
        normalization: { mean: [1, 2, 3], std: [1, 0, 2] }, metadata: { features: ['a', 'b', 'c'], note: 'lite' },
      }),
    ];
  });

  it('a mutated file is refused as wasm-mlp/infer refuses it (same code, same reason), or loads to the same bits', async () => {
    const counts = { refused: 0, loaded: 0, seedOrOptimizer: 0, int8: 0 };
    const mutation = fc.record({
      file: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom('flip', 'truncate', 'append', 'size', 'count', 'flipCrc', 'version'),
      pos: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
      word: fc.constantFrom(0, 1, 2, 3, 7, 0x7fffffff, 0xffffffff, 1 << 20),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const src = files[m.file];
        let bytes = src.slice();
        const dv = new DataView(bytes.buffer);
        switch (m.kind) {
          case 'flip': bytes[m.pos % bytes.length] ^= 1 + (m.value % 255); break;
          case 'truncate': bytes = src.slice(0, m.pos % src.length); break;
          case 'append': bytes = new Uint8Array([...src, m.value]); break;
          case 'size': dv.setUint32(8, m.word, true); break;
          case 'count': dv.setUint32(12, m.word, true); break;
          case 'version': dv.setUint32(4, m.word, true); dv.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true); break;
          default: // flipCrc: past the checksum, the structure itself must be checked
            bytes[16 + (m.pos % (bytes.length - 20))] ^= 1 + (m.value % 255);
            dv.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
        }
        const before = bytes.slice();
        const [want, got] = [await viaInfer(bytes), await viaLite(bytes)];
        expect(bytes).toEqual(before); // not modified
        const int8Word = bytes.length >= 8 && new DataView(bytes.buffer).getUint32(4, true) === 3;
        if (!want.ok && got.ok && /^(optimizer|seed)/.test(want.reason)) counts.seedOrOptimizer++;
        else if (int8Word && !got.ok && got.code === 'UNSUPPORTED_MODEL') {
          // An intact file whose version word says int8: wasm-mlp/infer reads it as one (and
          // may find it malformed); lite reads no int8 files and says where to load it.
          expect(got.reason).toContain('InferenceNetwork.load');
          counts.int8++;
        } else expect(got).toEqual(want);
        if (!got.ok) counts.refused++;
        else counts.loaded++;
      }),
      { numRuns: 800, seed: 22 },
    );
    expect(counts.refused).toBeGreaterThan(500);
    expect(counts.loaded).toBeGreaterThan(10); // untouched files and re-checksummed parameter flips
    expect(counts.int8).toBeGreaterThan(0);
  }, 60_000);

  it('hostile headers (re-checksummed): lite refuses or reads them as wasm-mlp/infer does the same header with its optimizer and seed intact', async () => {
    const bad = fc.constantFrom<unknown>(undefined, null, -1, 0, 0.5, 1.5, 2, 1e9, NaN, '1', 'relu', 'softmax', 'mish', [], {}, true, [1, 2, 3], { kind: 'sgd' });
    const field = fc.constantFrom(
      'inputSize', 'layers', 'loss', 'optimizer', 'seed', 'normalization', 'metadata', 'extra',
      'layer.units', 'layer.activation', 'layer.alpha', 'layer.dropout', 'layer.extra', 'normalization.mean', 'normalization.std', 'optimizer.kind', 'optimizer.learningRate',
    );
    const counts = { same: 0, seedOrOptimizer: 0 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 }), field, bad, fc.nat(), fc.constantFrom(1, 2), async (f, key, value, pos, version) => {
        const { header, params } = parts(files[f]);
        const h = structuredClone(header) as Record<string, any>;
        const layers = h.layers as Record<string, unknown>[];
        const [head, sub] = key.split('.');
        if (head === 'layer') layers[pos % layers.length][sub] = value;
        else if (sub) h[head] = { ...(h[head] ?? { mean: [1, 2, 3], std: [1, 1, 1] }), [sub]: value };
        else h[head] = value;
        const bytes = frame(JSON.stringify(h), params, version);
        // lite reads a file as wasm-mlp/infer reads it with its optimizer and seed restored.
        const serving = frame(JSON.stringify({ ...h, optimizer: header.optimizer, seed: header.seed }), params, version);
        const [whole, want, got] = [await viaInfer(bytes), await viaInfer(serving), await viaLite(bytes)];
        expect(got).toEqual(want);
        if (!whole.ok && got.ok) {
          expect(whole.reason).toMatch(/^(optimizer|seed)/);
          counts.seedOrOptimizer++;
        } else counts.same++;
      }),
      { numRuns: 600, seed: 23 },
    );
    expect(counts.same).toBeGreaterThan(400);
    expect(counts.seedOrOptimizer).toBeGreaterThan(10); // the exception is exercised, not assumed
  }, 60_000);

  it('a parameter that is NaN or infinite, with an intact checksum, is refused naming it, as wasm-mlp/infer does', async () => {
    const { header, params } = parts(files[1]);
    for (const [i, value] of [[0, NaN], [params.length - 1, Infinity], [7, -Infinity]] as const) {
      const bad = params.slice();
      bad[i] = value;
      const bytes = frame(JSON.stringify(header), bad);
      const got = await viaLite(bytes);
      expect(got).toEqual({ ok: false, code: 'INVALID_MODEL', reason: `parameter ${i} is ${value}` });
      expect(got).toEqual(await viaInfer(bytes));
      expect(() => lite.load(bytes)).toThrow(new RegExp(`^load: parameter ${i} is`)); // lite's own name for itself
    }
  });

  it('a header whose architecture does not match the parameter block is refused naming both counts', async () => {
    const { header, params } = parts(files[0]);
    const h = structuredClone(header) as { layers: { units: number }[] };
    h.layers[0].units = 5; // 5-5-3 needs 48 parameters; the block holds 5-4-3's 39
    const bytes = frame(JSON.stringify(h), params);
    expect(() => lite.load(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL', message: 'load: the architecture has 48 parameters but the file holds 39' }));
    expect(await viaInfer(bytes)).toEqual({ ok: false, code: 'INVALID_MODEL', reason: 'the architecture has 48 parameters but the file holds 39' });
  });

  it('an int8 file is UNSUPPORTED_MODEL naming wasm-mlp/infer\'s loader; a corrupt one is INVALID_MODEL', async () => {
    const net = await Network.load(files[0]);
    const q = await net.quantize({ calibration: inputs(40) });
    const int8 = q.save();
    q.dispose();
    net.dispose();
    expect(() => lite.load(int8)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MODEL', message: expect.stringContaining('InferenceNetwork.load') }));
    int8[int8.length - 9] ^= 1;
    expect(() => lite.load(int8)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL', message: expect.stringContaining('checksum') }));
  });

  it('takes a Uint8Array at an offset, a pooled Node Buffer, and an ArrayBuffer or Uint8Array of another realm, and keeps none of them', () => {
    const file = files[1];
    const first = lite.load(file);
    const want = bits(first.predict(inputs(6)));
    first.dispose();
    const offset = new Uint8Array(file.length + 13);
    offset.set(file, 13);
    const foreign = runInNewContext('new ArrayBuffer(n)', { n: file.length }) as ArrayBuffer;
    new Uint8Array(foreign).set(file);
    const foreignView = runInNewContext('new Uint8Array(n)', { n: file.length }) as Uint8Array;
    foreignView.set(file);
    for (const given of [offset.subarray(13), Buffer.from(file), foreign, foreignView, file.buffer.slice(file.byteOffset, file.byteOffset + file.length)]) {
      const net = lite.load(given as Uint8Array);
      new Uint8Array(given instanceof Uint8Array ? given.buffer : given).fill(0); // the caller reuses its buffer
      expect(bits(net.predict(inputs(6)))).toBe(want);
      net.dispose();
    }
  });

  it('anything but bytes is INVALID_MODEL naming the argument', () => {
    for (const given of [undefined, null, 'WMLP', 42, {}, [1, 2], new Float32Array(8), new SharedArrayBuffer(8)]) {
      expect(() => lite.load(given as Uint8Array)).toThrow(expect.objectContaining({ name: 'WasmMlpError', code: 'INVALID_MODEL', message: expect.stringMatching(/^load: model: expected the bytes of a model file/) }));
    }
  });

  it('normalization and metadata come back as copies', () => {
    const net = lite.load(files[1]);
    expect(net.normalization).toEqual({ mean: new Float32Array([1, 2, 3]), std: new Float32Array([1, 0, 2]) });
    expect(net.metadata).toEqual({ features: ['a', 'b', 'c'], note: 'lite' });
    net.normalization!.mean[0] = 99;
    (net.metadata!.features as string[]).push('d');
    expect(net.normalization!.mean[0]).toBe(1);
    expect(net.metadata).toEqual({ features: ['a', 'b', 'c'], note: 'lite' });
    net.dispose();
    const bare = lite.load(files[0]);
    expect(bare.normalization).toBeNull();
    expect(bare.metadata).toBeNull();
    bare.dispose();
  });
});

describe('bad input to predict', () => {
  it('names the argument, mutates nothing, and the network still predicts the same bits afterwards', async () => {
    const bytes = await saved({ inputSize: 4, layers: [{ units: 3, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 5, normalization: { mean: [0, 1, 0, 1], std: [1, 2, 1, 2] } });
    const net = lite.load(bytes);
    const x = inputs(8);
    const want = bits(net.predict(x));
    const nan = x.slice();
    nan[6] = NaN;
    const cases: [unknown, unknown, string, RegExp][] = [
      [[[1, 2, 3, 4]], undefined, 'INVALID_DATA', /^predict: x: expected a Float32Array \(rows x 4 values, row-major\), got/],
      [new Float64Array(4), undefined, 'INVALID_DATA', /^predict: x: expected a Float32Array/],
      [x.subarray(0, 7), undefined, 'SHAPE_MISMATCH', /^predict: x: expected a multiple of inputSize 4 values, got 7/],
      [nan, undefined, 'INVALID_DATA', /^x: expected finite float32 values, got NaN at row 1, column 2/],
      [x, new Float32Array(3), 'SHAPE_MISMATCH', /^predict: out: expected at least 4 values \(2 rows x 2 outputs\), got 3/],
      [x, [0, 0, 0, 0], 'INVALID_DATA', /^predict: out: expected a Float32Array/],
    ];
    for (const [input, out, code, message] of cases) {
      const copy = input instanceof Float32Array ? input.slice() : input;
      expect(() => net.predict(input as Float32Array, out as Float32Array)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
      if (input instanceof Float32Array) expect(bits(input)).toBe(bits(copy as Float32Array));
      expect(bits(net.predict(x))).toBe(want);
    }
    // A NaN past the first chunk of 256 rows names its own row; so does the first value of
    // a batch and of a chunk.
    for (const [row, col] of [[290, 1], [0, 0], [256, 0], [299, 3]]) {
      const big = inputs(4 * 300);
      big[4 * row + col] = Infinity;
      expect(() => net.predict(big)).toThrow(`got Infinity at row ${row}, column ${col}`);
      const small = inputs(4 * 3);
      small[0] = NaN;
      expect(() => net.predict(small)).toThrow('got NaN at row 0, column 0');
    }
    expect(bits(net.predict(x))).toBe(want);
    net.dispose();
    expect(() => net.predict(x)).toThrow(expect.objectContaining({ code: 'DISPOSED', message: 'predict: this LiteNetwork was disposed' }));
    net.dispose(); // again: nothing
  });
});

describe('memory', () => {
  it('memoryBytes counts the parameters, packed weights and 256 rows; dispose frees all of it, and loading again reuses it', async () => {
    const bytes = await saved({ inputSize: 50, layers: [{ units: 30, activation: 'relu' }, { units: 4, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 6 });
    const net = lite.load(bytes);
    const params = (50 * 30 + 30 + 30 * 4 + 4) * 4;
    const packed = (50 * 32 + 30 * 8) * 4; // W^T in 8-column panels
    // 256 rows of X, the packing scratch (the widest B operand: 256 x pad8(50)) and Z and A
    // per layer, whatever the batch (the core's small-batch path relies on it).
    const rows = (256 * 50 + 256 * 56 + 2 * 256 * 30 + 2 * 256 * 4) * 4;
    const planned = net.memoryBytes;
    expect(planned).toBeGreaterThanOrEqual(params + packed + rows);
    expect(planned).toBeLessThan(params + packed + rows + 1024); // + the descriptor, tile and alignment
    net.predict(inputs(50 * 700));
    expect(net.memoryBytes).toBe(planned); // predict allocates nothing: larger batches go in chunks of 256 rows
    net.dispose();
    expect(net.memoryBytes).toBe(0);
    // Loading and disposing again and again takes the same regions: the wasm memory stops growing.
    const sizes = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const again = lite.load(bytes);
      again.predict(inputs(50 * 3));
      sizes.add(again.memoryBytes);
      again.dispose();
    }
    expect([...sizes]).toEqual([planned]);
  });

  it('failed loads and disposed networks give their memory back: 300 rounds of a 16 MB model never exhaust 4 GiB', async () => {
    // 2048 -> 2048 -> 2: 4.2M parameters. A round leaks 16.8 MB (a refused load) and 42 MB
    // (a network) if either were kept: 300 rounds would pass 4 GiB and fail with OUT_OF_MEMORY.
    const bytes = await saved({ inputSize: 2048, layers: [{ units: 2048, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 8 });
    const { header, params } = parts(bytes);
    const bad = params.slice();
    bad[params.length - 1] = NaN;
    const refused = frame(JSON.stringify(header), bad);
    const x = inputs(2048);
    let out = '';
    for (let i = 0; i < 300; i++) {
      expect(() => lite.load(refused)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL' }));
      const net = lite.load(bytes);
      const y = bits(net.predict(x));
      if (i === 0) out = y;
      else expect(y).toBe(out);
      net.dispose();
    }
  }, 60_000);

  it('a batch of thousands of rows stays inside the network\'s own regions: a network loaded after it predicts the same bits', async () => {
    const small = await saved({ inputSize: 4, layers: [{ units: 3, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 11 });
    const a = lite.load(small);
    const b = lite.load(small); // its regions lie after a's
    const x = inputs(4 * 5);
    const want = bits(b.predict(x));
    expect(a.predict(inputs(4 * 5000)).length).toBe(2 * 5000);
    expect(bits(b.predict(x))).toBe(want);
    a.dispose();
    b.dispose();
  });

  it('disposing twice does nothing, even after another network took the freed memory', async () => {
    const bytes = await saved({ inputSize: 6, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 9 });
    const other = await saved({ inputSize: 6, layers: [{ units: 5, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 10 });
    const x = inputs(6 * 4);
    const a = lite.load(bytes);
    const want = bits(a.predict(x));
    a.dispose();
    const b = lite.load(bytes); // in a's old regions
    a.dispose(); // must not free them
    const c = lite.load(other); // would take them if it had
    c.predict(inputs(6 * 300));
    expect(bits(b.predict(x))).toBe(want);
    b.dispose();
    c.dispose();
  });

  it('a model whose 256 rows cannot fit in 4 GiB is OUT_OF_MEMORY at load, as in wasm-mlp/infer, and leaves nothing behind', async () => {
    // 1 -> 2^20 -> 1 -> 2^20 -> 1: 4M parameters (a 16 MB file), but Z and A of 256 rows of
    // each wide layer take 2 GiB.
    const layers = [{ units: 2 ** 20, activation: 'relu' }, { units: 1, activation: 'linear' }, { units: 2 ** 20, activation: 'relu' }, { units: 1, activation: 'linear' }];
    const count = (1 + 1) * 2 ** 20 + (2 ** 20 + 1) + 2 * 2 ** 20 + (2 ** 20 + 1);
    const huge = frame(JSON.stringify({ inputSize: 1, layers, loss: 'mse', optimizer: { kind: 'sgd' }, seed: 1 }), new Float32Array(count), 1);
    const small = await saved({ inputSize: 5, layers: [{ units: 4, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'categorical-cross-entropy', seed: 1 });
    const before = lite.load(small);
    const baseline = before.memoryBytes;
    before.dispose();
    let message = '';
    expect(() => {
      try {
        lite.load(huge);
      } catch (e) {
        message = (e as Error).message;
        throw e;
      }
    }).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY', message: expect.stringMatching(/^load: this model needs \d+ bytes of wasm memory besides its parameters/) }));
    const [need, available] = [...message.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
    expect(need).toBeGreaterThan(2 * 2 ** 31); // Z and A of 2 x 256 rows of 2^20 units
    expect(available).toBeLessThan(2 ** 32 - 16 * 2 ** 20); // 4 GiB less what is in use (the 16 MB parameters at least)
    expect(await viaInfer(huge)).toMatchObject({ ok: false, code: 'OUT_OF_MEMORY' });
    const after = lite.load(small); // the parameters' region was freed: the same plan as before
    expect(after.memoryBytes).toBe(baseline);
    expect(after.predict(inputs(5)).length).toBe(3);
    after.dispose();
  }, 30_000);
});

describe('init', () => {
  it('load before init is WASM_UNAVAILABLE; a bad source rejects naming it, and a later good one works', async () => {
    vi.resetModules();
    const fresh = (await import('../src/lite.js')) as typeof lite;
    expect(() => fresh.load(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'WASM_UNAVAILABLE', message: expect.stringContaining('await init(source) first') }));
    await expect(fresh.init(undefined as never)).rejects.toMatchObject({ code: 'WASM_UNAVAILABLE', message: expect.stringContaining('init: source: expected infer.wasm as a WebAssembly.Module or its bytes, got undefined') });
    await expect(fresh.init(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'WASM_UNAVAILABLE', message: expect.stringContaining('do not compile') });
    // A module of another program: not infer.wasm.
    await expect(fresh.init(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).rejects.toMatchObject({ code: 'WASM_UNAVAILABLE', message: expect.stringContaining('is not infer.wasm') });
    // Concurrent calls share the first call's promise: both reject here; the next call retries.
    const [bad, good] = [fresh.init(new Uint8Array([1, 2])), fresh.init(wasm)];
    await expect(bad).rejects.toMatchObject({ code: 'WASM_UNAVAILABLE' });
    await expect(good).rejects.toMatchObject({ code: 'WASM_UNAVAILABLE' });
    const module = new WebAssembly.Module(wasm);
    await fresh.init(module);
    await fresh.init(new Uint8Array([1])); // the first success stays: this source is not even looked at
    const foreign = runInNewContext('new WebAssembly.Module(bytes)', { bytes: wasm }) as WebAssembly.Module;
    vi.resetModules();
    const other = (await import('../src/lite.js')) as typeof lite;
    await other.init(foreign); // a Module of another realm
    vi.resetModules();
    const third = (await import('../src/lite.js')) as typeof lite;
    await third.init(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)); // an ArrayBuffer
    expect(third.load(await saved({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'mse', seed: 1 })).inputSize).toBe(2);
    const file = await saved({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'mse', seed: 1 });
    expect(fresh.load(file).predict(new Float32Array([1, 2]))).toEqual(other.load(file).predict(new Float32Array([1, 2])));
  });
});

it('is small: the installed package\'s lite entry, minified and gzipped, is under two thirds of wasm-mlp/infer\'s JavaScript and under 8 KB', async () => {
  // The files users get (the packed package, as installed), bundled and minified as their
  // bundler would; not src/, which mutation testing instruments.
  const dist = join(inject('packedApp'), 'node_modules', 'wasm-mlp', 'dist');
  const size = async (entry: string) => {
    const out = await esbuild.build({ entryPoints: [join(dist, entry)], bundle: true, minify: true, format: 'esm', platform: 'neutral', write: false, external: ['node:*'], logLevel: 'silent' });
    return gzipSync(out.outputFiles[0].contents).length;
  };
  const [small, infer] = [await size('lite.js'), await size('infer.js')];
  expect(small, `lite ${small} B, infer ${infer} B gzipped`).toBeLessThan(8 * 1024);
  expect(small / infer).toBeLessThan(2 / 3);
});
