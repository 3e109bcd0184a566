/**
 * `wasm-mlp/infer`: serving a trained model and nothing else (about 21 KB gzipped with its
 * wasm). {@link InferenceNetwork.load} reads a model saved by `net.save()` or `net.toJSON()`
 * of the full `wasm-mlp` entry; {@link InferenceNetwork.predict} runs it, with the full
 * package's results, bit for bit. No training, no threads.
 *
 * @example
 * ```ts
 * import { InferenceNetwork } from 'wasm-mlp/infer';
 *
 * // A model as net.toJSON() writes it (usually read from a file or fetched, as JSON or as
 * // net.save()'s bytes); here a hand-set one-neuron AND gate: sigmoid(20 a + 20 b - 30).
 * const net = await InferenceNetwork.load({
 *   format: 'wasm-mlp',
 *   version: 1,
 *   inputSize: 2,
 *   layers: [{ units: 1, activation: 'sigmoid' }],
 *   loss: 'binary-cross-entropy',
 *   optimizer: { kind: 'adam' },
 *   seed: 0,
 *   weights: [[20, 20]],
 *   biases: [[-30]],
 * });
 * console.log(net.inputSize, net.outputSize);                 // 2 1
 * console.log(net.predict([[0, 0], [0, 1], [1, 0], [1, 1]])); // Float32Array near [0, 0, 0, 1]
 * const out = new Float32Array(2);
 * net.predictBatch(new Float32Array([1, 1, 0, 1]), out);      // two rows into out, no allocation
 * console.log(out);                                           // near [1, 0]
 * net.dispose();
 * ```
 *
 * @sortStrategy kind, alphabetical-ignoring-documents
 * @packageDocumentation
 * @module wasm-mlp/infer
 */

// wasm-mlp/infer: what serving a trained model needs and nothing else. It loads a saved model
// (binary or JSON), predicts, and runs on its own small wasm build (build/infer.wasm: the
// forward path of the same AssemblyScript sources, no training kernels, no threads). It shares
// the loader (src/load.ts), the model-format reader (src/format.ts) and the descriptor writers
// (src/core-net.ts) with the full entry, so its predictions are the full package's bits; a
// float model is a ServingNetwork (src/serving-net.ts), as in wasm-mlp/lite.

import { batchRows, toMatrix } from './data.js';
import { WasmMlpError } from './errors.js';
import { decodeJson, decodeQuantized, isQuantizedFile, readBinary, type ModelJson } from './format.js';
import { coreScans, createInferRuntime, loadFloatFile, type InferRuntime } from './infer-core.js';
import { compileSource, packageFile, type WasmSource } from './load.js';
import { NormalizeScratch, applyNormalization, copyMetadata, copyNormalization, type JsonValue, type Normalization } from './normalize.js';
import { QuantCore, type QuantExports, type QuantRuntime } from './quantized.js';
import { ServingNetwork, parameterRegion } from './serving-net.js';

export { WasmMlpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { WasmSource } from './load.js';
export type { ModelJson } from './format.js';
export type { Normalization, JsonValue } from './normalize.js';
export type { Matrix, Targets } from './config.js';
import type { Matrix } from './config.js';

let runtime: Promise<InferRuntime> | null = null;

const defaultUrl = (): URL => packageFile(() => new URL('../build/infer.wasm', import.meta.url), 'infer.wasm');

/**
 * Loads the inference core once: from `source` (a precompiled WebAssembly.Module, as workerd
 * and Vercel's edge require, its bytes, a Response or a URL), or by default from build/ next to
 * this package. Optional: {@link InferenceNetwork.load} calls it. Calling it again returns the
 * same instance; a failed load can be retried.
 *
 * @param source - The inference core, build/infer.wasm (`wasm-mlp/infer.wasm`).
 *   Default: the package's own file, next to this module.
 * @throws {@link WasmMlpError} (the promise rejects) `WASM_UNAVAILABLE` when the source is not
 *   infer.wasm, cannot be fetched or compiled, or when this runtime gives the package no
 *   module URL (workerd, an IIFE bundle) and no source was given.
 *
 * @example
 * ```ts
 * import wasm from 'wasm-mlp/infer.wasm'; // a WebAssembly.Module in workerd (wrangler)
 * await init(wasm);
 * ```
 */
export function init(source?: WasmSource): Promise<void> {
  if (!runtime) {
    runtime = Promise.resolve().then(async () => createInferRuntime(await compileSource(source ?? defaultUrl())));
    runtime.catch(() => {
      runtime = null;
    });
  }
  return runtime.then(() => {});
}

/**
 * A loaded model: predictions only. Create one with {@link InferenceNetwork.load}; free its
 * wasm memory with {@link InferenceNetwork.dispose} when done.
 */
export class InferenceNetwork {
  /** predictBatch's normalized copy of x, kept between calls so that it allocates once. */
  private readonly scratch = new NormalizeScratch();

  private constructor(
    private readonly core: ServingNetwork | QuantCore,
    private readonly norm: Normalization | null,
    private readonly meta: { [key: string]: JsonValue } | null,
  ) {}

  /**
   * Loads a model saved by `net.save()` (bytes) or `net.toJSON()` (the object or its JSON
   * text), calling init() first if it has not been called. The model is untrusted input:
   * sizes, the CRC-32 and every field are checked. An int8 model (format version 3, saved by
   * a `QuantizedNetwork`) loads too and predicts with the int8 kernels, bit for bit as the
   * QuantizedNetwork did.
   *
   * @param model - The saved bytes, or the JSON model as an object or text.
   * @throws {@link WasmMlpError} (the promise rejects) `INVALID_MODEL` for a corrupt,
   *   truncated, malformed or unknown-version model; `WASM_UNAVAILABLE` when the core cannot
   *   be loaded; `OUT_OF_MEMORY` when the model does not fit in wasm memory.
   */
  static async load(model: Uint8Array | ArrayBuffer | ModelJson | string): Promise<InferenceNetwork> {
    const bytes = model instanceof Uint8Array || Object.prototype.toString.call(model) === '[object ArrayBuffer]';
    await init();
    const rt = await runtime!;
    if (bytes && isQuantizedFile(model)) {
      const decoded = decodeQuantized(model, 'InferenceNetwork.load', coreScans(rt));
      return new InferenceNetwork(new QuantCore(await quantRuntime(), decoded.spec, decoded.layers), decoded.normalization, decoded.metadata);
    }
    if (bytes) {
      const { net, normalization, metadata } = loadFloatFile(rt, model instanceof Uint8Array ? model : new Uint8Array(model as ArrayBuffer), readBinary, 'Network.load');
      return new InferenceNetwork(net, normalization, metadata);
    }
    const decoded = decodeJson(model);
    const params = parameterRegion(rt, decoded.params);
    try {
      return new InferenceNetwork(new ServingNetwork(rt, decoded.spec, params, 'InferenceNetwork.load'), decoded.normalization, decoded.metadata);
    } catch (e) {
      rt.arena.free(params); // a network that was not planned leaves its parameters to us
      throw e;
    }
  }

  /** The model's input normalization (copies), or null; predict applies it. */
  get normalization(): Normalization | null {
    return copyNormalization(this.norm);
  }

  /** The model's metadata (a copy), or null. */
  get metadata(): { [key: string]: JsonValue } | null {
    return copyMetadata(this.meta);
  }

  /** Features per sample. */
  get inputSize(): number {
    return this.core.spec.inputSize;
  }

  /** Outputs per sample. */
  get outputSize(): number {
    return this.core.spec.layers[this.core.spec.layers.length - 1].units;
  }

  /** Whether the model is an int8 one (format version 3). */
  get quantized(): boolean {
    return this.core instanceof QuantCore;
  }

  /** Bytes of wasm memory this model holds now (parameters, their packed copies, the last batch's activations). */
  get memoryBytes(): number {
    return this.core.memoryBytes;
  }

  /**
   * Outputs for x, after the model's input normalization if it has one.
   *
   * @param x - Inputs, samples x inputSize; see {@link Matrix}.
   * @returns A new Float32Array of samples x outputSize outputs, row-major.
   * @throws {@link WasmMlpError} `INVALID_DATA` (NaN, Infinity, wrong types) or
   *   `SHAPE_MISMATCH` for bad x; `DISPOSED` after dispose; `OUT_OF_MEMORY` when a huge batch
   *   does not fit.
   */
  predict(x: Matrix): Float32Array {
    this.live();
    const { data, rows } = toMatrix(x, this.inputSize, 'x', false);
    const out = new Float32Array(rows * this.outputSize);
    this.core.predict(this.norm ? applyNormalization(this.norm, data, this.inputSize) : data, rows, out, 'x');
    return out;
  }

  /**
   * Predicts the rows of a flat `x` (rows x inputSize) into the caller's `out` (at least
   * rows x outputSize), allocating nothing in JS (after the first call, with normalization).
   *
   * @param x - Inputs, row-major, a multiple of inputSize values.
   * @param out - Receives rows x outputSize outputs from index 0; the rest is left as it is.
   * @returns `out`.
   * @throws {@link WasmMlpError} `INVALID_DATA` when x or out is not a Float32Array or x holds
   *   NaN or Infinity; `SHAPE_MISMATCH` when x's length is not a multiple of inputSize or out
   *   is too short; `DISPOSED` after dispose; `OUT_OF_MEMORY`.
   */
  predictBatch(x: Float32Array, out: Float32Array): Float32Array {
    this.live();
    const rows = batchRows(x, out, this.inputSize, this.outputSize);
    const input = this.norm ? this.scratch.apply(this.norm, x, this.inputSize) : x;
    this.core.predict(input, rows, out, 'x');
    return out;
  }

  /**
   * Frees the model's wasm memory; predict and predictBatch throw `DISPOSED` afterwards.
   * Calling it again does nothing.
   */
  dispose(): void {
    this.core.dispose();
    this.disposed = true;
  }

  private disposed = false;
  private live(): void {
    if (this.disposed) throw new WasmMlpError('DISPOSED', 'this InferenceNetwork was disposed');
  }
}

/** The inference core, checked for the int8 exports (an infer.wasm built before them has none). */
async function quantRuntime(): Promise<QuantRuntime> {
  await init();
  const rt = (await runtime!) as unknown as QuantRuntime;
  // Serving predicts only: evaluateQuantized is the full core's (QuantizedNetwork.evaluate).
  const needed: (keyof QuantExports)[] = ['forwardQuantized', 'packInt8Weights', 'packedInt8Bytes'];
  const missing = needed.filter((name) => typeof (rt.core as unknown as Record<string, unknown>)[name] !== 'function');
  if (missing.length) {
    throw new WasmMlpError('WASM_UNAVAILABLE', `the infer.wasm loaded has no int8 kernels (no export ${missing.join(', ')}); it is older than this package's JS`);
  }
  return rt;
}

