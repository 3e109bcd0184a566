// Int8 inference, shared by both entries: a quantized model's regions in wasm memory (layout
// in src/quant-abi.ts), its forward pass and evaluation through assembly/quant.ts, and the
// QuantizedNetwork class. The model comes from net.quantize() (src/quantize.ts, full entry
// only) or from a version-3 file (src/format.ts). TS plans every region; the core gets the
// descriptor's address and row counts.

import * as q from './quant-abi.js';
import { activationCode, lossCode } from './enums.js';
import type { Arena } from './arena.js';
import type { Matrix, Targets } from './config.js';
import type { LayerSpec, ModelSpec } from './engine.js';
import { WasmMlpError } from './errors.js';
import { batchRows, nonFiniteError, toMatrix, toTargets } from './data.js';
import { encodeQuantized, type QuantizedLayer, type QuantizedModel } from './format.js';
import { Regions } from './regions.js';
import { NormalizeScratch, applyNormalization, copyMetadata, copyNormalization, type JsonValue, type Normalization } from './normalize.js';

export type { QuantizedLayer } from './format.js';

/** The core exports the int8 path needs (both wasm builds have them). */
export interface QuantExports {
  forwardQuantized(net: number, m: number): number;
  evaluateQuantized(net: number, m: number): number;
  packInt8Weights(bp: number, w: number, N: number, K: number): void;
  packedInt8Bytes(N: number, K: number): number;
  firstNonFinite(p: number, n: number): number;
}

/** A core instance with the int8 exports, its memory and the arena that plans it. */
export interface QuantRuntime {
  readonly memory: WebAssembly.Memory;
  readonly core: QuantExports;
  readonly arena: Arena;
}

/** Rows per core call, as the float path (src/core-net.ts CHUNK_ROWS). */
const CHUNK_ROWS = 256;
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
const pad2 = (n: number): number => n + (n & 1);

/** The scales and the exact arithmetic of one layer, as the core reads them. */
export function layerConstants(layer: QuantizedLayer): { inverse: number; scales: Float32Array } {
  // f32(1 / s_x) and f32(s_x s_w[n]), rounded once here; the f64 reference in the tests does
  // the same.
  return {
    inverse: Math.fround(1 / layer.inputScale),
    scales: layer.weightScales.map((s) => Math.fround(layer.inputScale * s)),
  };
}

/** A quantized model planned in one runtime's memory. */
export class QuantCore extends Regions<QuantRuntime> {
  private net = 0;
  private capacity = 0;
  private rowRegions: number[] = [];

  constructor(
    rt: QuantRuntime,
    readonly spec: ModelSpec,
    layers: QuantizedLayer[],
  ) {
    super(rt);
    try {
      this.plan(layers);
    } catch (e) {
      this.freeAll();
      throw e;
    }
  }

  private layerWord(l: number, i: number): number {
    return (this.net >>> 2) + q.QNET_HEADER_WORDS + l * q.QL_WORDS + i;
  }

  /** The descriptor, the packed weights and the per-unit constants; then rows for one chunk. */
  private plan(layers: QuantizedLayer[]): void {
    const { spec } = this;
    const L = spec.layers.length;
    this.net = this.alloc((q.QNET_HEADER_WORDS + L * q.QL_WORDS) * 4);
    let prev = spec.inputSize;
    // Every allocation before any view is taken (an allocation may grow the memory).
    const parts = spec.layers.map((layer) => {
      const N = layer.units;
      const part = {
        packed: this.alloc(this.rt.core.packedInt8Bytes(N, prev)),
        scale: this.alloc(pad8(N) * 4),
        bias: this.alloc(pad8(N) * 4),
        raw: this.alloc(N * prev),
      };
      prev = N;
      return part;
    });
    const { u32, f32 } = this.view();
    const base = this.net >>> 2;
    u32[base + q.QNET_LAYERS] = L;
    u32[base + q.QNET_INPUT] = spec.inputSize;
    u32[base + q.QNET_LOSS] = lossCode(spec.loss);
    prev = spec.inputSize;
    spec.layers.forEach((layer: LayerSpec, l) => {
      const N = layer.units;
      const { inverse, scales } = layerConstants(layers[l]);
      new Int8Array(this.rt.memory.buffer, parts[l].raw, N * prev).set(layers[l].weights);
      this.rt.core.packInt8Weights(parts[l].packed, parts[l].raw, N, prev);
      f32.fill(0, parts[l].scale >>> 2, (parts[l].scale >>> 2) + pad8(N));
      f32.set(scales, parts[l].scale >>> 2);
      f32.fill(0, parts[l].bias >>> 2, (parts[l].bias >>> 2) + pad8(N));
      f32.set(layers[l].biases, parts[l].bias >>> 2);
      const e = this.layerWord(l, 0);
      u32[e + q.QL_IN] = prev;
      u32[e + q.QL_OUT] = N;
      u32[e + q.QL_ACT] = activationCode(layer.activation);
      f32[e + q.QL_F_ALPHA] = layer.alpha;
      f32[e + q.QL_F_INV_SCALE] = inverse;
      u32[e + q.QL_KP] = pad2(prev);
      u32[e + q.QL_W] = parts[l].packed;
      u32[e + q.QL_SCALE] = parts[l].scale;
      u32[e + q.QL_BIAS] = parts[l].bias;
      prev = N;
    });
    // The unpacked copies were only the packer's input.
    for (const p of parts) this.freeRegion(p.raw);
  }

