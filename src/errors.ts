// Typed errors: every failure the library reports is a WasmMlpError with a stable `code`.

/**
 * The stable code of a {@link WasmMlpError}: branch on it, not on the message (messages
 * explain, and may be reworded between releases).
 */
export type ErrorCode =
  /** An option of create, fit, load, init or an import is unknown, missing, of the wrong type or out of range. */
  | 'INVALID_OPTION'
  /** A data argument holds the wrong types, NaN or Infinity, or bad class labels. */
  | 'INVALID_DATA'
  /** A data argument has the wrong length or width (or, for `setWeights`, the wrong number of arrays). */
  | 'SHAPE_MISMATCH'
  /** The network was disposed; create or load a new one. */
  | 'DISPOSED'
  /** `fit` is running on this network; await it before calling anything that changes it. */
  | 'BUSY'
  /** The loss became NaN or infinite during `fit`; the failing batch's update was skipped. */
  | 'DIVERGED'
  /** A model file or JSON is corrupt, truncated, of an unknown version, or malformed ONNX/TF.js. */
  | 'INVALID_MODEL'
  /** A well-formed ONNX or TF.js model uses something this library does not run (a convolution, a branch, ...). */
  | 'UNSUPPORTED_MODEL'
  /** A method that trains or changes weights (fit, gradients, setWeights, ...) was called on an inference-only int8 `QuantizedNetwork`. */
  | 'INFERENCE_ONLY'
  /** The network or the data would not fit in wasm memory (4 GiB), or the JS backend could not allocate. */
  | 'OUT_OF_MEMORY'
  /** The wasm module could not be found, fetched, compiled or instantiated, or is not the expected file. */
  | 'WASM_UNAVAILABLE'
  /** A worker thread died inside a job; the call was abandoned and every network of that runtime now runs on one thread. */
  | 'WORKER_FAILED';

/**
 * The one error type the library throws (or rejects with) for every failure it detects. Its
 * `message` names the argument or option, what was expected, what was given and, where there
 * is a fixed set, the valid choices; its {@link WasmMlpError.code | code} is stable.
 *
 * @example
 * ```ts
 * try {
 *   await Network.create({ inputSize: 2, layers: [{ units: 1, activation: 'sigmod' as never }] });
 * } catch (e) {
 *   if (e instanceof WasmMlpError && e.code === 'INVALID_OPTION') console.log(e.message);
 *   // layers[0].activation: expected one of 'linear', 'sigmoid', ..., got the string "sigmod"
 * }
 * ```
 */
export class WasmMlpError extends Error {
  /** What went wrong, as a stable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /**
   * @param code - The error's {@link ErrorCode}.
   * @param message - What went wrong, for people.
   */
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'WasmMlpError';
    this.code = code;
  }
}

/** Short description of a value for error messages ("a string", "NaN", "an array of 3"). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
