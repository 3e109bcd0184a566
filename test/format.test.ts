// The model formats, byte by byte and refusal by refusal: the checksum against published CRC-32
// check values (a table built wrong still round-trips, because save and load would share it),
// the binary layout against its documented offsets, and every refusal of the two decoders with
// the message that names what was wrong. A decoder that skipped a check would refuse later for
// another reason, or not at all; each case pins the reason, so that difference fails.
import { beforeEach, describe, it, expect } from 'vitest';
import { Network, WasmMlpError, type NetworkOptions } from '../src/index.js';
import { crc32, decodeBinary, decodeJson, decodeQuantized, encodeQuantized, floatParameterBlock, isQuantizedFile } from '../src/format.js';

const OPTIONS: NetworkOptions = {
  inputSize: 3,
  layers: [{ units: 2, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
  loss: 'binary-cross-entropy',
  seed: 11,
};
// 3*2 + 2*1 weights, then 2 + 1 biases.
const COUNT = 11;
const ascii = (s: string) => new TextEncoder().encode(s);

function refusal(fn: () => unknown): WasmMlpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WasmMlpError && e.code === 'INVALID_MODEL') return e;
    throw new Error(`expected INVALID_MODEL, got ${String(e)}`);
  }
  throw new Error('expected INVALID_MODEL, but it loaded');
}

/** A binary model file assembled from parts by the documented layout, checksummed with crc32
 *  (itself checked against the published check values below). */
function assemble(header: Uint8Array, params: ArrayLike<number>, fields: { version?: number; hlen?: number; count?: number } = {}): Uint8Array {
  const hpad = (header.length + 3) & ~3;
  const total = 16 + hpad + params.length * 4 + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(ascii('WMLP'), 0);
  view.setUint32(4, fields.version ?? 1, true);
  view.setUint32(8, fields.hlen ?? header.length, true);
  view.setUint32(12, fields.count ?? params.length, true);
  bytes.fill(0x20, 16, 16 + hpad);
  bytes.set(header, 16);
  for (let i = 0; i < params.length; i++) view.setFloat32(16 + hpad + 4 * i, params[i], true);
  view.setUint32(total - 4, crc32(bytes, 0, total - 4), true);
  return bytes;
}

