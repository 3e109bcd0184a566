// net.quantize(): a float Network to an int8 QuantizedNetwork (full entry only; the inference
// entry loads the result's file). Weights: symmetric int8, one scale per output unit (its
// largest |w| / 127). Activations: each layer's input gets one scale, its largest |value| over
// the calibration rows / 127 (or a percentile of |value| instead of the largest), measured on
// the float network's own activations.

import { checkKeys, checkNumber, invalidOption, type Matrix } from './config.js';
import { WasmMlpError } from './errors.js';
import { toMatrix } from './data.js';
import type { ModelSpec } from './engine.js';
import { MAX_QUANTIZED_INPUTS, decodeQuantized, type QuantizedLayer, type QuantizedModel } from './format.js';
import { applyNormalization } from './normalize.js';
import { QuantizedNetworkBase, type QuantExports, type QuantRuntime } from './quantized.js';
import { loadRuntime } from './wasm.js';
import type { Network, Weights } from './network.js';

export type { QuantizedEvaluation, QuantizedWeights } from './quantized.js';

/** Options of {@link Network.quantize}. */
export interface QuantizeOptions {
  /**
   * Inputs whose activations fix each layer's input scale: rows x inputSize, as predict
   * takes them (before normalization). A few hundred typical training rows are enough.
   * Required.
   */
  calibration: Matrix;
  /**
   * Each layer's input scale is this percentile of the |values| seen over the calibration rows,
   * divided by 127; values beyond it are clipped to +-127. A number in (0, 100].
   *
   * @defaultValue `100` (the largest |value|: nothing is clipped)
   */
  percentile?: number;
}

/** int8 W (N x K, row-major) and one scale per row: q = round(w / s), s = max |w| / 127. */
export function quantizeWeights(w: Float32Array, N: number, K: number): { weights: Int8Array; scales: Float32Array } {
  const weights = new Int8Array(N * K);
  const scales = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(w[n * K + k]));
    // A zero row keeps scale 1 (all its q are 0); a scale is always a normal float32.
    const s = m > 0 ? Math.max(Math.fround(m / 127), 2 ** -100) : 1;
    scales[n] = s;
    for (let k = 0; k < K; k++) {
      const r = w[n * K + k] / s;
      // Nearest, ties away from zero; the clamp only catches float rounding at +-127.
      weights[n * K + k] = Math.max(-127, Math.min(127, Math.sign(r) * Math.floor(Math.abs(r) + 0.5)));
    }
  }
  return { weights, scales };
}

/** The scale of a layer input: the percentile of |values| (100: the largest) / 127, never 0. */
export function activationScale(values: Float32Array, percentile: number): number {
  let m = 0;
  if (percentile >= 100) {
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  } else {
    const sorted = values.map(Math.abs).sort();
    m = sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)];
  }
  return m > 0 ? Math.max(Math.fround(m / 127), 2 ** -100) : 1;
}

/** The float network's input to each layer over the calibration rows: x itself, then each hidden layer's output. */
type LayerInputs = (l: number) => Promise<Float32Array>;

/** Checks quantize's options; returns the calibration rows. */
export function resolveQuantize(options: unknown, inputSize: number): { data: Float32Array; rows: number; percentile: number } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption('quantize: options', 'an object { calibration } (calibration: rows x inputSize inputs)', options);
  }
  const o = options as Record<string, unknown>;
  checkKeys('options', o, ['calibration', 'percentile']);
  if (o.calibration === undefined) {
    throw invalidOption('options.calibration', `the calibration inputs (rows x ${inputSize}, e.g. a few hundred training rows)`, undefined);
  }
  const percentile = o.percentile === undefined ? 100 : checkNumber('options.percentile', o.percentile, 0, 100, true);
  const { data, rows } = toMatrix(o.calibration, inputSize, 'options.calibration');
  return { data, rows, percentile };
}

