// Model formats. Both are untrusted input when loaded: every size is checked against the
// actual payload before anything is allocated, and the architecture goes through the same
// validation as Network.create (same defaults in constructor and loader).
//
// Binary (little-endian):
//   0  "WMLP" magic            4  u32 version (1, or 2 with normalization or metadata)
//   8  u32 header bytes H      12 u32 parameter count P
//   16 header: UTF-8 JSON { inputSize, layers, loss, optimizer, seed, normalization?,
//      metadata? }, space-padded to 4
//   16 + pad4(H): P float32 parameters, block layout of src/engine.ts
//   end - 4: u32 CRC-32 (IEEE) of every byte before it
//
// Version 3, an int8 model (net.quantize(); inference only), has the same frame:
//   12 u32 payload bytes P (instead of a parameter count)
//   16 header: UTF-8 JSON { inputSize, layers, loss, quantization: 'int8', normalization?,
//      metadata? }, space-padded to 4
//   16 + pad4(H): per layer (K inputs, N units): f32 input scale, N f32 weight scales (one per
//      unit), N f32 biases, N x K int8 weights (row-major, out x in, each in [-127, 127]),
//      zero-padded to 4 bytes
//   end - 4: CRC-32 as above

import { checkInteger, layerOptions, optimizerOptions, resolveModel, resolveOptimizer, type OptimizerOptions } from './config.js';
import { paramLayout, type ModelSpec, type OptimizerSpec } from './engine.js';
import type { Activation, Loss } from './enums.js';
import { WasmMlpError, describe } from './errors.js';
import { resolveMetadata, resolveNormalization, type JsonValue, type Normalization } from './normalize.js';

/**
 * The version written: 1 for a bare network (files byte-identical to earlier releases), 2 when
 * the model carries normalization or metadata, which a version-1 reader would silently drop.
 */
export const FORMAT_VERSION = 2;
const VERSIONS = [1, 2];
/** The int8 format (src/quantized.ts): a separate reader, since it is not a trainable network. */
export const QUANTIZED_VERSION = 3;
/**
 * Most inputs of an int8 layer: 127 x 127 x 131072 < 2^31, so a sum of int8 products never
 * overflows its int32 accumulator.
 */
export const MAX_QUANTIZED_INPUTS = 131072;
const MAGIC = [0x57, 0x4d, 0x4c, 0x50]; // "WMLP"
const FIXED = 16;
const MAX_HEADER = 1 << 20;

/**
 * The JSON model format: what {@link Network.toJSON} returns and {@link Network.fromJSON} and
 * `InferenceNetwork.load` read. Plain JSON values only, so `JSON.stringify` and `JSON.parse`
 * round-trip it (float32 parameters exactly).
 */
export interface ModelJson {
  /** Always `'wasm-mlp'`. */
  format: 'wasm-mlp';
  /** Format version: 1 for a bare network, 2 when it carries normalization or metadata. */
  version: number;
  /** Features per input sample. */
  inputSize: number;
  /** The layers, as {@link LayerOptions} (alpha only where not the default, dropout only where set). */
  layers: {
    /** Outputs of the layer. */
    units: number;
    /** Its activation. */
    activation: Activation;
    /** Its activation's parameter, when not the default. */
    alpha?: number;
    /** Its dropout fraction, when set. */
    dropout?: number;
  }[];
  /** The loss. */
  loss: Loss;
  /** The optimizer's options, every hyper-parameter of its kind spelled out. */
  optimizer: OptimizerOptions;
  /** The seed of the network's PRNG. */
  seed: number;
  /** Present in version 2 when the network normalizes its inputs. */
  normalization?: {
    /** One mean per input column. */
    mean: number[];
    /** One standard deviation per input column. */
    std: number[];
  };
  /** Present in version 2 when the network has metadata. */
  metadata?: { [key: string]: JsonValue };
  /** weights[l]: units_l x units_{l-1} values, row-major, as {@link Weights.weights}. */
  weights: number[][];
  /** biases[l]: units_l values. */
  biases: number[][];
}

