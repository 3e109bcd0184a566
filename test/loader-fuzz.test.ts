// Model files are untrusted input. Thousands of mutated, truncated, re-checksummed and random
// files and JSON values go to Network.load / Network.fromJSON: each must come back as a valid
// network or a WasmMlpError with code INVALID_MODEL, quickly, without a huge allocation.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Network, QuantizedNetwork, WasmMlpError, type NetworkOptions } from '../src/index.js';
import { InferenceNetwork } from '../src/infer.js';
import { crc32 } from '../src/format.js';
import { fastestMs } from './fastest.js';

const ACTS = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softplus'] as const;

const archArb = fc.record({
  inputSize: fc.integer({ min: 1, max: 6 }),
  hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 6 }), activation: fc.constantFrom(...ACTS) }), { maxLength: 2 }),
  out: fc.integer({ min: 1, max: 4 }),
  optimizer: fc.constantFrom<NetworkOptions['optimizer']>({ kind: 'sgd', learningRate: 0.1, momentum: 0.5 }, { kind: 'adam' }, { kind: 'rmsprop', rho: 0.9 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/** Saved networks of a few architectures to mutate (built once). */
async function corpus(): Promise<{ bytes: Uint8Array; json: Record<string, unknown> }[]> {
  const out = [];
  for (const [i, a] of fc.sample(archArb, { numRuns: 6, seed: 5 }).entries()) {
    // every other model is a version 2 file: normalization and metadata in its header
    const extras = i % 2 ? {
      normalization: { mean: Array.from({ length: a.inputSize }, (_, c) => c - 0.5), std: Array.from({ length: a.inputSize }, (_, c) => c * 0.25) },
      metadata: { features: Array.from({ length: a.inputSize }, (_, c) => `f${c}`), note: 'fuzz' },
    } : {};
    const net = await Network.create({
      inputSize: a.inputSize,
      layers: [...a.hidden, { units: a.out, activation: 'sigmoid' }],
      loss: 'mse',
      optimizer: a.optimizer,
      seed: a.seed,
      ...extras,
    });
    out.push({ bytes: net.save(), json: JSON.parse(JSON.stringify(net.toJSON())) as Record<string, unknown> });
    net.dispose();
  }
  return out;
}

/** What check needs of a loaded model: a Network, a QuantizedNetwork or an InferenceNetwork. */
interface Loaded {
  inputSize: number;
  outputSize: number;
  predict(x: Float32Array): Float32Array;
  dispose(): void;
}

/** Runs one load and checks the outcome; returns which way it went. */
async function check(load: () => Promise<Loaded>, what: string): Promise<'ok' | 'rejected'> {
  const t0 = performance.now();
  let net: Loaded | null = null;
  try {
    net = await load();
  } catch (e) {
    if (!(e instanceof WasmMlpError)) throw new Error(`${what}: threw ${String(e)} instead of a WasmMlpError`);
    if (e.code !== 'INVALID_MODEL') throw new Error(`${what}: code ${e.code} (${e.message}), expected INVALID_MODEL`);
    if (e.message.length < 10) throw new Error(`${what}: unhelpful message "${e.message}"`);
    return 'rejected';
  } finally {
    const ms = await fastestMs(load, performance.now() - t0, 200);
    if (ms > 200) throw new Error(`${what}: took ${ms.toFixed(0)} ms`);
  }
  // A network came back: it must be whole and usable.
  const out = net.predict(new Float32Array(net.inputSize));
  expect(out.length).toBe(net.outputSize);
  net.dispose();
  return 'ok';
}

function withCrc(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy, 0, copy.length - 4), true);
  return copy;
}

