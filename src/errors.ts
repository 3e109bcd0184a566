// Typed errors: every failure the library reports is a WasmMlpError with a stable `code`.

export type ErrorCode =
  | 'INVALID_OPTION' // an option of create/fit/load is missing, of the wrong type or out of range
  | 'INVALID_DATA' // a data argument holds wrong types, NaN/Infinity or bad labels
  | 'SHAPE_MISMATCH' // a data argument has the wrong length or width
  | 'DISPOSED' // the network was disposed
  | 'BUSY' // fit is already running on this network
  | 'DIVERGED' // the loss became NaN or infinite during fit
  | 'INVALID_MODEL' // a model file or JSON is corrupt, truncated or of another version
  | 'UNSUPPORTED_MODEL' // a well-formed model (ONNX, TF.js) uses something this library does not run
  | 'OUT_OF_MEMORY' // the network or data would not fit in wasm memory
  | 'WASM_UNAVAILABLE' // the wasm module could not be loaded or compiled
  | 'WORKER_FAILED'; // a worker thread died inside a job; the call was abandoned, threads are off

export class WasmMlpError extends Error {
  readonly code: ErrorCode;
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