  /** (Re)plans the per-row regions for `rows` rows: X, Q, Y, then Z and A per layer (see below), the output's Delta. */
  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const { spec } = this;
    const L = spec.layers.length;
    const nout = spec.layers[L - 1].units;
    let kp = pad2(spec.inputSize);
    for (const layer of spec.layers) kp = Math.max(kp, pad2(layer.units));
    const bytes = [rows * spec.inputSize * 4, rows * kp * 2, rows * nout * 4];
    // A relu layer followed by another has no A: forwardQuantized quantizes its Z for the next
    // layer directly (quantizeReluRows).
    spec.layers.forEach((layer, l) => {
      const fused = l + 1 < L && layer.activation === 'relu';
      bytes.push(rows * layer.units * 4, fused ? 0 : rows * layer.units * 4);
    });
    bytes.push(rows * nout * 4);
    const fresh = this.replaceRegions(this.rowRegions, bytes);
    this.rowRegions = fresh;
    this.capacity = rows;
    const { u32 } = this.view();
    const base = this.net >>> 2;
    u32[base + q.QNET_CAPACITY] = rows;
    u32[base + q.QNET_X] = fresh[0];
    u32[base + q.QNET_Q] = fresh[1];
    u32[base + q.QNET_Y] = fresh[2];
    spec.layers.forEach((_, l) => {
      u32[this.layerWord(l, q.QL_Z)] = fresh[3 + 2 * l];
      u32[this.layerWord(l, q.QL_A)] = fresh[4 + 2 * l];
      u32[this.layerWord(l, q.QL_DELTA)] = l === L - 1 ? fresh[3 + 2 * L] : 0;
    });
  }


  private get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }

  /**
   * Copies rows [r, r + rows) of x into the input region. The core tests them as it quantizes
   * them: its pass returns 1 when they may hold a NaN or an infinity (checkRows confirms).
   */
  private loadRows(x: Float32Array, r: number, rows: number): void {
    const nin = this.spec.inputSize;
    const X = this.view().u32[(this.net >>> 2) + q.QNET_X];
    this.view().f32.set(x.subarray(r * nin, (r + rows) * nin), X >>> 2);
  }

  /** After the core flagged rows [r, r + rows) of x: throws for their first non-finite value, if any. */
  private checkRows(x: Float32Array, r: number, rows: number, name: string): void {
    const nin = this.spec.inputSize;
    const bad = this.rt.core.firstNonFinite(this.view().u32[(this.net >>> 2) + q.QNET_X], rows * nin);
    if (bad >= 0) throw nonFiniteError(name, x[r * nin + bad], r * nin + bad, nin);
  }

  /** Outputs of the m rows of x (m x inputSize) into out (m x outputs). */
  predict(x: Float32Array, m: number, out: Float32Array, name = 'x'): void {
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    const a = this.layerWord(this.spec.layers.length - 1, q.QL_A);
    // More than one chunk: every row is checked before any output is written, so a bad row
    // leaves the caller's `out` (predictBatch) as it was.
    if (m > this.capacity) {
      for (let r = 0; r < m; r += this.capacity) {
        const rows = Math.min(this.capacity, m - r);
        this.loadRows(x, r, rows);
        this.checkRows(x, r, rows, name);
      }
    }
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.loadRows(x, r, rows);
      if (this.rt.core.forwardQuantized(this.net, rows) !== 0) this.checkRows(x, r, rows, name); // not 0: also an older core's undefined
      const p = this.view().u32[a] >>> 2;
      out.set(this.view().f32.subarray(p, p + rows * nout), r * nout);
    }
  }

  /** The mean loss and the correct count over m rows (the float path's definitions). */
  evaluate(x: Float32Array, y: Float32Array, m: number, name = 'x'): { loss: number; correct: number } {
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.loadRows(x, r, rows);
      const { u32, f32 } = this.view();
      f32.set(y.subarray(r * nout, (r + rows) * nout), u32[(this.net >>> 2) + q.QNET_Y] >>> 2);
      if (this.rt.core.evaluateQuantized(this.net, rows) !== 0) this.checkRows(x, r, rows, name);
      const res = (this.net >>> 3) + q.QNET_RESULT / 2;
      loss += this.view().f64[res];
      correct += this.view().f64[res + 1];
    }
    return { loss: loss / m, correct };
  }

}

