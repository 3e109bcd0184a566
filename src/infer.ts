// wasm-mlp/infer: what serving a trained model needs and nothing else. It loads a saved model
// (binary or JSON), predicts, and runs on its own small wasm build (build/infer.wasm: the
// forward path of the same AssemblyScript sources, no training kernels, no threads). It shares
// the loader (src/load.ts), the model-format reader (src/format.ts) and the memory plan
// (src/core-net.ts) with the full entry, so its predictions are the full package's bits.

import { Arena } from './arena.js';
import { CoreNetwork, type CoreRuntime, type ForwardCore } from './core-net.js';
import { toMatrix } from './data.js';
import { WasmMlpError, describe } from './errors.js';
import { decodeBinary, decodeJson, type ModelJson } from './format.js';
import { compileSource, instantiateCore, packageFile, type WasmSource } from './load.js';
import { applyNormalization, copyNormalization, type JsonValue, type Normalization } from './normalize.js';

export { WasmMlpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { WasmSource } from './load.js';
export type { ModelJson } from './format.js';
export type { Normalization, JsonValue } from './normalize.js';
export type { Matrix } from './config.js';
import type { Matrix } from './config.js';

const PAGE = 65536;
/** Regions start above the module's static data. */
const STATIC_BYTES = PAGE;
/** 1 MiB to start (a 784-128-10 model and 256 rows need ~1.4 MiB); the arena grows it. */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 65536;

let runtime: Promise<CoreRuntime> | null = null;

const defaultUrl = (): URL => packageFile(() => new URL('../build/infer.wasm', import.meta.url), 'infer.wasm');

/**
 * Loads the inference core once: from `source` (a precompiled WebAssembly.Module, as workerd
 * and Vercel's edge require, its bytes, a Response or a URL), or by default from build/ next to
 * this package. Calling it again returns the same instance; a failed load can be retried.
 */
export function init(source?: WasmSource): Promise<void> {
  if (!runtime) {
    runtime = Promise.resolve().then(async () => {
      const module = await compileSource(source ?? defaultUrl());
      const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
      const core = await instantiateCore<ForwardCore>(module, memory, ['forward', 'firstNonFinite'], 'infer.wasm');
      return { memory, core, arena: new Arena(memory, STATIC_BYTES, MAXIMUM_PAGES * PAGE) };
    });
    runtime.catch(() => {
      runtime = null;
    });
  }
  return runtime.then(() => {});
}

/** A loaded model: predictions only. */
export class InferenceNetwork {
  /** predictBatch's normalized copy of x, kept between calls so that it allocates once. */
  private scratch = new Float32Array(0);

  private constructor(
    private readonly core: CoreNetwork,
    private readonly norm: Normalization | null,
    private readonly meta: { [key: string]: JsonValue } | null,
  ) {}

  /**
   * Loads a model saved by `net.save()` (bytes) or `net.toJSON()` (the object or its JSON
   * text), calling init() first if it has not been called.
   */
  static async load(model: Uint8Array | ArrayBuffer | ModelJson | string): Promise<InferenceNetwork> {
    const bytes = model instanceof Uint8Array || Object.prototype.toString.call(model) === '[object ArrayBuffer]';
    const decoded = bytes ? decodeBinary(model) : decodeJson(model);
    await init();
    const rt = await runtime!;
    const core = new CoreNetwork(rt, decoded.spec, 1, false);
    core.writeParams(decoded.params);
    return new InferenceNetwork(core, decoded.normalization, decoded.metadata);
  }

  /** The model's input normalization (copies), or null; predict applies it. */
  get normalization(): Normalization | null {
    return copyNormalization(this.norm);
  }

  /** The model's metadata (a copy), or null. */
  get metadata(): { [key: string]: JsonValue } | null {
    return this.meta && (JSON.parse(JSON.stringify(this.meta)) as { [key: string]: JsonValue });
  }

  /** Features per sample. */
  get inputSize(): number {
    return this.core.spec.inputSize;
  }

  /** Outputs per sample. */
  get outputSize(): number {
    return this.core.spec.layers[this.core.spec.layers.length - 1].units;
  }

  /** Bytes of wasm memory this model holds now (parameters, their packed copies, the last batch's activations). */
  get memoryBytes(): number {
    return this.core.memoryBytes;
  }

  /** Outputs (samples x outputSize, row-major) for x: rows of inputSize numbers. */
  predict(x: Matrix): Float32Array {
    this.live();
    const { data, rows } = toMatrix(x, this.inputSize, 'x', false);
    const out = new Float32Array(rows * this.outputSize);
    this.core.predict(this.norm ? applyNormalization(this.norm, data, this.inputSize) : data, rows, out, 'x');
    return out;
  }

  /**
   * Predicts the rows of a flat `x` (rows x inputSize) into the caller's `out` (at least
   * rows x outputSize), allocating nothing in JS. Returns `out`.
   */
  predictBatch(x: Float32Array, out: Float32Array): Float32Array {
    this.live();
    if (!(x instanceof Float32Array)) throw new WasmMlpError('INVALID_DATA', `predictBatch: x: expected a Float32Array, got ${describe(x)}`);
    if (!(out instanceof Float32Array)) throw new WasmMlpError('INVALID_DATA', `predictBatch: out: expected a Float32Array, got ${describe(out)}`);
    if (x.length % this.inputSize !== 0) {
      throw new WasmMlpError('SHAPE_MISMATCH', `predictBatch: x: expected a multiple of inputSize ${this.inputSize} values, got ${x.length}`);
    }
    const rows = x.length / this.inputSize;
    if (out.length < rows * this.outputSize) {
      throw new WasmMlpError('SHAPE_MISMATCH', `predictBatch: out: expected at least ${rows * this.outputSize} values (${rows} rows x ${this.outputSize} outputs), got ${out.length}`);
    }
    let input = x;
    if (this.norm) {
      if (this.scratch.length < x.length) this.scratch = new Float32Array(x.length);
      input = applyNormalization(this.norm, x, this.inputSize, this.scratch.subarray(0, x.length));
    }
    this.core.predict(input, rows, out, 'x');
    return out;
  }

  /** Frees the model's wasm memory; the network cannot be used afterwards. */
  dispose(): void {
    this.core.dispose();
    this.disposed = true;
  }

  private disposed = false;
  private live(): void {
    if (this.disposed) throw new WasmMlpError('DISPOSED', 'this InferenceNetwork was disposed');
  }
}