/** The int8 model of a float network: its weights quantized, its layer inputs calibrated. */
export async function quantizeModel(
  spec: ModelSpec, w: Weights, extras: Pick<QuantizedModel, 'normalization' | 'metadata'>, inputs: LayerInputs, percentile: number,
): Promise<QuantizedModel> {
  let prev = spec.inputSize;
  const layers: QuantizedLayer[] = [];
  for (const [l, layer] of spec.layers.entries()) {
    if (prev > MAX_QUANTIZED_INPUTS) {
      throw new WasmMlpError('UNSUPPORTED_MODEL', `quantize: layers[${l}] has ${prev} inputs; an int8 layer takes at most ${MAX_QUANTIZED_INPUTS} (its int32 sums could overflow)`);
    }
    const { weights, scales } = quantizeWeights(w.weights[l], layer.units, prev);
    layers.push({ inputScale: activationScale(await inputs(l), percentile), weightScales: scales, weights, biases: w.biases[l].slice() });
    prev = layer.units;
  }
  return { spec, layers, normalization: extras.normalization, metadata: extras.metadata };
}

/** The full entry's core, checked for the int8 exports (a core built before them has none). */
async function quantRuntime(): Promise<QuantRuntime> {
  const rt = (await loadRuntime()) as unknown as QuantRuntime;
  const needed: (keyof QuantExports)[] = ['forwardQuantized', 'evaluateQuantized', 'packInt8Weights', 'packedInt8Bytes'];
  const missing = needed.filter((name) => typeof (rt.core as unknown as Record<string, unknown>)[name] !== 'function');
  if (missing.length) {
    throw new WasmMlpError('WASM_UNAVAILABLE', `the wasm core loaded has no int8 kernels (no export ${missing.join(', ')}); it is older than this package's JS`);
  }
  return rt;
}

/**
 * An int8 network: inference only. Made by {@link Network.quantize} or loaded from its saved
 * file (format version 3) with {@link QuantizedNetwork.load}; predicts, evaluates, saves. The
 * `wasm-mlp/infer` entry serves the same files with `InferenceNetwork.load` (predictions only,
 * which keeps that entry small).
 *
 * @example
 * ```ts
 * const q = await net.quantize({ calibration: xTrain.subarray(0, 500 * 784) });
 * console.log(q.evaluate(xTest, yTest).accuracy); // within a fraction of a point of net's
 * const bytes = q.save();                         // about a quarter of net.save()
 * const served = await QuantizedNetwork.load(bytes);
 * ```
 */
export class QuantizedNetwork extends QuantizedNetworkBase {
  /** @internal */
  static async fromModel(model: QuantizedModel): Promise<QuantizedNetwork> {
    return new QuantizedNetwork(await quantRuntime(), model);
  }

  /**
   * Loads a model saved by {@link QuantizedNetworkBase.save} (format version 3), bit for bit.
   *
   * @param bytes - The saved bytes (untrusted input: sizes, the CRC-32 and every value are checked).
   * @throws {@link WasmMlpError} (the promise rejects) `INVALID_MODEL` for a corrupt, truncated
   *   or malformed file; `UNSUPPORTED_MODEL` for a float model (load it with Network.load);
   *   `WASM_UNAVAILABLE`; `OUT_OF_MEMORY`.
   */
  static async load(bytes: Uint8Array | ArrayBuffer): Promise<QuantizedNetwork> {
    return QuantizedNetwork.fromModel(decodeQuantized(bytes, 'QuantizedNetwork.load'));
  }
}

/** Network.quantize's work, given the network's parts and a way to run its hidden layers. */
export async function quantizeNetwork(
  net: Network, options: unknown, extras: Pick<QuantizedModel, 'normalization' | 'metadata'>,
  prefix: (layers: number, x: Float32Array) => Promise<Float32Array>,
): Promise<QuantizedNetwork> {
  const { data, percentile } = resolveQuantize(options, net.inputSize);
  const x = extras.normalization ? applyNormalization(extras.normalization, data, net.inputSize) : data;
  const model = await quantizeModel(net.spec, net.getWeights(), extras, (l) => (l === 0 ? Promise.resolve(x) : prefix(l, x)), percentile);
  return QuantizedNetwork.fromModel(model);
}