/** What {@link QuantizedNetwork.evaluate} returns, as `Network.evaluate`. */
export interface QuantizedEvaluation {
  /** The loss, averaged over the samples. */
  loss: number;
  /** Fraction of samples classified right, for the cross-entropy losses only. */
  accuracy?: number;
}

/** The int8 parameters of a {@link QuantizedNetwork}, one entry per layer (copies). */
export interface QuantizedWeights {
  /** weights[l]: units_l x units_{l-1} int8 values, row-major (out x in). */
  weights: Int8Array[];
  /** weightScales[l]: one float32 scale per unit of layer l. */
  weightScales: Float32Array[];
  /** biases[l]: units_l float32 biases. */
  biases: Float32Array[];
  /** inputScales[l]: the scale layer l's input is quantized with. */
  inputScales: Float32Array;
}

const registry =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<QuantCore>((core) => core.dispose()) : null;

/**
 * An int8 network: inference only. Made by `net.quantize({ calibration })` or loaded from its
 * saved file (format version 3) with {@link QuantizedNetwork.load}. It predicts, evaluates,
 * saves and is disposed like a Network; training methods throw. Weights are int8, symmetric,
 * one scale per output unit; each layer's input is quantized to int8 with one scale per layer,
 * fixed by the calibration data (its largest absolute value, or a percentile); the products
 * are summed exactly in int32 and dequantized to float32 before the bias and the activation.
 *
 * The full entry's `QuantizedNetwork` extends it; `wasm-mlp/infer` predicts the same files
 * through `InferenceNetwork` and the int8 core alone.
 */
export class QuantizedNetworkBase {
  private core: QuantCore | null;
  private readonly model: QuantizedModel;
  /** predictBatch's normalized copy of x, kept between calls so that it allocates once. */
  private readonly scratch = new NormalizeScratch();

  /** @internal */
  protected constructor(rt: QuantRuntime, model: QuantizedModel) {
    this.model = model;
    this.core = new QuantCore(rt, model.spec, model.layers);
    registry?.register(this, this.core, this);
  }

  /** Features per input sample. */
  get inputSize(): number {
    return this.model.spec.inputSize;
  }
  /** Outputs per sample. */
  get outputSize(): number {
    return this.model.spec.layers[this.model.spec.layers.length - 1].units;
  }
  /** The layers (units, activation, alpha), as the float network had them. */
  get layers(): readonly LayerSpec[] {
    return this.model.spec.layers;
  }
  /** The loss evaluate computes. */
  get loss(): ModelSpec['loss'] {
    return this.model.spec.loss;
  }
  /** The input normalization (copies), or null; predict and evaluate apply it. */
  get normalization(): Normalization | null {
    return copyNormalization(this.model.normalization);
  }
  /** The metadata (a copy), or null. */
  get metadata(): { [key: string]: JsonValue } | null {
    return copyMetadata(this.model.metadata);
  }
  /** Whether {@link QuantizedNetworkBase.dispose} has been called. */
  get disposed(): boolean {
    return this.core === null;
  }
  /**
   * Bytes of wasm memory the model holds now (the int8 weights, held sign-extended to 16 bits
   * for the kernels; per-unit constants; the last batch's activations).
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  get memoryBytes(): number {
    return this.live().memoryBytes;
  }

  private live(): QuantCore {
    if (!this.core) throw new WasmMlpError('DISPOSED', 'this QuantizedNetwork was disposed; quantize or load a new one');
    return this.core;
  }

  private normalized(data: Float32Array, out?: Float32Array): Float32Array {
    const n = this.model.normalization;
    return n ? applyNormalization(n, data, this.inputSize, out) : data;
  }

  /**
   * Runs the int8 network forward, after the input normalization if there is one.
   *
   * @param x - Inputs, samples x inputSize.
   * @returns A new Float32Array of samples x outputSize outputs, row-major.
   * @throws {@link WasmMlpError} `INVALID_DATA` or `SHAPE_MISMATCH` for bad x; `DISPOSED`;
   *   `OUT_OF_MEMORY`.
   */
  predict(x: Matrix): Float32Array {
    const core = this.live();
    const { data, rows } = toMatrix(x, this.inputSize, 'x', false);
    const out = new Float32Array(rows * this.outputSize);
    core.predict(this.normalized(data), rows, out, 'x');
    return out;
  }