/** What a model carries besides its architecture and parameters. */
export interface ModelExtras {
  normalization: Normalization | null;
  metadata: { [key: string]: JsonValue } | null;
}

export interface DecodedModel extends ModelExtras {
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  seed: number;
  params: Float32Array;
}

function invalid(message: string): WasmMlpError {
  return new WasmMlpError('INVALID_MODEL', message);
}

/**
 * Re-validates what a model file says serving needs: architecture, loss, normalization and
 * metadata (not the optimizer or seed, which only training reads). Option errors become
 * INVALID_MODEL. readServingBinary (wasm-mlp/lite) reads headers with it; decodeHeader adds
 * the rest.
 */
function decodeServingHeader(h: Record<string, unknown>, version: number, where: string): { spec: ModelSpec } & ModelExtras {
  return asInvalidModel(where, () => {
    const spec = resolveModel(h.inputSize, h.layers, h.loss);
    return { spec, ...decodeExtras(h, version, spec) };
  });
}

/** Re-validates the architecture part of a model file; option errors become INVALID_MODEL. */
function decodeHeader(
  h: Record<string, unknown>, version: number, where: string,
): { spec: ModelSpec; optimizer: OptimizerSpec; seed: number } & ModelExtras {
  return asInvalidModel(where, () => {
    const spec = resolveModel(h.inputSize, h.layers, h.loss);
    const optimizer = resolveOptimizer(h.optimizer);
    const seed = checkInteger('seed', h.seed, 0, 2 ** 32 - 1);
    return { spec, optimizer, seed, ...decodeExtras(h, version, spec) };
  });
}

/** A header's normalization and metadata, which version 2 adds. */
function decodeExtras(h: Record<string, unknown>, version: number, spec: ModelSpec): ModelExtras {
  if (version === 1 && (h.normalization !== undefined || h.metadata !== undefined)) {
    throw new WasmMlpError('INVALID_MODEL', 'a version 1 model cannot carry normalization or metadata (version 2 adds them)');
  }
  const normalization = h.normalization === undefined ? null : resolveNormalization(h.normalization, spec.inputSize, 'normalization');
  const metadata = h.metadata === undefined ? null : resolveMetadata(h.metadata, 'metadata');
  return { normalization, metadata };
}

/** read(), its option errors (INVALID_OPTION, OUT_OF_MEMORY, ...) made INVALID_MODEL errors of `where`. */
function asInvalidModel<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof WasmMlpError) throw invalid(`${where}: ${e.message}`);
    throw e;
  }
}

export function decodeJson(json: unknown): DecodedModel {
  const obj = typeof json === 'string' ? parseJson(json, 'Network.fromJSON') : json;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw invalid(`Network.fromJSON: expected a model object (from net.toJSON()), got ${describe(obj)}`);
  }
  const o = obj as Record<string, unknown>;
  if (o.format !== 'wasm-mlp') throw invalid(`Network.fromJSON: expected format 'wasm-mlp', got ${describe(o.format)}`);
  if (!VERSIONS.includes(o.version as number)) {
    throw invalid(`Network.fromJSON: unsupported version ${describe(o.version)}; this library reads versions ${VERSIONS.join(' and ')}`);
  }
  const { spec, optimizer, seed, normalization, metadata } = decodeHeader(o, o.version as number, 'Network.fromJSON');
  const layout = paramLayout(spec);
  const L = spec.layers.length;
  if (!Array.isArray(o.weights) || !Array.isArray(o.biases) || o.weights.length !== L || o.biases.length !== L) {
    throw invalid(`Network.fromJSON: expected ${L} weight and ${L} bias arrays`);
  }
  // Every length is checked before the parameter block is allocated: a hostile header that
  // declares a huge network without the numbers to fill it costs nothing.
  let prev = spec.inputSize;
  spec.layers.forEach((layer, l) => {
    const w = (o.weights as unknown[])[l];
    const b = (o.biases as unknown[])[l];
    if (!Array.isArray(w) || w.length !== layer.units * prev) {
      throw invalid(`Network.fromJSON: weights[${l}] must be an array of ${layer.units * prev} numbers, got ${describe(w)}`);
    }
    if (!Array.isArray(b) || b.length !== layer.units) {
      throw invalid(`Network.fromJSON: biases[${l}] must be an array of ${layer.units} numbers, got ${describe(b)}`);
    }
    prev = layer.units;
  });
  const params = new Float32Array(layout.count);
  prev = spec.inputSize;
  spec.layers.forEach((layer, l) => {
    const parts: [unknown, number, number, string][] = [
      [(o.weights as unknown[])[l], layout.weightOffset[l], layer.units * prev, `weights[${l}]`],
      [(o.biases as unknown[])[l], layout.biasOffset[l], layer.units, `biases[${l}]`],
    ];
    for (const [arr, off, len, name] of parts) {
      for (let i = 0; i < len; i++) {
        const v: unknown = (arr as unknown[])[i];
        if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
          throw invalid(`Network.fromJSON: ${name}[${i}] must be a finite float32 number, got ${describe(v)}`);
        }
        params[off + i] = v;
      }
    }
    prev = layer.units;
  });
  return { spec, optimizer, seed, params, normalization, metadata };
}