for (const backend of ['wasm', 'js'] as const) {
  describe(`model loader fuzz (${backend})`, () => {
    it('binary files: flips, truncation, appended bytes, rewritten size fields, re-checksummed headers', async () => {
      const files = await corpus();
      const external0 = process.memoryUsage().arrayBuffers;
      // Every mutation that changes the file must be refused, except 'flipCrc', which rewrites
      // the checksum after its flip: such a file may legitimately load (another parameter
      // value, say), and those are counted apart.
      const counts = { rejected: 0, reloadedAfterRechecksum: 0, unchanged: 0 };
      const mutation = fc.record({
        file: fc.integer({ min: 0, max: files.length - 1 }),
        kind: fc.constantFrom('flip', 'truncate', 'append', 'size', 'count', 'flipCrc', 'header'),
        pos: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
        word: fc.constantFrom(0, 1, 7, 0x7fffffff, 0xffffffff, 1 << 20, 1 << 30),
        header: fc.constantFrom(
          '{"inputSize":1e9,"layers":[{"units":1e9,"activation":"relu"}],"loss":"mse","optimizer":{"kind":"sgd"},"seed":1}',
          '{"inputSize":2,"layers":[{"units":-3,"activation":"relu"}],"loss":"mse","optimizer":{"kind":"sgd"},"seed":1}',
          '{"inputSize":2.5,"layers":[{"units":3}],"loss":"mse","seed":1}',
          '{"inputSize":"2","layers":[{"units":3}],"loss":"mse","seed":1}',
          '{"inputSize":2,"layers":[{"units":3,"activation":"mish"}],"loss":"mse","optimizer":{"kind":"sgd"},"seed":1}',
          '{"inputSize":2,"layers":[[[[[[[[[[]]]]]]]]]],"loss":"mse","seed":1}',
          '{"inputSize":2,"layers":[{"units":1048576,"activation":"relu"},{"units":1048576}],"loss":"mse","optimizer":{"kind":"sgd"},"seed":1}',
          'null',
          '[]',
          '{"inputSize":2,"layers":[{"units":3,"activation":"softmax"}],"loss":"hinge","optimizer":{"kind":"sgd"},"seed":1}',
        ),
      });
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const src = files[m.file].bytes;
          let bytes: Uint8Array;
          switch (m.kind) {
            case 'flip': bytes = src.slice(); bytes[m.pos % bytes.length] ^= 1 + (m.value % 255); break;
            case 'truncate': bytes = src.slice(0, m.pos % src.length); break;
            case 'append': bytes = new Uint8Array([...src, m.value]); break;
            case 'size': bytes = src.slice(); new DataView(bytes.buffer).setUint32(8, m.word, true); break;
            case 'count': bytes = src.slice(); new DataView(bytes.buffer).setUint32(12, m.word, true); break;
            case 'flipCrc': {
              // Past the checksum: the structure itself must be validated.
              const b = src.slice();
              b[16 + (m.pos % (b.length - 20))] ^= 1 + (m.value % 255);
              bytes = withCrc(b);
              break;
            }
            default: {
              // A whole hostile header, with consistent sizes and checksum.
              const h = new TextEncoder().encode(m.header);
              const pad = (h.length + 3) & ~3;
              const b = new Uint8Array(16 + pad + 8 + 4);
              b.set(src.subarray(0, 8));
              const dv = new DataView(b.buffer);
              dv.setUint32(8, h.length, true);
              dv.setUint32(12, 2, true);
              b.fill(0x20, 16, 16 + pad);
              b.set(h, 16);
              bytes = withCrc(b);
            }
          }
          const what = `${m.kind} of file ${m.file} at ${m.pos}`;
          const outcome = await check(() => Network.load(bytes, { backend }), what);
          const changed = bytes.length !== src.length || bytes.some((b, i) => b !== src[i]);
          if (!changed) counts.unchanged++;
          else if (m.kind === 'flipCrc' && outcome === 'ok') counts.reloadedAfterRechecksum++;
          else {
            if (outcome !== 'rejected') throw new Error(`${what}: a changed file loaded without a matching checksum`);
            counts.rejected++;
          }
        }),
        { numRuns: 1500, seed: 11 },
      );
      expect(counts.rejected).toBeGreaterThan(1000);
      expect(counts.rejected + counts.reloadedAfterRechecksum + counts.unchanged).toBe(1500);
      expect(process.memoryUsage().arrayBuffers - external0).toBeLessThan(200 * 1024 * 1024);
      // The unmutated files still load.
      for (const f of files) expect(await check(() => Network.load(f.bytes, { backend }), 'original')).toBe('ok');
    }, 60_000);

    it('random bytes and random JSON values', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
          expect(await check(() => Network.load(bytes, { backend }), `random ${bytes.length} bytes`)).toBe('rejected');
        }),
        { numRuns: 500, seed: 12 },
      );
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (value) => {
          expect(await check(() => Network.fromJSON(value, { backend }), `JSON ${JSON.stringify(value).slice(0, 80)}`)).toBe('rejected');
        }),
        { numRuns: 500, seed: 13 },
      );
    }, 60_000);

    it('mutated toJSON objects: deleted fields, swapped types, bad numbers, wrong lengths', async () => {
      const files = await corpus();
      const bad = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, '1', null, undefined, [], {}, true, 1e40, -1, 0.5, 1e9, 'relu');
      const mutation = fc.record({
        file: fc.integer({ min: 0, max: files.length - 1 }),
        kind: fc.constantFrom('delete', 'replace', 'weight', 'shorten', 'units'),
        key: fc.constantFrom('format', 'version', 'inputSize', 'layers', 'loss', 'optimizer', 'seed', 'weights', 'biases'),
        value: bad,
        pos: fc.nat(),
      });
      let ok = 0;
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const j = structuredClone(files[m.file].json) as Record<string, unknown>;
          const weights = j.weights as number[][];
          const layers = j.layers as { units: unknown }[];
          if (m.kind === 'delete') delete j[m.key];
          else if (m.kind === 'replace') j[m.key] = m.value;
          else if (m.kind === 'weight') {
            const w = weights[m.pos % weights.length];
            (w as unknown[])[m.pos % w.length] = m.value;
          } else if (m.kind === 'shorten') weights[m.pos % weights.length].pop();
          else layers[m.pos % layers.length].units = m.value;
          if ((await check(() => Network.fromJSON(j, { backend }), `${m.kind} ${m.key} = ${String(m.value)}`)) === 'ok') ok++;
        }),
        { numRuns: 800, seed: 14 },
      );
      // Replacing the seed with another valid integer, or a weight with -1 or 0.5, is still a
      // valid model: some loads must succeed, or the property would only ever test rejection.
      expect(ok).toBeGreaterThan(10);
    }, 60_000);
  });
}

