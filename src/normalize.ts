// Feature normalization stored with the model (Keras's Normalization layer): every input
// column is mapped to (x - mean) / std before the first layer, in predict, evaluate, fit and
// gradients, on both backends and in the inference entry. A zero std divides by 1, so a
// constant column becomes 0 instead of NaN. The two steps round to float32 one at a time
// (sub, then div), exactly as the Sub and Div nodes of the ONNX export compute them.
//
// Also the model's free-form metadata (feature names, class names, ...): any JSON value tree,
// checked here so that what is saved is what loads.

import { WasmMlpError, describe } from './errors.js';

/** Per-input-column mean and standard deviation; see NetworkOptions.normalization. */
export interface Normalization {
  /** One mean per input column. */
  mean: Float32Array;
  /** One standard deviation (>= 0) per input column; a 0 divides by 1. */
  std: Float32Array;
}

/** What NetworkOptions.normalization accepts: one mean and one std per input column. */
export interface NormalizationOptions {
  /** One mean per input column (number[], Float32Array or Float64Array), each finite as a float32. Required. */
  mean: ArrayLike<number>;
  /** One standard deviation per input column, each finite as a float32 and >= 0 (0 divides by 1). Required. */
  std: ArrayLike<number>;
}

/** JSON values: what `metadata` may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const invalid = (name: string, expected: string, value: unknown): WasmMlpError =>
  new WasmMlpError('INVALID_OPTION', `${name}: expected ${expected}, got ${describe(value)}`);

/** Checks a { mean, std } pair for `inputs` columns and copies it to float32. */
export function resolveNormalization(value: unknown, inputs: number, name: string): Normalization {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalid(name, `an object { mean, std } with ${inputs} values each`, value);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'mean' && key !== 'std') throw new WasmMlpError('INVALID_OPTION', `${name}: unknown option '${key}'; valid options are 'mean', 'std'`);
  }
  const column = (key: 'mean' | 'std'): Float32Array => {
    const v = o[key];
    const arrayLike = Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
    if (!arrayLike) throw invalid(`${name}.${key}`, `an array of ${inputs} numbers (one per input column)`, v);
    const a = v as ArrayLike<unknown>;
    if (a.length !== inputs) {
      throw new WasmMlpError('INVALID_OPTION', `${name}.${key}: expected ${inputs} values (one per input column), got ${a.length}`);
    }
    const out = new Float32Array(inputs);
    for (let i = 0; i < inputs; i++) {
      const x = a[i];
      if (typeof x !== 'number' || !Number.isFinite(Math.fround(x)) || (key === 'std' && x < 0)) {
        throw invalid(`${name}.${key}[${i}]`, key === 'std' ? 'a finite float32 number >= 0' : 'a finite float32 number', x);
      }
      out[i] = x;
    }
    return out;
  };
  return { mean: column('mean'), std: column('std') };
}

/**
 * Keras's adapt: the mean and population standard deviation (divided by n, not n - 1) of each
 * column of a (rows x cols) matrix, accumulated in float64 in two passes.
 */
export function adaptNormalization(data: Float32Array, rows: number, cols: number): Normalization {
  const sum = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sum[c] += data[r * cols + c];
  const mean = sum.map((s) => s / rows);
  const sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = data[r * cols + c] - mean[c];
      sq[c] += d * d;
    }
  }
  return { mean: Float32Array.from(mean), std: Float32Array.from(sq, (s) => Math.sqrt(s / rows)) };
}

/** The divisor of each column: its std, or 1 where the std is 0. */
export function divisors(n: Normalization): Float32Array {
  return n.std.map((s) => (s === 0 ? 1 : s));
}

/**
 * A new (rows x cols) array of normalized values; `data` is only read. NaN and infinities pass
 * through, so the finiteness check that follows still names the caller's row and column.
 */
export function applyNormalization(n: Normalization, data: Float32Array, cols: number, out?: Float32Array): Float32Array {
  const result = out ?? new Float32Array(data.length);
  const { mean, std } = n;
  for (let i = 0; i < data.length; i += cols) {
    for (let c = 0; c < cols; c++) result[i + c] = Math.fround(data[i + c] - mean[c]) / (std[c] === 0 ? 1 : std[c]);
  }
  return result;
}

/**
 * Normalizes into a buffer kept between calls and grown only for a longer x: how
 * predictBatch allocates nothing after its first call.
 */
export class NormalizeScratch {
  private buf = new Float32Array(0);

  apply(n: Normalization, x: Float32Array, cols: number): Float32Array {
    if (this.buf.length < x.length) this.buf = new Float32Array(x.length);
    return applyNormalization(n, x, cols, this.buf.subarray(0, x.length));
  }
}

/** A copy of a normalization, so callers never hold the network's own arrays. */
export function copyNormalization(n: Normalization | null): Normalization | null {
  return n && { mean: n.mean.slice(), std: n.std.slice() };
}

/** A deep copy of metadata, so callers never hold the network's own objects. */
export function copyMetadata(m: { [key: string]: JsonValue } | null): { [key: string]: JsonValue } | null {
  return m && (JSON.parse(JSON.stringify(m)) as { [key: string]: JsonValue });
}

/** Largest metadata accepted, in bytes of JSON text (model headers hold at most 1 MiB). */
export const MAX_METADATA = 1 << 19;

/**
 * Checks that `value` is a plain JSON object tree (strings, finite numbers, booleans, null,
 * arrays, plain objects; no cycles) and returns a deep copy of it.
 */
export function resolveMetadata(value: unknown, name: string): { [key: string]: JsonValue } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalid(name, 'a plain object of JSON values', value);
  }
  const ancestors = new Set<object>();
  const copy = (v: unknown, path: string): JsonValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw invalid(path, 'a JSON value (a finite number)', v);
      return v;
    }
    if (typeof v !== 'object') throw invalid(path, 'a JSON value (string, finite number, boolean, null, array or plain object)', v);
    if (ancestors.has(v)) throw new WasmMlpError('INVALID_OPTION', `${path}: expected a JSON value, got a circular reference`);
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      throw invalid(path, 'a JSON value (string, finite number, boolean, null, array or plain object)', v);
    }
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, i) => copy(item, `${path}[${i}]`));
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(v)) out[key] = copy(item, `${path}.${key}`);
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  const result = copy(value, name) as { [key: string]: JsonValue };
  const size = new TextEncoder().encode(JSON.stringify(result)).length;
  if (size > MAX_METADATA) throw new WasmMlpError('INVALID_OPTION', `${name}: ${size} bytes of JSON; the maximum is ${MAX_METADATA}`);
  return result;
}
