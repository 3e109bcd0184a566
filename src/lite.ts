/**
 * `wasm-mlp/lite`: the smallest way to serve a float model, for cold starts (edge functions,
 * serverless). It loads a model file saved by `net.save()` and predicts from a flat
 * `Float32Array`, with `wasm-mlp/infer`'s wasm (`wasm-mlp/infer.wasm`), its file reader and
 * its results, bit for bit, in about half its JavaScript. What it leaves to `wasm-mlp/infer`:
 * JSON models, int8 models, `number[][]` inputs, and finding the .wasm file itself.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { init, load } from 'wasm-mlp/lite';
 *
 * // The core: its bytes here (Node, Deno, Bun); in workerd,
 * // `import wasm from 'wasm-mlp/infer.wasm'` gives a WebAssembly.Module: `await init(wasm)`.
 * await init(readFileSync(new URL(import.meta.resolve('wasm-mlp/infer.wasm'))));
 * const net = load(readFileSync('model.bin'));     // the bytes net.save() wrote
 * console.log(net.inputSize, net.outputSize);      // 784 10 for a digits model
 * const rows = new Float32Array(2 * net.inputSize); // two rows, row-major
 * const out = new Float32Array(2 * net.outputSize);
 * net.predict(rows, out);                           // into your buffer: no allocation
 * console.log(net.predict(rows.subarray(0, net.inputSize))); // one row: a new Float32Array
 * net.dispose();
 * ```
 *
 * @sortStrategy kind, alphabetical-ignoring-documents
 * @packageDocumentation
 * @module wasm-mlp/lite
 */

// What a cold start runs, and each kilobyte of an entry costs a fresh process about 0.02 ms
// to parse (bench/notes/cold.md). The frame reader, the header's validation and the network
// in wasm memory are the shared ones (src/format.ts, src/config.ts, src/serving-net.ts, which
// wasm-mlp/infer serves float models with too), imported function by function so that the
// bundle holds only what a float file and a flat batch use.

import { WasmMlpError, describe } from './errors.js';
import { readServingBinary } from './format.js';
import { createInferRuntime, loadFloatFile, type InferRuntime } from './infer-core.js';
import { NormalizeScratch, copyMetadata, copyNormalization, type JsonValue, type Normalization } from './normalize.js';
import type { ServingNetwork } from './serving-net.js';

export { WasmMlpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { Normalization, JsonValue } from './normalize.js';

let runtime: InferRuntime | null = null;
let pending: Promise<InferRuntime> | null = null;

/**
 * Loads the inference core, once: await it before {@link load}. Calling it again returns the
 * first call's promise; after a failure, a new call tries again.
 *
 * @param source - build/infer.wasm (`wasm-mlp/infer.wasm`): a precompiled WebAssembly.Module
 *   (what workerd and Vercel's edge hand over; in a browser,
 *   `WebAssembly.compileStreaming(fetch(url))`) or the file's bytes (in Node, Deno and Bun,
 *   `readFileSync(fileURLToPath(import.meta.resolve('wasm-mlp/infer.wasm')))`).
 * @throws {@link WasmMlpError} (the promise rejects) `WASM_UNAVAILABLE` when the source is
 *   neither, does not compile, or is not infer.wasm.
 */
export function init(source: WebAssembly.Module | ArrayBuffer | ArrayBufferView): Promise<void> {
  if (!pending) {
    const started = compile(source).then(createInferRuntime);
    pending = started;
    started.then(
      (rt) => (runtime = rt),
      () => {
        if (pending === started) pending = null;
      },
    );
  }
  return pending.then(() => {});
}

async function compile(source: unknown): Promise<WebAssembly.Module> {
  const tag = Object.prototype.toString.call(source); // a Module or buffer of any realm
  if (tag === '[object WebAssembly.Module]') return source as WebAssembly.Module;
  if (ArrayBuffer.isView(source) || tag === '[object ArrayBuffer]') {
    try {
      return await WebAssembly.compile(source as BufferSource);
    } catch (e) {
      throw new WasmMlpError('WASM_UNAVAILABLE', `init: source: the bytes given do not compile (${(e as Error).message}); expected build/infer.wasm`);
    }
  }
  throw new WasmMlpError('WASM_UNAVAILABLE', `init: source: expected infer.wasm as a WebAssembly.Module or its bytes, got ${describe(source)}`);
}

/**
 * Loads a float model saved by `net.save()` (format versions 1 and 2, with normalization and
 * metadata), once {@link init} has resolved. The file is untrusted input, checked as
 * `Network.load` checks it: frame, sizes, CRC-32, architecture, normalization, metadata and
 * every parameter. Not checked: the optimizer's settings and the seed, which serving never reads.
 *
 * @param model - The saved bytes (a Node Buffer is a Uint8Array). Not modified, not kept.
 * @throws {@link WasmMlpError} `INVALID_MODEL` for a corrupt, truncated, malformed or
 *   unknown-version file; `UNSUPPORTED_MODEL` for an int8 model (load it with
 *   `wasm-mlp/infer`); `WASM_UNAVAILABLE` before init has resolved; `OUT_OF_MEMORY` when the
 *   model does not fit in wasm memory.
 */
export function load(model: Uint8Array | ArrayBuffer): LiteNetwork {
  const rt = runtime;
  if (!rt) throw new WasmMlpError('WASM_UNAVAILABLE', 'load: the core is not loaded yet; await init(source) first');
  // Plain views, of any realm's Uint8Array (a Node Buffer too) or ArrayBuffer.
  const tag = Object.prototype.toString.call(model);
  let bytes: Uint8Array;
  if (tag === '[object Uint8Array]') bytes = new Uint8Array((model as Uint8Array).buffer, (model as Uint8Array).byteOffset, (model as Uint8Array).byteLength);
  else if (tag === '[object ArrayBuffer]') bytes = new Uint8Array(model as ArrayBuffer);
  else throw new WasmMlpError('INVALID_MODEL', `load: model: expected the bytes of a model file (a Uint8Array or ArrayBuffer from net.save()), got ${describe(model)}`);
  // wasm-mlp/infer's loader: the parameter block copied once, where the core checks the CRC
  // and finiteness.
  const { net, normalization, metadata } = loadFloatFile(rt, bytes, (b, scans) => readServingBinary(b, scans, 'load'), 'load');
  return new LiteNetwork(net, normalization, metadata);
}

/**
 * A loaded float model: predictions only. Create one with {@link load}; free its wasm memory
 * with {@link LiteNetwork.dispose} when done.
 */
export class LiteNetwork {
  /** Features per sample. */
  readonly inputSize: number;
  /** Outputs per sample. */
  readonly outputSize: number;
  private disposed = false;
  private readonly scratch = new NormalizeScratch();

  /** @internal */
  constructor(
    private readonly core: ServingNetwork,
    private readonly norm: Normalization | null,
    private readonly meta: { [key: string]: JsonValue } | null,
  ) {
    this.inputSize = core.spec.inputSize;
    this.outputSize = core.spec.layers[core.spec.layers.length - 1].units;
  }

  /** The model's input normalization (copies), or null; predict applies it. */
  get normalization(): Normalization | null {
    return copyNormalization(this.norm);
  }

  /** The model's metadata (a copy), or null. */
  get metadata(): { [key: string]: JsonValue } | null {
    return copyMetadata(this.meta);
  }

  /** Bytes of wasm memory this model holds (parameters, packed weights, 256 rows of activations); 0 once disposed. */
  get memoryBytes(): number {
    return this.core.memoryBytes;
  }

  /**
   * Outputs for the rows of `x`, after the model's input normalization if it has one:
   * `wasm-mlp/infer`'s `predictBatch`, bit for bit.
   *
   * @param x - Inputs, rows x inputSize, row-major. Not modified.
   * @param out - Receives rows x outputSize outputs from index 0 (the rest is left as it is;
   *   all of it, if predict throws). Default: a new Float32Array of exactly that length.
   * @returns `out`, or the new array.
   * @throws {@link WasmMlpError} `INVALID_DATA` when x or out is not a Float32Array or x holds
   *   NaN or Infinity; `SHAPE_MISMATCH` when x's length is not a multiple of inputSize or out
   *   is too short; `DISPOSED` after dispose.
   */
  predict(x: Float32Array, out?: Float32Array): Float32Array {
    if (this.disposed) throw new WasmMlpError('DISPOSED', 'predict: this LiteNetwork was disposed');
    const nin = this.inputSize;
    const nout = this.outputSize;
    if (!(x instanceof Float32Array)) throw new WasmMlpError('INVALID_DATA', `predict: x: expected a Float32Array (rows x ${nin} values, row-major), got ${describe(x)}`);
    if (x.length % nin !== 0) throw new WasmMlpError('SHAPE_MISMATCH', `predict: x: expected a multiple of inputSize ${nin} values, got ${x.length}`);
    const m = x.length / nin;
    if (out === undefined) {
      out = new Float32Array(m * nout);
    } else if (!(out instanceof Float32Array)) {
      throw new WasmMlpError('INVALID_DATA', `predict: out: expected a Float32Array, got ${describe(out)}`);
    } else if (out.length < m * nout) {
      throw new WasmMlpError('SHAPE_MISMATCH', `predict: out: expected at least ${m * nout} values (${m} rows x ${nout} outputs), got ${out.length}`);
    }
    this.core.predict(this.norm ? this.scratch.apply(this.norm, x, nin) : x, m, out, 'x');
    return out;
  }

  /** Frees the model's wasm memory; predict throws `DISPOSED` afterwards. Calling it again does nothing. */
  dispose(): void {
    this.disposed = true;
    this.core.dispose();
  }
}