/** The version a model is written in, and the header fields that version 2 adds. */
export function extrasHeader(extras: ModelExtras): { version: number; fields: Pick<ModelJson, 'normalization' | 'metadata'> } {
  const fields: Pick<ModelJson, 'normalization' | 'metadata'> = {};
  if (extras.normalization) fields.normalization = { mean: Array.from(extras.normalization.mean), std: Array.from(extras.normalization.std) };
  if (extras.metadata) fields.metadata = extras.metadata;
  return { version: extras.normalization || extras.metadata ? 2 : 1, fields };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

export function encodeBinary(spec: ModelSpec, optimizer: OptimizerSpec, seed: number, params: Float32Array, extras: ModelExtras): Uint8Array {
  const { version, fields } = extrasHeader(extras);
  const header = new TextEncoder().encode(
    JSON.stringify({ inputSize: spec.inputSize, layers: layerOptions(spec.layers), loss: spec.loss, optimizer: optimizerOptions(optimizer), seed, ...fields }),
  );
  const hpad = pad4(header.length);
  const total = FIXED + hpad + params.length * 4 + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, version, true);
  view.setUint32(8, header.length, true);
  view.setUint32(12, params.length, true);
  bytes.fill(0x20, FIXED, FIXED + hpad);
  bytes.set(header, FIXED);
  for (let i = 0; i < params.length; i++) view.setFloat32(FIXED + hpad + 4 * i, params[i], true);
  view.setUint32(total - 4, crc32(bytes, 0, total - 4), true);
  return bytes;
}

/**
 * The two scans decodeBinary makes over a whole file. In JS by default; the inference entry
 * runs them in its wasm core, because in a fresh process JS interprets such a loop until V8
 * has optimised it, about 3 ms each for a 400 KB model (bench/notes/cold.md).
 */
export interface Scans {
  /** CRC-32 (IEEE) of bytes[start, end). */
  crc32(bytes: Uint8Array, start: number, end: number): number;
  /** The index of the first NaN or +/-Infinity in values, or -1. */
  firstNonFinite(values: Float32Array): number;
}

export const jsScans: Scans = { crc32, firstNonFinite };

/** Whether this host stores numbers little-endian, as the format does (every common CPU). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The frame of a binary model, checked: sizes, CRC and the header's JSON. */
interface Container {
  version: number;
  header: Record<string, unknown>;
  view: DataView;
  /** Byte offset of the block after the header. */
  base: number;
  /** The word at offset 12: the parameter count (versions 1-2) or the payload bytes (3). */
  count: number;
}