const HEADER = {
  inputSize: 3,
  layers: [{ units: 2, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
  loss: 'binary-cross-entropy',
  optimizer: { kind: 'sgd', learningRate: 0.01 },
  seed: 11,
};
const PARAMS = Array.from({ length: COUNT }, (_, i) => (i - 5) / 8);
const headerBytes = (h: unknown) => ascii(JSON.stringify(h));

describe('CRC-32 of the binary format', () => {
  it('matches the published check values of CRC-32/ISO-HDLC', () => {
    expect(crc32(ascii('123456789'), 0, 9)).toBe(0xcbf43926);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'), 0, 43)).toBe(0x414fa339);
    expect(crc32(new Uint8Array(0), 0, 0)).toBe(0);
    expect(crc32(ascii('a'), 0, 1)).toBe(0xe8b7be43);
    // Every byte value goes through the table (an error in any of its 256 entries shows).
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(crc32(all, 0, 256)).toBe(0x29058c73);
    // A range of a larger buffer: only [start, end) counts.
    expect(crc32(ascii('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });
});

describe('binary model layout', () => {
  it('writes magic, version, sizes, a space-padded header, the float32 parameters and the CRC where documented', async () => {
    const net = await Network.create(OPTIONS);
    const bytes = net.save();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(Array.from(bytes.subarray(0, 4))).toEqual(Array.from(ascii('WMLP')));
    expect(view.getUint32(4, true)).toBe(1); // a bare network: version 1, as earlier releases wrote it
    const hlen = view.getUint32(8, true);
    expect(view.getUint32(12, true)).toBe(COUNT);
    const hpad = (hlen + 3) & ~3;
    expect(bytes.length).toBe(16 + hpad + 4 * COUNT + 4);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
    expect(header).toMatchObject({ inputSize: 3, loss: 'binary-cross-entropy', seed: 11 });
    // Padding is spaces (so the padded header is still JSON), never zeros.
    for (let i = 16 + hlen; i < 16 + hpad; i++) expect(bytes[i]).toBe(0x20);
    const json = net.toJSON();
    // Block layout: every weight matrix first (the decayed prefix), then every bias vector.
    const params = [...json.weights[0], ...json.weights[1], ...json.biases[0], ...json.biases[1]];
    for (let i = 0; i < COUNT; i++) expect(view.getFloat32(16 + hpad + 4 * i, true)).toBe(Math.fround(params[i]));
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes, 0, bytes.length - 4));
    net.dispose();
  });

  it('pads headers of every length to four bytes', async () => {
    // Header lengths vary with the seed's digits; all four residues must load.
    const residues = new Set<number>();
    for (const seed of [1, 12, 123, 1234, 12345, 123456]) {
      const net = await Network.create({ ...OPTIONS, seed });
      const bytes = net.save();
      const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
      residues.add(hlen % 4);
      const back = await Network.load(bytes);
      expect(back.toJSON()).toEqual(net.toJSON());
      net.dispose();
      back.dispose();
    }
    expect(residues.size).toBe(4);
  });

  it('the assembled reference file loads with exactly its parameters', () => {
    const d = decodeBinary(assemble(headerBytes(HEADER), PARAMS));
    expect(Array.from(d.params)).toEqual(PARAMS);
    expect(d.seed).toBe(11);
  });

  it('reads a Node Buffer from a shared pool (what fs.readFileSync gives) as its own bytes, not the pool', () => {
    const file = assemble(headerBytes(HEADER), PARAMS);
    const pooled = Buffer.from(file); // small Buffers are views into one 8 KB pool at an offset
    expect(pooled.buffer.byteLength).toBeGreaterThan(file.length);
    expect(Array.from(decodeBinary(pooled).params)).toEqual(PARAMS);
    const slab = Buffer.alloc(file.length + 13);
    slab.set(file, 13);
    expect(Array.from(decodeBinary(slab.subarray(13)).params)).toEqual(PARAMS);
  });
});

describe('binary decoder refusals name the reason', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['not bytes', () => decodeBinary([1, 2, 3]), /^Network\.load: expected a Uint8Array or ArrayBuffer \(from net\.save\(\)\), got an array/],
    ['19 bytes', () => decodeBinary(new Uint8Array(19)), /^Network\.load: file too short \(19 bytes\)/],
    // 20 bytes is the smallest file that is not "too short": it fails on the magic instead.
    ['20 zero bytes', () => decodeBinary(new Uint8Array(20)), /bad magic number/],
    ['bad magic', () => { const b = assemble(headerBytes(HEADER), PARAMS); b[3] = 0x51; return decodeBinary(b); }, /bad magic number/],
    ['version 4', () => decodeBinary(assemble(headerBytes(HEADER), PARAMS, { version: 4 })), /unsupported version 4; this library reads versions 1 and 2/],
    ['version 0', () => decodeBinary(assemble(headerBytes(HEADER), PARAMS, { version: 0 })), /unsupported version 0; this library reads versions 1 and 2/],
    ['version 1 with normalization', () => decodeBinary(assemble(headerBytes({ ...HEADER, normalization: { mean: [0, 0], std: [1, 1] } }), PARAMS, { version: 1 })),
      /^Network\.load: a version 1 model cannot carry normalization or metadata \(version 2 adds them\)$/],
    ['header over 1 MiB', () => decodeBinary(assemble(headerBytes(HEADER), PARAMS, { hlen: (1 << 20) + 1 })), /header length 1048577 exceeds 1048576 bytes/],
    ['header of exactly 1 MiB declared', () => decodeBinary(assemble(headerBytes(HEADER), PARAMS, { hlen: 1 << 20 })), /but its header declares/],
    ['count too large', () => decodeBinary(assemble(headerBytes(HEADER), PARAMS, { count: 1e9 })), /but its header declares \d+ \(header \d+ bytes, 1000000000 parameters\); truncated or corrupt$/],
    ['normalization of the wrong length', () => decodeBinary(assemble(headerBytes({ ...HEADER, normalization: { mean: [0], std: [1] } }), PARAMS, { version: 2 })), /^Network\.load: normalization\.mean: /],
    ['metadata not an object', () => decodeBinary(assemble(headerBytes({ ...HEADER, metadata: [1] }), PARAMS, { version: 2 })), /^Network\.load: metadata: /],
    ['checksum', () => { const b = assemble(headerBytes(HEADER), PARAMS); b[b.length - 1] ^= 1; return decodeBinary(b); }, /checksum mismatch/],
    // Invalid UTF-8 inside a JSON string: a lenient decoder would read U+FFFD and load it.
    ['invalid UTF-8', () => {
      const h = headerBytes({ ...HEADER, note: 'ab' });
      const at = h.indexOf(0x61); // the 'a' of "ab"
      const bad = h.slice();
      bad[at] = 0xff;
      return decodeBinary(assemble(bad, PARAMS));
    }, /header is not valid UTF-8 JSON/],
    ['header not JSON', () => decodeBinary(assemble(ascii('{"inputSize":'), PARAMS)), /header is not valid UTF-8 JSON/],
    ['header an array', () => decodeBinary(assemble(headerBytes([HEADER]), PARAMS)), /^Network\.load: header is not an object$/],
    ['header null', () => decodeBinary(assemble(headerBytes(null), PARAMS)), /^Network\.load: header is not an object$/],
    ['header a number', () => decodeBinary(assemble(headerBytes(5), PARAMS)), /^Network\.load: header is not an object$/],
    ['bad activation', () => decodeBinary(assemble(headerBytes({ ...HEADER, layers: [{ units: 2, activation: 'swish' }, HEADER.layers[1]] }), PARAMS)), /^Network\.load: .*activation/],
    ['seed 2^32', () => decodeBinary(assemble(headerBytes({ ...HEADER, seed: 2 ** 32 }), PARAMS)), /^Network\.load: .*seed/],
    ['count disagrees', () => decodeBinary(assemble(headerBytes({ ...HEADER, inputSize: 4 }), PARAMS)), /the architecture has 13 parameters but the file holds 11/],
    ['NaN parameter', () => { const p = PARAMS.slice(); p[7] = NaN; return decodeBinary(assemble(headerBytes(HEADER), p)); }, /^Network\.load: parameter 7 is NaN$/],
    ['infinite parameter', () => { const p = PARAMS.slice(); p[10] = -Infinity; return decodeBinary(assemble(headerBytes(HEADER), p)); }, /^Network\.load: parameter 10 is -Infinity$/],
    ['NaN first parameter', () => { const p = PARAMS.slice(); p[0] = NaN; return decodeBinary(assemble(headerBytes(HEADER), p)); }, /^Network\.load: parameter 0 is NaN$/],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => expect(refusal(fn).message).toMatch(message));
  }

  it('the largest seed loads; ArrayBuffer input works', () => {
    const bytes = assemble(headerBytes({ ...HEADER, seed: 2 ** 32 - 1 }), PARAMS);
    expect(decodeBinary(bytes.slice().buffer).seed).toBe(2 ** 32 - 1);
  });
});

it('a version-3 (int8) file in the float loader is UNSUPPORTED_MODEL, pointing at the int8 loaders', () => {
  let err: unknown;
  try {
    decodeBinary(assemble(headerBytes(HEADER), PARAMS, { version: 3 }));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WasmMlpError);
  expect((err as WasmMlpError).code).toBe('UNSUPPORTED_MODEL');
  expect((err as Error).message).toMatch(/^Network\.load: this is an int8 model \(format version 3, from net\.quantize\(\)\).*QuantizedNetwork\.load or InferenceNetwork\.load$/);
});

describe('JSON decoder refusals name the reason', () => {
  const good = () => ({ format: 'wasm-mlp', version: 1, ...HEADER, weights: [PARAMS.slice(0, 6), PARAMS.slice(6, 8)], biases: [PARAMS.slice(8, 10), [PARAMS[10]]] });
  const cases: [string, () => unknown, RegExp][] = [
    ['not JSON text', () => decodeJson('{"format":'), /^Network\.fromJSON: not valid JSON/],
    ['an array', () => decodeJson([good()]), /^Network\.fromJSON: expected a model object \(from net\.toJSON\(\)\), got an array of length 1$/],
    ['JSON text of an array', () => decodeJson('[1]'), /^Network\.fromJSON: expected a model object/],
    ['null', () => decodeJson(null), /^Network\.fromJSON: expected a model object/],
    ['a number', () => decodeJson(5), /^Network\.fromJSON: expected a model object/],
    ['another format', () => decodeJson({ ...good(), format: 'keras' }), /^Network\.fromJSON: expected format 'wasm-mlp', got the string "keras"$/],
    ['version 3', () => decodeJson({ ...good(), version: 3 }), /^Network\.fromJSON: unsupported version 3; this library reads versions 1 and 2$/],
    ['version 1 with metadata', () => decodeJson({ ...good(), metadata: { a: 1 } }), /^Network\.fromJSON: a version 1 model cannot carry normalization or metadata/],
    ['seed 2^32', () => decodeJson({ ...good(), seed: 2 ** 32 }), /^Network\.fromJSON: seed/],
    ['seed -1', () => decodeJson({ ...good(), seed: -1 }), /^Network\.fromJSON: seed/],
    ['bad loss', () => decodeJson({ ...good(), loss: 'hinge' }), /^Network\.fromJSON: .*loss/],
    ['weights not an array', () => decodeJson({ ...good(), weights: 'w' }), /^Network\.fromJSON: expected 2 weight and 2 bias arrays$/],
    ['biases not an array', () => decodeJson({ ...good(), biases: {} }), /^Network\.fromJSON: expected 2 weight and 2 bias arrays$/],
    ['three weight arrays', () => decodeJson({ ...good(), weights: [...good().weights, [1]] }), /^Network\.fromJSON: expected 2 weight and 2 bias arrays$/],
    ['three bias arrays', () => decodeJson({ ...good(), biases: [...good().biases, [1]] }), /^Network\.fromJSON: expected 2 weight and 2 bias arrays$/],
    ['short weights[1]', () => decodeJson({ ...good(), weights: [good().weights[0], [1]] }), /^Network\.fromJSON: weights\[1\] must be an array of 2 numbers, got an array of length 1$/],
    ['weights[0] a string', () => decodeJson({ ...good(), weights: ['abcdef', good().weights[1]] }), /^Network\.fromJSON: weights\[0\] must be an array of 6 numbers, got the string "abcdef"$/],
    ['long biases[0]', () => decodeJson({ ...good(), biases: [[1, 2, 3], [1]] }), /^Network\.fromJSON: biases\[0\] must be an array of 2 numbers, got an array of length 3$/],
    ['biases[1] a string', () => decodeJson({ ...good(), biases: [good().biases[0], 'x'] }), /^Network\.fromJSON: biases\[1\] must be an array of 1 numbers, got the string "x"$/],
    ['a string weight', () => { const g = good(); g.weights[0][4] = '1' as unknown as number; return decodeJson(g); }, /^Network\.fromJSON: weights\[0\]\[4\] must be a finite float32 number, got the string "1"$/],
    ['an overflowing bias', () => { const g = good(); g.biases[1][0] = 1e39; return decodeJson(g); }, /^Network\.fromJSON: biases\[1\]\[0\] must be a finite float32 number, got 1e\+39$/],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => expect(refusal(fn).message).toMatch(message));
  }

  it('the reference object and its JSON text decode to the same parameters as the binary file', () => {
    const fromObject = decodeJson(good());
    const fromText = decodeJson(JSON.stringify(good()));
    const fromBinary = decodeBinary(assemble(headerBytes(HEADER), PARAMS));
    expect(Array.from(fromObject.params)).toEqual(PARAMS);
    expect(Array.from(fromText.params)).toEqual(PARAMS);
    expect(fromObject).toEqual(fromBinary);
    expect(decodeJson({ ...good(), seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
  });
});

describe('floatParameterBlock: where the inference loader stages a parameter block, only for a frame that holds together', () => {
  const file = assemble(headerBytes(HEADER), PARAMS);
  const hlen = headerBytes(HEADER).length;
  const offset = 16 + ((hlen + 3) & ~3);

  it('gives the block the frame sizes: after the padded header, count floats, before the CRC', () => {
    expect(floatParameterBlock(file)).toEqual({ offset, length: 4 * COUNT });
    expect(Array.from(new Float32Array(file.slice(offset, offset + 4 * COUNT).buffer))).toEqual(PARAMS);
    // Odd header lengths pad to 4; the block still starts where the decoder reads it.
    for (const extra of ['', ' ', '  ', '   ']) {
      const h = ascii(JSON.stringify(HEADER) + extra);
      const f = assemble(h, PARAMS);
      expect(floatParameterBlock(f), `header of ${h.length} bytes`).toEqual({ offset: 16 + ((h.length + 3) & ~3), length: 4 * COUNT });
      expect(Array.from(decodeBinary(f).params)).toEqual(PARAMS);
    }
  });

  it('is null for a file too short, a wrong magic byte, a header over 1 MiB, or any size the count does not explain', () => {
    expect(floatParameterBlock(file.subarray(0, 19))).toBeNull();
    expect(floatParameterBlock(assemble(new Uint8Array(0), []))).toEqual({ offset: 16, length: 0 }); // 20 bytes, a frame
    for (let i = 0; i < 4; i++) {
      const bad = file.slice();
      bad[i] ^= 0x20;
      expect(floatParameterBlock(bad), `magic byte ${i}`).toBeNull();
    }
    expect(floatParameterBlock(assemble(headerBytes(HEADER), PARAMS, { hlen: (1 << 20) + 1 }))).toBeNull();
    expect(floatParameterBlock(assemble(headerBytes(HEADER), PARAMS, { count: COUNT + 1 }))).toBeNull();
    expect(floatParameterBlock(assemble(headerBytes(HEADER), PARAMS, { count: COUNT - 1 }))).toBeNull();
    const longer = new Uint8Array(file.length + 4);
    longer.set(file);
    expect(floatParameterBlock(longer)).toBeNull();
    expect(floatParameterBlock(file.subarray(0, file.length - 4))).toBeNull();
  });

  it('is null for 12-19 bytes that start with the magic (no frame fits), and for a header over 1 MiB even when the size agrees', () => {
    for (const n of [4, 12, 15, 19]) expect(floatParameterBlock(file.slice(0, n)), `${n} bytes`).toBeNull(); // own buffers: no bytes past the end
    const h = new Uint8Array((1 << 20) + 1).fill(0x20);
    h.set(headerBytes(HEADER));
    const f = assemble(h, PARAMS);
    expect(f.length).toBe(16 + (1 << 20) + 4 + 4 * COUNT + 4);
    expect(floatParameterBlock(f)).toBeNull();
  });

  it('takes a header of exactly 1 MiB', () => {
    const h = new Uint8Array(1 << 20).fill(0x20);
    h.set(headerBytes(HEADER));
    expect(floatParameterBlock(assemble(h, PARAMS))).toEqual({ offset: 16 + (1 << 20), length: 4 * COUNT });
  });
});

describe('version 3 (int8) files: recognised by their version word, every field checked with a message naming it', () => {
  const spec = { inputSize: 3, layers: [{ units: 2, activation: 'relu' as const, dropout: 0, alpha: 0 }, { units: 1, activation: 'sigmoid' as const, dropout: 0, alpha: 0 }], loss: 'binary-cross-entropy' as const };
  const model = {
    spec,
    normalization: null,
    metadata: null,
    layers: [
      { inputScale: 0.5, weightScales: new Float32Array([0.01, 0.02]), biases: new Float32Array([0.1, -0.2]), weights: new Int8Array([1, -2, 3, 127, -127, 0]) },
      { inputScale: 0.25, weightScales: new Float32Array([0.03]), biases: new Float32Array([0.3]), weights: new Int8Array([5, -6]) },
    ],
  };
  // Encoded in each test (not while collecting them), so that mutation testing sees which
  // tests run the encoder.
  let file: Uint8Array = new Uint8Array(0);
  let hlen = 0;
  let base = 0;
  let header: Record<string, unknown> = {};
  beforeEach(() => {
    file = encodeQuantized(model);
    hlen = new DataView(file.buffer).getUint32(8, true);
    base = 16 + ((hlen + 3) & ~3);
    header = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + hlen))) as Record<string, unknown>;
  });
  /** file with bytes changed by edit and the CRC rewritten: only the edited field is wrong. */
  const edited = (edit: (v: DataView, bytes: Uint8Array) => void, from?: Uint8Array): Uint8Array => {
    const b = (from ?? file).slice();
    edit(new DataView(b.buffer), b);
    new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
    return b;
  };
  const withHeader = (h: Record<string, unknown>): Uint8Array => {
    const payload = file.subarray(base, file.length - 4);
    const hb = headerBytes(h);
    const hpad = (hb.length + 3) & ~3;
    const b = new Uint8Array(16 + hpad + payload.length + 4);
    b.set(file.subarray(0, 16));
    new DataView(b.buffer).setUint32(8, hb.length, true);
    b.fill(0x20, 16, 16 + hpad);
    b.set(hb, 16);
    b.set(payload, 16 + hpad);
    return edited(() => {}, b);
  };
  const q = (bytes: Uint8Array) => refusal(() => decodeQuantized(bytes, 'QuantizedNetwork.load')).message;

  it('round-trips, and isQuantizedFile says yes only for a version-3 frame (any realm\'s ArrayBuffer)', async () => {
    const back = decodeQuantized(file, 'QuantizedNetwork.load');
    expect(back.layers.map((l) => [l.inputScale, Array.from(l.weightScales), Array.from(l.biases), Array.from(l.weights)])).toEqual(
      model.layers.map((l) => [l.inputScale, Array.from(l.weightScales), Array.from(l.biases), Array.from(l.weights)]),
    );
    expect(isQuantizedFile(file)).toBe(true);
    expect(isQuantizedFile(file.slice().buffer)).toBe(true);
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new ArrayBuffer(n)', { n: file.length }) as ArrayBuffer;
    new Uint8Array(foreign).set(file);
    expect(isQuantizedFile(foreign)).toBe(true);
    expect(isQuantizedFile(file.subarray(0, 8))).toBe(true); // magic and version only
    expect(isQuantizedFile(file.subarray(0, 7))).toBe(false);
    for (let i = 0; i < 4; i++) {
      const bad = file.slice();
      bad[i] ^= 1;
      expect(isQuantizedFile(bad), `magic byte ${i}`).toBe(false);
    }
    expect(isQuantizedFile(assemble(headerBytes(HEADER), PARAMS, { version: 2 }))).toBe(false);
    expect(isQuantizedFile([...file])).toBe(false);
    expect(isQuantizedFile('WMLP')).toBe(false);
  });

  it('pads its header with spaces, counts payload bytes in size messages, and is "corrupt" to the float loader when its CRC fails', () => {
    expect(Array.from(file.subarray(16 + hlen, base))).toEqual(new Array(base - 16 - hlen).fill(0x20));
    expect(base - 16 - hlen).toBeGreaterThan(0); // this header's length is not a multiple of 4
    expect(q(file.subarray(0, file.length - 1))).toMatch(/file is \d+ bytes but its header declares \d+ \(header \d+ bytes, 44 payload bytes\); truncated or corrupt$/);
    const flipped = file.slice();
    flipped[base + 1] ^= 1;
    expect(refusal(() => decodeBinary(flipped)).message).toBe('Network.load: checksum mismatch; the file is corrupt');
    expect(q(flipped)).toBe('QuantizedNetwork.load: checksum mismatch; the file is corrupt');
  });

  it('refuses a header that is not int8, an architecture over the input limit or not matching the payload', () => {
    expect(q(withHeader({ ...header, quantization: 'int4' }))).toBe('QuantizedNetwork.load: header.quantization: expected \'int8\', got the string "int4"');
    expect(q(withHeader({ ...header, quantization: undefined }))).toMatch(/^QuantizedNetwork\.load: header\.quantization: expected 'int8', got undefined/);
    expect(q(withHeader({ ...header, inputSize: 131073 }))).toBe('QuantizedNetwork.load: layers[0] has 131073 inputs; an int8 layer takes at most 131072');
    expect(q(withHeader({ ...header, inputSize: 131072 }))).toMatch(/^QuantizedNetwork\.load: the architecture needs 262180 payload bytes but the file holds 44$/);
    expect(q(withHeader({ ...header, inputSize: 5 }))).toBe('QuantizedNetwork.load: the architecture needs 48 payload bytes but the file holds 44');
    expect(q(withHeader({ ...header, layers: [{ units: 2, activation: 'nope' }, { units: 1 }] }))).toMatch(/^QuantizedNetwork\.load: layers\[0\]\.activation/);
    expect(q(withHeader({ ...header, normalization: { mean: [0], std: [1] } }))).toMatch(/^QuantizedNetwork\.load: normalization\.mean: /);
    expect(q(withHeader({ ...header, metadata: 'x' }))).toMatch(/^QuantizedNetwork\.load: metadata: /);
  });

  it('refuses a scale that is not a finite float32 > 0 with a finite inverse, a non-finite bias, a -128 weight: naming the field', () => {
    // Payload: layer 0 at base (inputScale, 2 weight scales, 2 biases, 6 weights + 2 pad), layer 1 after.
    const l1 = base + 4 + 8 + 8 + 8;
    const scaleCases: [number, number, string][] = [
      [base, 0, 'layers[0].inputScale is 0'],
      [base, -0.5, 'layers[0].inputScale is -0.5'],
      [base, NaN, 'layers[0].inputScale is NaN'],
      [base, Infinity, 'layers[0].inputScale is Infinity'],
      [base, 1e-40, 'layers[0].inputScale is 9.99994610111476e-41'],
      [base + 8, 0, 'layers[0].weightScales[1] is 0'],
      [l1, -1, 'layers[1].inputScale is -1'],
      [l1 + 4, NaN, 'layers[1].weightScales[0] is NaN'],
    ];
    for (const [at, v, what] of scaleCases) {
      expect(q(edited((view) => view.setFloat32(at, v, true))), what).toBe(`QuantizedNetwork.load: ${what}; a scale must be a finite float32 > 0 with a finite float32 inverse`);
    }
    // The smallest normal float32 has a finite inverse; the largest finite one's is subnormal, fine.
    expect(decodeQuantized(edited((view) => view.setFloat32(base, 1.1754943508222875e-38, true)), 'x').layers[0].inputScale).toBe(1.1754943508222875e-38);
    expect(decodeQuantized(edited((view) => view.setFloat32(base, 3.4028234663852886e38, true)), 'x').layers[0].inputScale).toBe(3.4028234663852886e38);
    expect(q(edited((view) => view.setFloat32(base + 16, Infinity, true)))).toBe('QuantizedNetwork.load: layers[0].biases[1] is Infinity');
    expect(q(edited((view) => view.setFloat32(l1 + 8, NaN, true)))).toBe('QuantizedNetwork.load: layers[1].biases[0] is NaN');
    expect(q(edited((view) => view.setInt8(base + 20 + 4, -128)))).toBe('QuantizedNetwork.load: layers[0].weights[4] is -128; int8 weights are symmetric, in [-127, 127]');
    expect(q(edited((view) => view.setInt8(l1 + 12 + 1, -128)))).toBe('QuantizedNetwork.load: layers[1].weights[1] is -128; int8 weights are symmetric, in [-127, 127]');
    // -127 and 127 are fine.
    expect(Array.from(decodeQuantized(edited((view) => view.setInt8(base + 20, -127)), 'x').layers[0].weights)[0]).toBe(-127);
  });
});

describe('the version word follows what a model carries', () => {
  it('is 1 for a bare network and 2 with normalization, with metadata, or with both', async () => {
    const version = async (extra: Partial<NetworkOptions>) => {
      const net = await Network.create({ ...OPTIONS, backend: 'js', ...extra });
      const bytes = net.save();
      net.dispose();
      return new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    };
    const normalization = { mean: [0, 0, 0], std: [1, 2, 3] };
    expect(await version({})).toBe(1);
    expect(await version({ normalization })).toBe(2);
    expect(await version({ metadata: { task: 'x' } })).toBe(2);
    expect(await version({ normalization, metadata: { task: 'x' } })).toBe(2);
  });
});