  /**
   * Predicts the rows of a flat `x` (rows x inputSize) into the caller's `out`, allocating
   * nothing in JS after the first call; as `InferenceNetwork.predictBatch`.
   *
   * @param x - Inputs, row-major, a multiple of inputSize values.
   * @param out - Receives rows x outputSize outputs from index 0.
   * @returns `out`.
   * @throws {@link WasmMlpError} `INVALID_DATA`, `SHAPE_MISMATCH`, `DISPOSED`, `OUT_OF_MEMORY`.
   */
  predictBatch(x: Float32Array, out: Float32Array): Float32Array {
    const core = this.live();
    const rows = batchRows(x, out, this.inputSize, this.outputSize);
    const n = this.model.normalization;
    const input = n ? this.scratch.apply(n, x, this.inputSize) : x;
    core.predict(input, rows, out, 'x');
    return out;
  }

  /**
   * The loss (mean over the samples) and, for the cross-entropy losses, the accuracy, with the
   * definitions of `Network.evaluate`.
   *
   * @param x - Inputs, samples x inputSize.
   * @param y - Targets, one row (or class label) per sample.
   * @throws {@link WasmMlpError} `INVALID_DATA` or `SHAPE_MISMATCH` for bad x or y; `DISPOSED`;
   *   `OUT_OF_MEMORY`.
   */
  evaluate(x: Matrix, y: Targets): QuantizedEvaluation {
    const core = this.live();
    const { data, rows } = toMatrix(x, this.inputSize, 'x', false);
    const targets = toTargets(y, rows, this.outputSize, this.loss === 'categorical-cross-entropy', 'y');
    const r = core.evaluate(this.normalized(data), targets, rows, 'x');
    return this.loss === 'mse' ? { loss: r.loss } : { loss: r.loss, accuracy: r.correct / rows };
  }

  /**
   * The int8 parameters (copies): weights, per-unit weight scales, biases and the per-layer
   * input scales, for inspection or export.
   */
  getQuantizedWeights(): QuantizedWeights {
    const layers = this.model.layers;
    return {
      weights: layers.map((l) => l.weights.slice()),
      weightScales: layers.map((l) => l.weightScales.slice()),
      biases: layers.map((l) => l.biases.slice()),
      inputScales: Float32Array.from(layers, (l) => l.inputScale),
    };
  }

  /**
   * The model as a binary file, format version 3: the frame of `Network.save` (magic "WMLP",
   * JSON header with the architecture, loss, normalization and metadata, CRC-32) around int8
   * weight blocks with float32 per-unit scales and biases: about a quarter of the float file.
   * Read it back with QuantizedNetwork.load or `InferenceNetwork.load`.
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  save(): Uint8Array {
    this.live();
    return encodeQuantized(this.model);
  }

  /**
   * Frees the model's wasm memory; later calls that need it throw `DISPOSED`. Calling it again
   * does nothing.
   */
  dispose(): void {
    if (!this.core) return;
    registry?.unregister(this);
    this.core.dispose();
    this.core = null;
  }

  /** Always throws: an int8 network is inference only. Train the float `Network`, then quantize it again. */
  fit(..._args: unknown[]): never {
    throw inferenceOnly('fit');
  }
  /** Always throws: an int8 network has no gradients. */
  gradients(..._args: unknown[]): never {
    throw inferenceOnly('gradients');
  }
  /** Always throws: an int8 network has no gradients to check. */
  checkGradients(..._args: unknown[]): never {
    throw inferenceOnly('checkGradients');
  }
  /** Always throws: an int8 network's weights are fixed; set the float network's and quantize again. */
  setWeights(..._args: unknown[]): never {
    throw inferenceOnly('setWeights');
  }
  /** Always throws: the normalization is part of the quantized model; adapt the float network and quantize again. */
  adapt(..._args: unknown[]): never {
    throw inferenceOnly('adapt');
  }
  /** Always throws: an int8 network is quantized already. */
  quantize(..._args: unknown[]): never {
    throw inferenceOnly('quantize');
  }
}

function inferenceOnly(method: string): WasmMlpError {
  return new WasmMlpError(
    'INFERENCE_ONLY',
    `${method}: a QuantizedNetwork is inference only (int8 weights, fixed by quantize); call ${method} on the float Network, then quantize it again`,
  );
}

/** Checks that a model can be quantized: every layer's inputs within the int32 bound. */
export { MAX_QUANTIZED_INPUTS } from './format.js';