function readContainer(input: unknown, where: string, versions: number[], unit: number, scans: Scans): Container {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else throw invalid(`${where}: expected a Uint8Array or ArrayBuffer (from net.save()), got ${describe(input)}`);
  if (bytes.length < FIXED + 4) throw invalid(`${where}: file too short (${bytes.length} bytes); truncated?`);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) throw invalid(`${where}: not a wasm-mlp model file (bad magic number)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const wrongKind = (version === QUANTIZED_VERSION || VERSIONS.includes(version)) && !versions.includes(version);
  // A file of the other kind is named as such only when it is intact: a corrupted version
  // word (2 flipped to 3) must read as corruption, not as an int8 model.
  if (wrongKind && view.getUint32(bytes.length - 4, true) !== scans.crc32(bytes, 0, bytes.length - 4)) {
    throw invalid(`${where}: checksum mismatch; the file is corrupt`);
  }
  if (version === QUANTIZED_VERSION && !versions.includes(version)) {
    throw new WasmMlpError(
      'UNSUPPORTED_MODEL',
      `${where}: this is an int8 model (format version 3, from net.quantize()), which predicts but cannot train; load it with QuantizedNetwork.load or InferenceNetwork.load`,
    );
  }
  if (VERSIONS.includes(version) && !versions.includes(version)) {
    throw new WasmMlpError(
      'UNSUPPORTED_MODEL',
      `${where}: this is a float model (format version ${version}), not an int8 one; load it with Network.load and call quantize`,
    );
  }
  if (!versions.includes(version)) {
    throw invalid(`${where}: unsupported version ${version}; this library reads versions ${versions.join(' and ')}`);
  }
  const hlen = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  if (hlen > MAX_HEADER) throw invalid(`${where}: header length ${hlen} exceeds ${MAX_HEADER} bytes`);
  const expected = FIXED + pad4(hlen) + count * unit + 4;
  if (bytes.length !== expected) {
    const what = unit === 1 ? `${count} payload bytes` : `${count} parameters`;
    throw invalid(`${where}: file is ${bytes.length} bytes but its header declares ${expected} (header ${hlen} bytes, ${what}); truncated or corrupt`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = scans.crc32(bytes, 0, bytes.length - 4);
  if (stored !== actual) throw invalid(`${where}: checksum mismatch; the file is corrupt`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + hlen)));
  } catch (e) {
    throw invalid(`${where}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid(`${where}: header is not an object`);
  return { version, header: header as Record<string, unknown>, view, base: FIXED + pad4(hlen), count };
}

/**
 * Where a file's parameter block lies if its frame holds together (magic, header length, and
 * a size that is exactly header + the declared count of floats + CRC), else null; nothing
 * else is checked (readBinary does it all). The inference loader stages the block in wasm
 * memory before the CRC is known: only a block the file itself sizes, never a guess.
 */
export function floatParameterBlock(bytes: Uint8Array): { offset: number; length: number } | null {
  if (bytes.length < FIXED + 4 || MAGIC.some((m, i) => bytes[i] !== m)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FIXED);
  const hlen = view.getUint32(8, true);
  const offset = FIXED + pad4(hlen);
  const length = 4 * view.getUint32(12, true);
  return hlen <= MAX_HEADER && bytes.length === offset + length + 4 ? { offset, length } : null;
}

/** A float model file checked up to its parameter block, which is left where it is. */
export interface BinaryHeader extends Omit<DecodedModel, 'params'> {
  /** Byte offset of the parameter block (little-endian float32, 4-aligned) in the file. */
  paramsOffset: number;
  /** Parameters in the block: the architecture's count. */
  count: number;
}

/**
 * Everything of a float model file but its parameters: frame, sizes, CRC, header and the
 * parameter count. Their values are the caller's to read and test (finite: {@link nonFiniteParam}).
 */
export function readBinary(input: unknown, scans: Scans = jsScans): BinaryHeader {
  const { version, header, base, count } = readContainer(input, 'Network.load', VERSIONS, 4, scans);
  const { spec, optimizer, seed, normalization, metadata } = decodeHeader(header, version, 'Network.load');
  checkParameterCount(spec, count, 'Network.load');
  return { spec, optimizer, seed, normalization, metadata, paramsOffset: base, count };
}

/**
 * readBinary for serving (wasm-mlp/lite): the same frame and checks, but of the header only
 * what serving reads (decodeServingHeader: no optimizer or seed); `where` names the loader.
 */