/** Version-3 (int8) files: the float corpus quantized, every other one with normalization and metadata. */
async function quantizedCorpus(): Promise<Uint8Array[]> {
  const out = [];
  for (const { bytes } of await corpus()) {
    const net = await Network.load(bytes);
    const calibration = Float32Array.from({ length: 8 * net.inputSize }, (_, i) => Math.sin(i));
    const q = await net.quantize({ calibration });
    out.push(q.save());
    q.dispose();
    net.dispose();
  }
  return out;
}

describe('int8 model loader fuzz (format version 3)', () => {
  const loaders = [(b: Uint8Array) => QuantizedNetwork.load(b), (b: Uint8Array) => InferenceNetwork.load(b)];

  it('every single-bit flip of a file is refused (the CRC-32), as INVALID_MODEL', async () => {
    const [file] = await quantizedCorpus();
    let rejected = 0;
    for (let bit = 0; bit < file.length * 8; bit++) {
      const b = file.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      // Byte 4 is the version: a flip there is an unknown version or a float file, refused too
      // (as INVALID_MODEL, or UNSUPPORTED_MODEL when it turns into version 1 or 2).
      try {
        await QuantizedNetwork.load(b);
      } catch (e) {
        if (!(e instanceof WasmMlpError)) throw e;
        if (e.code !== 'INVALID_MODEL' && !(e.code === 'UNSUPPORTED_MODEL' && bit >> 3 === 4)) throw new Error(`bit ${bit}: ${e.code} ${e.message}`);
        rejected++;
      }
    }
    expect(rejected).toBe(file.length * 8);
  }, 60_000);

  it('re-checksummed mutations (flips past the frame, size words, scales, weights, hostile headers) load to something valid or are refused, quickly', async () => {
    const files = await quantizedCorpus();
    const counts = { rejected: 0, loaded: 0 };
    const mutation = fc.record({
      file: fc.integer({ min: 0, max: files.length - 1 }),
      loader: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom('flip', 'truncate', 'append', 'size', 'count', 'flipCrc', 'float', 'weight', 'header'),
      pos: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
      word: fc.constantFrom(0, 1, 7, 0x7fffffff, 0xffffffff, 1 << 20, 1 << 30),
      float: fc.constantFrom(0, -1, NaN, Infinity, -Infinity, 1e-45, 3e38, 1e-3),
      header: fc.constantFrom(
        '{"inputSize":1e9,"layers":[{"units":1e9,"activation":"relu"}],"loss":"mse","quantization":"int8"}',
        '{"inputSize":2,"layers":[{"units":3}],"loss":"mse"}',
        '{"inputSize":2,"layers":[{"units":3}],"loss":"mse","quantization":"int4"}',
        '{"inputSize":200000,"layers":[{"units":1}],"loss":"mse","quantization":"int8"}',
        '{"inputSize":2,"layers":[{"units":1048576,"activation":"relu"},{"units":1048576}],"loss":"mse","quantization":"int8"}',
        '{"inputSize":2,"layers":[{"units":1}],"loss":"mse","quantization":"int8","normalization":{"mean":[1],"std":[1]}}',
        '{"inputSize":2,"layers":[{"units":1}],"loss":"mse","quantization":"int8"}',
        'null',
      ),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const src = files[m.file];
        const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
        const hlen = view(src).getUint32(8, true);
        const payload = 16 + ((hlen + 3) & ~3);
        let bytes: Uint8Array;
        switch (m.kind) {
          case 'flip': bytes = src.slice(); bytes[m.pos % bytes.length] ^= 1 + (m.value % 255); break;
          case 'truncate': bytes = src.slice(0, m.pos % src.length); break;
          case 'append': bytes = new Uint8Array([...src, m.value]); break;
          case 'size': bytes = src.slice(); view(bytes).setUint32(8, m.word, true); bytes = withCrc(bytes); break;
          case 'count': bytes = src.slice(); view(bytes).setUint32(12, m.word, true); bytes = withCrc(bytes); break;
          case 'flipCrc': bytes = src.slice(); bytes[16 + (m.pos % (bytes.length - 20))] ^= 1 + (m.value % 255); bytes = withCrc(bytes); break;
          case 'float': {
            // A scale or bias word of the payload set to a hostile value (-1: never aligned to a weight byte).
            bytes = src.slice();
            const at = payload + 4 * (m.pos % ((bytes.length - 4 - payload) >> 2));
            view(bytes).setFloat32(at, m.float, true);
            bytes = withCrc(bytes);
            break;
          }
          case 'weight': bytes = src.slice(); bytes[payload + (m.pos % (bytes.length - 4 - payload))] = m.value; bytes = withCrc(bytes); break;
          default: {
            const h = new TextEncoder().encode(m.header);
            const pad = (h.length + 3) & ~3;
            const b = new Uint8Array(16 + pad + 16 + 4);
            b.set(src.subarray(0, 8));
            view(b).setUint32(8, h.length, true);
            view(b).setUint32(12, 16, true);
            b.fill(0x20, 16, 16 + pad);
            b.set(h, 16);
            bytes = withCrc(b);
          }
        }
        const what = `${m.kind} of int8 file ${m.file} at ${m.pos}`;
        const outcome = await check(() => loaders[m.loader](bytes), what);
        const rechecksummed = !['flip', 'truncate', 'append'].includes(m.kind);
        if (outcome === 'ok') {
          const changed = bytes.length !== src.length || bytes.some((b, i) => b !== src[i]);
          if (changed && !rechecksummed) throw new Error(`${what}: a changed file loaded without a matching checksum`);
          counts.loaded++;
        } else counts.rejected++;
      }),
      { numRuns: 1200, seed: 21 },
    );
    expect(counts.rejected).toBeGreaterThan(600);
    expect(counts.loaded).toBeGreaterThan(20);
    for (const f of files) {
      for (const load of loaders) expect(await check(() => load(f), 'original int8 file')).toBe('ok');
    }
  }, 60_000);
});