export function readServingBinary(input: unknown, scans: Scans, where: string): Omit<BinaryHeader, 'optimizer' | 'seed'> {
  const { version, header, base, count } = readContainer(input, where, VERSIONS, 4, scans);
  const { spec, normalization, metadata } = decodeServingHeader(header, version, where);
  checkParameterCount(spec, count, where);
  return { spec, normalization, metadata, paramsOffset: base, count };
}

/** That a float file's block holds exactly the architecture's parameters. */
function checkParameterCount(spec: ModelSpec, count: number, where: string): void {
  const layout = paramLayout(spec);
  if (layout.count !== count) throw invalid(`${where}: the architecture has ${layout.count} parameters but the file holds ${count}`);
}

/** The loader's error for parameter `index` of a file, whose value is not finite; `where` names the loader. */
export function nonFiniteParam(index: number, value: number, where = 'Network.load'): WasmMlpError {
  return invalid(`${where}: parameter ${index} is ${value}`);
}

export function decodeBinary(input: unknown, scans: Scans = jsScans): DecodedModel {
  const { paramsOffset, count, ...model } = readBinary(input, scans);
  // A plain view, whatever the input's class: decodeParams slices it, and a Node Buffer's
  // slice is a view of its (pooled) memory, not a copy.
  const bytes = input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input as ArrayBuffer);
  const params = decodeParams(bytes, paramsOffset, count);
  const bad = scans.firstNonFinite(params);
  if (bad >= 0) throw nonFiniteParam(bad, params[bad]);
  return { ...model, params };
}

/**
 * The count little-endian float32 values at bytes[base...]: on a little-endian host one copy
 * of the block (the slice is a fresh, aligned buffer), else value by value. The float-by-float
 * DataView loop cost about 3 ms cold for a 400 KB model; the copy, a few microseconds.
 */
function decodeParams(bytes: Uint8Array, base: number, count: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(base, base + 4 * count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + base, 4 * count);
  const params = new Float32Array(count);
  for (let i = 0; i < count; i++) params[i] = view.getFloat32(4 * i, true);
  return params;
}

/** The index of the first NaN or +/-Infinity in values (exponent bits all ones), or -1. */
export function firstNonFinite(values: Float32Array): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  }
  return -1;
}


/** One int8 layer: y = g(dequantized (q(x) . W^T) + b); see src/quantized.ts. */
export interface QuantizedLayer {
  /** The scale of the layer's input: x is quantized to round(x / inputScale), clamped to +-127. */
  inputScale: number;
  /** One scale per output unit: W[n][k] ~ weights[n * K + k] * weightScales[n]. */
  weightScales: Float32Array;
  /** N x K int8 weights, row-major (out x in), in [-127, 127]. */
  weights: Int8Array;
  /** N float32 biases. */
  biases: Float32Array;
}

/** A decoded int8 model: architecture, layers and the version-2 extras. */
export interface QuantizedModel extends ModelExtras {
  spec: ModelSpec;
  layers: QuantizedLayer[];
}

/** Whether bytes are a version-3 (int8) model file: its magic and version word, nothing else checked. */
export function isQuantizedFile(input: unknown): boolean {
  const arrayBuffer = Object.prototype.toString.call(input) === '[object ArrayBuffer]'; // from any realm
  const bytes = input instanceof Uint8Array ? input : arrayBuffer ? new Uint8Array(input as ArrayBuffer) : null;
  if (!bytes || bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) return false;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) === QUANTIZED_VERSION;
}

/** Payload bytes of one int8 layer (N units, K inputs). */
function quantizedLayerBytes(N: number, K: number): number {
  return 4 + 8 * N + pad4(N * K);
}

export function encodeQuantized(model: QuantizedModel): Uint8Array {
  const { spec } = model;
  const { fields } = extrasHeader(model);
  const header = new TextEncoder().encode(
    JSON.stringify({ inputSize: spec.inputSize, layers: layerOptions(spec.layers), loss: spec.loss, quantization: 'int8', ...fields }),
  );
  const hpad = pad4(header.length);
  let payload = 0;
  let prev = spec.inputSize;
  for (const layer of spec.layers) {
    payload += quantizedLayerBytes(layer.units, prev);
    prev = layer.units;
  }
  const total = FIXED + hpad + payload + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, QUANTIZED_VERSION, true);
  view.setUint32(8, header.length, true);
  view.setUint32(12, payload, true);
  bytes.fill(0x20, FIXED, FIXED + hpad);
  bytes.set(header, FIXED);
  let at = FIXED + hpad;
  prev = spec.inputSize;
  model.layers.forEach((q, l) => {
    const N = spec.layers[l].units;
    view.setFloat32(at, q.inputScale, true);
    at += 4;
    for (let n = 0; n < N; n++, at += 4) view.setFloat32(at, q.weightScales[n], true);
    for (let n = 0; n < N; n++, at += 4) view.setFloat32(at, q.biases[n], true);
    bytes.set(new Uint8Array(q.weights.buffer, q.weights.byteOffset, N * prev), at);
    at += pad4(N * prev);
    prev = N;
  });
  view.setUint32(total - 4, crc32(bytes, 0, total - 4), true);
  return bytes;
}

/** Reads a version-3 file; `where` names the caller in messages (QuantizedNetwork.load, ...). */
export function decodeQuantized(input: unknown, where: string, scans: Scans = jsScans): QuantizedModel {
  const { header: h, view, base, count } = readContainer(input, where, [QUANTIZED_VERSION], 1, scans);
  let spec: ModelSpec;
  let extras: ModelExtras;
  try {
    spec = resolveModel(h.inputSize, h.layers, h.loss);
    extras = {
      normalization: h.normalization === undefined ? null : resolveNormalization(h.normalization, spec.inputSize, 'normalization'),
      metadata: h.metadata === undefined ? null : resolveMetadata(h.metadata, 'metadata'),
    };
  } catch (e) {
    if (e instanceof WasmMlpError) throw invalid(`${where}: ${e.message}`);
    throw e;
  }
  if (h.quantization !== 'int8') throw invalid(`${where}: header.quantization: expected 'int8', got ${describe(h.quantization)}`);
  let payload = 0;
  let prev = spec.inputSize;
  for (const [l, layer] of spec.layers.entries()) {
    if (prev > MAX_QUANTIZED_INPUTS) throw invalid(`${where}: layers[${l}] has ${prev} inputs; an int8 layer takes at most ${MAX_QUANTIZED_INPUTS}`);
    payload += quantizedLayerBytes(layer.units, prev);
    prev = layer.units;
  }
  if (payload !== count) throw invalid(`${where}: the architecture needs ${payload} payload bytes but the file holds ${count}`);
  const layers: QuantizedLayer[] = [];
  let at = base;
  prev = spec.inputSize;
  const positive = (v: number, name: string): number => {
    if (!(Number.isFinite(v) && v > 0 && Number.isFinite(Math.fround(1 / v)))) throw invalid(`${where}: ${name} is ${v}; a scale must be a finite float32 > 0 with a finite float32 inverse`);
    return v;
  };
  for (const [l, layer] of spec.layers.entries()) {
    const N = layer.units;
    const inputScale = positive(view.getFloat32(at, true), `layers[${l}].inputScale`);
    at += 4;
    const weightScales = new Float32Array(N);
    for (let n = 0; n < N; n++, at += 4) weightScales[n] = positive(view.getFloat32(at, true), `layers[${l}].weightScales[${n}]`);
    const biases = new Float32Array(N);
    for (let n = 0; n < N; n++, at += 4) {
      const v = view.getFloat32(at, true);
      if (!Number.isFinite(v)) throw invalid(`${where}: layers[${l}].biases[${n}] is ${v}`);
      biases[n] = v;
    }
    const weights = new Int8Array(N * prev);
    for (let i = 0; i < weights.length; i++) {
      const v = view.getInt8(at + i);
      if (v === -128) throw invalid(`${where}: layers[${l}].weights[${i}] is -128; int8 weights are symmetric, in [-127, 127]`);
      weights[i] = v;
    }
    at += pad4(N * prev);
    layers.push({ inputScale, weightScales, weights, biases });
    prev = N;
  }
  return { spec, layers, ...extras };
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
