// Option types, defaults and validation. Everything the user passes is checked here, before
// any memory is planned or any wasm runs; errors name the option, what was expected, what was
// given and the valid choices.

import { ACTIVATIONS, DEFAULT_ALPHA, LOSSES, OPTIMIZERS, type Activation, type Loss, type OptimizerKind } from './enums.js';
import type { LayerSpec, ModelSpec, OptimizerSpec } from './engine.js';
import { WasmMlpError, describe } from './errors.js';
import { resolveMetadata, resolveNormalization, type JsonValue, type Normalization, type NormalizationOptions } from './normalize.js';

/**
 * The engine that computes a network: `'wasm'`, the WebAssembly SIMD core (fast; threads
 * available), or `'js'`, the pure-JavaScript backend (float64 arithmetic on float32 storage;
 * no wasm needed; one thread). Both give results within about 1e-6 relative of each other.
 */
export type Backend = 'wasm' | 'js';
export const BACKENDS = ['wasm', 'js'] as const;

export const INITIALIZERS = ['auto', 'he', 'he-normal', 'xavier', 'xavier-normal'] as const;
/**
 * How {@link Network.create} draws the initial weights, per layer (fanIn = the layer's
 * inputs, fanOut = its units), from the network's seeded PRNG; biases start at 0:
 *
 * - `'auto'` (the default): `'he'` for `'relu'`, `'leaky-relu'` and `'elu'` layers, `'xavier'` otherwise;
 * - `'he'`: He/Kaiming uniform, U(-b, b) with b = sqrt(6 / fanIn);
 * - `'xavier'`: Glorot uniform, b = sqrt(6 / (fanIn + fanOut));
 * - `'he-normal'`: N(0, 2 / fanIn);
 * - `'xavier-normal'`: N(0, 2 / (fanIn + fanOut)).
 *
 * The uniform kinds give the same bits in every JS engine; the normal ones use
 * `Math.log`/`Math.cos` and are reproducible within one engine.
 *
 * @useDeclaredType
 */
export type Initializer = (typeof INITIALIZERS)[number];

/** One dense layer of {@link NetworkOptions.layers}: `units` outputs, a = g(W a_prev + b). */
export interface LayerOptions {
  /** Outputs of this layer (neurons): an integer in [1, 2^20]. Required. */
  units: number;
  /**
   * The activation g. `'softmax'` only on the output layer, and only with 2 or more units.
   *
   * @defaultValue `'linear'`
   */
  activation?: Activation;
  /**
   * The activation's parameter, on `'leaky-relu'` and `'elu'` layers only (PyTorch/ONNX
   * semantics): leaky-relu's slope for z <= 0, a = alpha z (default 0.01); elu's scale,
   * a = alpha (e^z - 1) for z <= 0 (default 1). A number >= 0 that is finite as a float32
   * (the wasm core computes with f32(alpha)); leaky-relu with 0 is relu. On any other
   * activation it is an `INVALID_OPTION`. Saved in the model formats (only when not the
   * default), shown by {@link Network.summary} and exported to ONNX.
   *
   * @defaultValue `0.01` for `'leaky-relu'`, `1` for `'elu'`
   */
  alpha?: number;
  /**
   * Fraction in [0, 1) of this layer's outputs dropped in each training step (inverted
   * dropout: the kept ones are scaled by 1 / (1 - p)). Hidden layers only; never applied in
   * predict, evaluate or gradients. The masks come from the network's seeded PRNG.
   *
   * @defaultValue `0` (no dropout)
   */
  dropout?: number;
}

/**
 * An optimizer and its hyper-parameters, with `torch.optim` semantics and defaults. Each kind
 * takes `learningRate`, `weightDecay` and `clipNorm`, plus its own: `'sgd'` takes `momentum`
 * and `nesterov`, `'adam'` takes `beta1`, `beta2` and `epsilon`, `'rmsprop'` takes `rho` and
 * `epsilon`. An option of another kind is an `INVALID_OPTION`, not silently ignored.
 *
 * @example
 * ```ts
 * { kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }
 * { kind: 'adam', learningRate: 1e-3, weightDecay: 1e-4, clipNorm: 1 }
 * ```
 */
export interface OptimizerOptions {
  /** Which optimizer. Required (where a kind name alone is accepted, it means all defaults). */
  kind: OptimizerKind;
  /**
   * Step size: a finite number > 0. A {@link FitOptions.schedule} starts from it.
   *
   * @defaultValue `0.01` for `'sgd'`, `0.001` for `'adam'`, `0.01` for `'rmsprop'` (torch's defaults)
   */
  learningRate?: number;
  /**
   * `'sgd'` only: momentum factor in [0, 1); 0 is plain SGD. The first momentum step sets the
   * buffer to the gradient, as torch does.
   *
   * @defaultValue `0`
   */
  momentum?: number;
  /**
   * `'sgd'` only: Nesterov momentum. Needs `momentum` > 0.
   *
   * @defaultValue `false`
   */
  nesterov?: boolean;
  /**
   * `'adam'` only: decay rate of the first-moment (mean) estimate, in [0, 1).
   *
   * @defaultValue `0.9`
   */
  beta1?: number;
  /**
   * `'adam'` only: decay rate of the second-moment (uncentered variance) estimate, in [0, 1).
   *
   * @defaultValue `0.999`
   */
  beta2?: number;
  /**
   * `'rmsprop'` only: smoothing constant of the squared-gradient average, in [0, 1) (torch's
   * `alpha`).
   *
   * @defaultValue `0.99`
   */
  rho?: number;
  /**
   * `'adam'` and `'rmsprop'` only: added to the denominator after the square root, for
   * numerical stability. A finite number > 0.
   *
   * @defaultValue `1e-8`
   */
  epsilon?: number;
  /**
   * L2 penalty: adds `weightDecay * W` to the gradient of the weights (never the biases)
   * before each step, as torch's `weight_decay`. A finite number >= 0.
   *
   * @defaultValue `0` (no decay)
   */
  weightDecay?: number;
  /**
   * Clip the gradients' global L2 norm (all parameters) to this value before each step, as
   * torch.nn.utils.clip_grad_norm_ does (scaled by clipNorm / (norm + 1e-6) when the norm
   * exceeds it); weight decay is added after clipping. A finite number > 0.
   *
   * @defaultValue off (no clipping)
   */
  clipNorm?: number;
}

/**
 * What {@link Network.create} builds: the architecture, the loss, the optimizer and where it
 * runs. Every field is validated before anything is allocated; an unknown field is an
 * `INVALID_OPTION` that lists the valid ones.
 *
 * @example
 * ```ts
 * const options: NetworkOptions = {
 *   inputSize: 784,
 *   layers: [
 *     { units: 128, activation: 'relu', dropout: 0.2 },
 *     { units: 10, activation: 'softmax' },
 *   ],
 *   optimizer: { kind: 'adam', learningRate: 1e-3 },
 *   seed: 1,
 * };
 * ```
 */
export interface NetworkOptions {
  /** Features per input sample: an integer in [1, 2^20]. Required. */
  inputSize: number;
  /**
   * Hidden and output layers, in order; the last one is the output layer. 1 to 1024 layers,
   * at most 2^27 parameters in all (more is `OUT_OF_MEMORY`). Required.
   */
  layers: LayerOptions[];
  /**
   * The loss `fit`, `evaluate` and `gradients` compute. `'categorical-cross-entropy'` needs a
   * `'softmax'` output layer; `'binary-cross-entropy'` a `'sigmoid'` (or `'softmax'`) one.
   *
   * @defaultValue `'categorical-cross-entropy'` for a `'softmax'` output layer, else `'mse'`
   */
  loss?: Loss;
  /**
   * The optimizer `fit` steps with: its options, or just its kind (all its defaults).
   *
   * @defaultValue `{ kind: 'adam', learningRate: 0.001 }` (and Adam's other defaults)
   */
  optimizer?: OptimizerOptions | OptimizerKind;
  /**
   * Seed of the network's PRNG (xoshiro128**), which draws the initial weights, shuffles and
   * drops out: an integer in [0, 2^32 - 1]. The same seed and options give bit-identical
   * weights after training.
   *
   * @defaultValue `42`
   */
  seed?: number;
  /**
   * The engine that computes the network.
   *
   * @defaultValue `'wasm'`
   */
  backend?: Backend;
  /**
   * How the initial weights are drawn.
   *
   * @defaultValue `'auto'` (He uniform for relu-family layers, Xavier uniform otherwise)
   */
  init?: Initializer;
  /**
   * Threads for training and inference (wasm backend only), the calling one included: an
   * integer in [1, 16], or `'auto'` for one per core (navigator.hardwareConcurrency,
   * os.availableParallelism(), at most 16; 1 on the js backend). More than 1 with
   * `backend: 'js'` is an `INVALID_OPTION`. Big products and optimizer steps are split over
   * the threads; results are the same bits as on one thread. Needs SharedArrayBuffer (in
   * browsers: a cross-origin isolated page); without it the network runs on one thread after
   * a one-line warning. More threads than cores slow training down (waiting threads spin).
   *
   * @defaultValue `1`
   */
  threads?: number | 'auto';
  /**
   * Feature normalization stored with the model, as Keras's Normalization layer: each input
   * column becomes (x - mean) / std before the first layer, in predict, evaluate, fit and
   * gradients (a std of 0 divides by 1). One mean and one std (>= 0) per input column.
   * {@link Network.adapt} computes both from data.
   *
   * @defaultValue none (inputs go in as they are)
   */
  normalization?: NormalizationOptions;
  /**
   * Your own JSON data kept with the model by save, toJSON and their loaders (feature names,
   * class names, units, provenance...). A plain object of JSON values (finite numbers, no
   * cycles), at most 512 KiB (524,288 bytes) as UTF-8 JSON.
   *
   * @defaultValue none
   */
  metadata?: { [key: string]: JsonValue };
}

export interface ResolvedOptions {
  spec: ModelSpec;
  optimizer: OptimizerSpec;
  seed: number;
  backend: Backend;
  init: Initializer;
  threads: number;
  normalization: Normalization | null;
  metadata: { [key: string]: JsonValue } | null;
}

/** Largest layer width accepted; keeps a hostile or mistyped size from planning gigabytes. */
export const MAX_UNITS = 1 << 20;
/** Largest number of layers accepted. */
export const MAX_LAYERS = 1024;
/**
 * Largest parameter count: parameters, gradients and two optimizer states (16 bytes per
 * parameter) must fit in the 4 GiB of wasm32 memory with room for activations.
 */
export const MAX_PARAMETERS = 2 ** 27;

const DEFAULT_LEARNING_RATE: Record<OptimizerKind, number> = { sgd: 0.01, adam: 0.001, rmsprop: 0.01 };

export function invalidOption(name: string, expected: string, value: unknown): WasmMlpError {
  return new WasmMlpError('INVALID_OPTION', `${name}: expected ${expected}, got ${describe(value)}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw invalidOption(name, range, value);
  }
  return value;
}

export function checkNumber(name: string, value: unknown, min: number, max: number, minOpen = false, maxOpen = false): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minOpen ? value > min : value >= min) &&
    (maxOpen ? value < max : value <= max);
  if (!ok) {
    const lo = `${minOpen ? '(' : '['}${min}`;
    const hi = `${max}${maxOpen ? ')' : ']'}`;
    throw invalidOption(name, `a finite number in ${lo}, ${hi}`, value);
  }
  return value as number;
}

export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalidOption(name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

export function checkKeys(name: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new WasmMlpError(
        'INVALID_OPTION',
        `${name}: unknown option '${key}'; valid options are ${allowed.map((k) => `'${k}'`).join(', ')}`,
      );
    }
  }
}

export function resolveOptimizer(value: unknown, name = 'optimizer'): OptimizerSpec {
  const obj: Record<string, unknown> =
    value === undefined ? { kind: 'adam' } : typeof value === 'string' ? { kind: value } : (value as Record<string, unknown>);
  if (!isPlainObject(obj)) throw invalidOption(name, "an object like { kind: 'adam', learningRate: 0.001 } or a kind name", value);
  checkKeys(name, obj, ['kind', 'learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'rho', 'epsilon', 'weightDecay', 'clipNorm']);
  const kind = checkChoice(`${name}.kind`, obj.kind, OPTIMIZERS);
  const num = (key: string, dflt: number, min: number, max: number, minOpen: boolean, maxOpen: boolean): number =>
    obj[key] === undefined ? dflt : checkNumber(`${name}.${key}`, obj[key], min, max, minOpen, maxOpen);
  const spec: OptimizerSpec = {
    kind,
    learningRate: num('learningRate', DEFAULT_LEARNING_RATE[kind], 0, Infinity, true, true),
    momentum: num('momentum', 0, 0, 1, false, true),
    nesterov: false,
    beta1: num('beta1', 0.9, 0, 1, false, true),
    beta2: num('beta2', 0.999, 0, 1, false, true),
    rho: num('rho', 0.99, 0, 1, false, true),
    epsilon: num('epsilon', 1e-8, 0, Infinity, true, true),
    weightDecay: num('weightDecay', 0, 0, Infinity, false, true),
    clipNorm: num('clipNorm', 0, 0, Infinity, true, true),
  };
  if (obj.nesterov !== undefined) {
    if (typeof obj.nesterov !== 'boolean') throw invalidOption(`${name}.nesterov`, 'a boolean', obj.nesterov);
    spec.nesterov = obj.nesterov;
  }
  // Options that belong to another optimizer are a mistake worth reporting, not ignoring.
  const own: Record<OptimizerKind, string[]> = {
    sgd: ['momentum', 'nesterov'],
    adam: ['beta1', 'beta2', 'epsilon'],
    rmsprop: ['rho', 'epsilon'],
  };
  for (const key of ['momentum', 'nesterov', 'beta1', 'beta2', 'rho', 'epsilon']) {
    if (obj[key] !== undefined && !own[kind].includes(key)) {
      throw new WasmMlpError(
        'INVALID_OPTION',
        `${name}.${key}: not an option of '${kind}'; '${kind}' takes learningRate, weightDecay, ${own[kind].join(', ')}`,
      );
    }
  }
  if (spec.nesterov && spec.momentum === 0) {
    throw new WasmMlpError('INVALID_OPTION', `${name}.nesterov: Nesterov momentum needs momentum > 0, got momentum 0`);
  }
  return spec;
}

/** The options object that recreates `spec` (only the fields its kind takes). */
export function optimizerOptions(spec: OptimizerSpec): OptimizerOptions {
  const o: OptimizerOptions = { kind: spec.kind, learningRate: spec.learningRate, weightDecay: spec.weightDecay };
  if (spec.clipNorm > 0) o.clipNorm = spec.clipNorm;
  if (spec.kind === 'sgd') Object.assign(o, { momentum: spec.momentum, nesterov: spec.nesterov });
  if (spec.kind === 'adam') Object.assign(o, { beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon });
  if (spec.kind === 'rmsprop') Object.assign(o, { rho: spec.rho, epsilon: spec.epsilon });
  return o;
}

/**
 * The options that recreate each layer: dropout only where it is set, alpha only where it is
 * not the activation's default, so files of networks without them stay as they were.
 */
export function layerOptions(layers: readonly LayerSpec[]): LayerOptions[] {
  return layers.map((l) => {
    const o: LayerOptions = { units: l.units, activation: l.activation };
    if (l.alpha !== defaultAlpha(l.activation)) o.alpha = l.alpha;
    if (l.dropout > 0) o.dropout = l.dropout;
    return o;
  });
}

/** The alpha of an activation when none is given (0 for the activations that take none). */
export function defaultAlpha(activation: Activation): number {
  return DEFAULT_ALPHA[activation] ?? 0;
}

/** layers[i].alpha: allowed on the activations that take one; a number >= 0, finite as the float32 the core reads. */
function resolveAlpha(name: string, value: unknown, activation: Activation): number {
  if (value === undefined) return defaultAlpha(activation);
  if (DEFAULT_ALPHA[activation] === undefined) {
    const takers = (Object.keys(DEFAULT_ALPHA) as Activation[]).map((a) => `'${a}' (default ${DEFAULT_ALPHA[a]})`).join(' and ');
    throw new WasmMlpError('INVALID_OPTION', `${name}: '${activation}' takes no alpha; alpha is the parameter of ${takers} layers: remove it or change the activation`);
  }
  if (typeof value !== 'number' || !Number.isFinite(Math.fround(value)) || !(value >= 0)) {
    throw invalidOption(name, `a finite float32 number >= 0 for a '${activation}' layer`, value);
  }
  return value + 0; // -0 as 0
}

export function resolveModel(inputSize: unknown, layers: unknown, loss: unknown): ModelSpec {
  const nin = checkInteger('inputSize', inputSize, 1, MAX_UNITS);
  if (!Array.isArray(layers) || layers.length === 0) {
    throw invalidOption('layers', 'a non-empty array of { units, activation }', layers);
  }
  if (layers.length > MAX_LAYERS) throw invalidOption('layers', `at most ${MAX_LAYERS} layers`, layers);
  const specs: LayerSpec[] = layers.map((layer: unknown, i: number) => {
    const name = `layers[${i}]`;
    if (!isPlainObject(layer)) throw invalidOption(name, 'an object { units, activation }', layer);
    checkKeys(name, layer, ['units', 'activation', 'alpha', 'dropout']);
    const units = checkInteger(`${name}.units`, layer.units, 1, MAX_UNITS);
    const dropout = layer.dropout === undefined ? 0 : checkNumber(`${name}.dropout`, layer.dropout, 0, 1, false, true);
    if (dropout > 0 && i === layers.length - 1) {
      throw new WasmMlpError('INVALID_OPTION', `${name}.dropout: the output layer (layer ${i}) cannot drop its outputs; put dropout on a hidden layer`);
    }
    const activation =
      layer.activation === undefined ? 'linear' : checkChoice(`${name}.activation`, layer.activation, ACTIVATIONS);
    if (activation === 'softmax' && i !== layers.length - 1) {
      throw new WasmMlpError('INVALID_OPTION', `${name}.activation: 'softmax' is only allowed on the output layer (layer ${layers.length - 1})`);
    }
    if (activation === 'softmax' && units === 1) {
      throw new WasmMlpError(
        'INVALID_OPTION',
        `${name}.activation: a 'softmax' over 1 unit always outputs 1; for one output use 'sigmoid' (binary classification) or 'linear' (regression)`,
      );
    }
    const alpha = resolveAlpha(`${name}.alpha`, layer.alpha, activation);
    return { units, activation, dropout, alpha };
  });
  let count = 0;
  let prev = nin;
  for (const layer of specs) {
    count += (prev + 1) * layer.units;
    prev = layer.units;
  }
  if (count > MAX_PARAMETERS) {
    throw new WasmMlpError(
      'OUT_OF_MEMORY',
      `layers: the network would have ${count} parameters, needing ${count * 16} bytes for parameters, gradients and optimizer state; the maximum is ${MAX_PARAMETERS} parameters (${MAX_PARAMETERS * 16} bytes)`,
    );
  }
  const out = specs[specs.length - 1];
  const resolvedLoss: Loss =
    loss === undefined ? (out.activation === 'softmax' ? 'categorical-cross-entropy' : 'mse') : checkChoice('loss', loss, LOSSES);
  if (resolvedLoss === 'categorical-cross-entropy' && out.activation !== 'softmax') {
    throw new WasmMlpError(
      'INVALID_OPTION',
      `loss: 'categorical-cross-entropy' needs a 'softmax' output layer, got '${out.activation}' (use 'binary-cross-entropy' with 'sigmoid' or 'mse')`,
    );
  }
  if (resolvedLoss === 'binary-cross-entropy' && out.activation !== 'sigmoid' && out.activation !== 'softmax') {
    throw new WasmMlpError(
      'INVALID_OPTION',
      `loss: 'binary-cross-entropy' needs outputs in (0, 1): a 'sigmoid' (or 'softmax') output layer, got '${out.activation}'`,
    );
  }
  return { inputSize: nin, layers: specs, loss: resolvedLoss };
}

export function resolveOptions(options: unknown): ResolvedOptions {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object { inputSize, layers, ... }', options);
  checkKeys('options', options, ['inputSize', 'layers', 'loss', 'optimizer', 'seed', 'backend', 'init', 'threads', 'normalization', 'metadata']);
  const spec = resolveModel(options.inputSize, options.layers, options.loss);
  const normalization = options.normalization === undefined ? null : resolveNormalization(options.normalization, spec.inputSize, 'normalization');
  const metadata = options.metadata === undefined ? null : resolveMetadata(options.metadata, 'metadata');
  const optimizer = resolveOptimizer(options.optimizer);
  const seed = options.seed === undefined ? 42 : checkInteger('seed', options.seed, 0, 2 ** 32 - 1);
  const backend = options.backend === undefined ? 'wasm' : checkChoice('backend', options.backend, BACKENDS);
  const init = options.init === undefined ? 'auto' : checkChoice('init', options.init, INITIALIZERS);
  const threads = resolveThreads(options.threads, backend, 'threads');
  return { spec, optimizer, seed, backend, init, threads, normalization, metadata };
}

/** Most threads a network may ask for (the pool block has room for this many). */
export const MAX_THREADS = 16;

/** resolveThreads' answer for 'auto': as many threads as the machine has cores (see threads.ts). */
export const AUTO_THREADS = 0;

export function resolveThreads(value: unknown, backend: Backend, name: string): number {
  if (value === undefined) return 1;
  if (value === 'auto') return backend === 'wasm' ? AUTO_THREADS : 1;
  if (typeof value !== 'number') throw invalidOption(name, `an integer from 1 to ${MAX_THREADS} or 'auto'`, value);
  const threads = checkInteger(name, value, 1, MAX_THREADS);
  if (threads > 1 && backend !== 'wasm') {
    throw new WasmMlpError('INVALID_OPTION', `${name}: the '${backend}' backend runs on one thread; use backend 'wasm' for threads: ${threads}`);
  }
  return threads;
}

/** What {@link FitOptions.onEpochEnd} receives after each epoch. */
export interface EpochStats {
  /** 0-based epoch index. */
  epoch: number;
  /** The epoch's training loss: the sample-weighted mean of its batch losses, each measured before that batch's update. */
  loss: number;
  /** Training accuracy in [0, 1] over the epoch (the rule of {@link Evaluation.accuracy}); for the cross-entropy losses only. */
  accuracy?: number;
  /** Loss on the validation data after the epoch; only with validationData or validationSplit. */
  valLoss?: number;
  /** Accuracy on the validation data after the epoch; with validation data and a cross-entropy loss only. */
  valAccuracy?: number;
  /** Training speed of the epoch: samples trained per second of wall-clock time. */
  samplesPerSecond: number;
  /** Wall-clock seconds the epoch's training took (validation not included). */
  seconds: number;
  /** The learning rate this epoch trained with. */
  learningRate: number;
}

/** What {@link FitOptions.onBatchEnd} receives after each batch. */
export interface BatchStats {
  /** 0-based epoch index. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Samples in this batch (the last batch of an epoch may be smaller than batchSize). */
  size: number;
  /** The batch's loss (mean over its samples, sample-weighted), before its update. */
  loss: number;
  /** The batch's accuracy in [0, 1] (the rule of {@link Evaluation.accuracy}); for the cross-entropy losses only. */
  accuracy?: number;
  /** Samples per second of wall-clock time for this batch's step. */
  samplesPerSecond: number;
}

/**
 * Samples: a flat row-major Float32Array or Float64Array (rows x columns, its length a
 * positive multiple of the columns), rows as number[][] (or an array of Float32Array/
 * Float64Array rows), or, for one column, a flat number[]. Every value must be finite (and
 * finite as a float32), else `INVALID_DATA`; a wrong length is `SHAPE_MISMATCH`. Your arrays are
 * only read, never changed.
 */
export type Matrix = Float32Array | Float64Array | number[][] | number[];
/**
 * Targets for fit, evaluate and gradients: a {@link Matrix} of rows x outputs (one row per
 * input sample). A one-output network also takes one value per sample as a flat number[] or
 * any flat typed array. With `'categorical-cross-entropy'`, integer class labels in
 * [0, outputs - 1] are accepted too (an integer typed array, a flat number[], or a float
 * array of one whole number per sample) and read as one-hot rows.
 */
export type Targets = Matrix | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | number[];

/**
 * How {@link Network.fit} trains. Every field is optional; an unknown field is an
 * `INVALID_OPTION` that lists the valid ones.
 *
 * @example
 * ```ts
 * const options: FitOptions = {
 *   epochs: 20,
 *   batchSize: 64,
 *   validationSplit: 0.1,
 *   schedule: { kind: 'cosine', epochs: 20 },
 *   earlyStopping: { patience: 3, restoreBestWeights: true },
 *   onEpochEnd: ({ epoch, loss, valLoss }) => console.log(epoch, loss, valLoss),
 * };
 * ```
 */
export interface FitOptions {
  /**
   * Passes over the training set: an integer in [1, 10^9].
   *
   * @defaultValue `1`
   */
  epochs?: number;
  /**
   * Samples per optimizer step: an integer in [1, 2^24], clamped to the number of training
   * samples. The last batch of an epoch may be smaller.
   *
   * @defaultValue `32`
   */
  batchSize?: number;
  /**
   * Shuffle the sample order each epoch with the network's seeded PRNG (indices only: your
   * arrays are never reordered). Without it, every epoch takes the samples in order.
   *
   * @defaultValue `true`
   */
  shuffle?: boolean;
  /**
   * Held-out data `[x, y]`, evaluated after each epoch (into valLoss and valAccuracy). Not
   * together with validationSplit.
   *
   * @defaultValue none
   */
  validationData?: [Matrix, Targets];
  /**
   * Fraction in (0, 1) of the samples held out for validation: the last floor(n * fraction)
   * rows, taken before shuffling (as in Keras). Both parts need at least one sample. Not
   * together with validationData.
   *
   * @defaultValue `0` (no split)
   */
  validationSplit?: number;
  /**
   * Called after each epoch (and its validation), except an epoch the signal cut short or
   * ended. Return false (or a promise of false) to stop; fit awaits a returned promise. What
   * it throws, fit rethrows.
   *
   * @defaultValue none
   */
  onEpochEnd?: (stats: EpochStats) => void | boolean | Promise<void | boolean>;
  /**
   * Called after each batch, synchronously. Return false to stop after this batch. It makes
   * fit run one engine call per batch, which is slower for small batches.
   *
   * @defaultValue none
   */
  onBatchEnd?: (stats: BatchStats) => void | boolean;
  /**
   * An AbortSignal: aborting stops training cleanly after the current batch (with
   * onBatchEnd) or epoch, and fit resolves at once with stopReason `'aborted'` (it does not
   * reject): the epoch the signal cut short or ended gets no validation pass and no
   * onEpochEnd call (its training loss is in the history).
   *
   * @defaultValue none
   */
  signal?: AbortSignal;
  /**
   * Stop when the monitored value stops improving (Keras's EarlyStopping).
   *
   * @defaultValue none (train all epochs)
   */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Learning rate per epoch (torch.optim.lr_scheduler semantics), stepped once per epoch,
   * starting from the optimizer's learningRate; the network's rate is back to that after fit.
   *
   * @defaultValue none (the optimizer's learningRate throughout)
   */
  schedule?: ScheduleOptions;
  /**
   * Weight of each class's samples in the training loss, `{ [label]: weight }` with weights
   * finite and >= 0 (Keras semantics): a class not listed weighs 1. Needs one class per
   * sample: categorical cross-entropy (the label is the target's arg-max) or a one-output
   * network (class `y >= 0.5`); else `INVALID_OPTION`. Multiplies with sampleWeight. The
   * validation loss and evaluate stay unweighted.
   *
   * @defaultValue none (every class weighs 1)
   */
  classWeight?: Record<number, number>;
  /**
   * Weight of each sample in the training loss (Keras semantics): one finite weight >= 0 per
   * sample of x, validation-split rows included (and then ignored); a wrong length is
   * `SHAPE_MISMATCH`. Each sample's loss term and output error are multiplied by it; the batch
   * mean still divides by the batch size.
   *
   * @defaultValue none (every sample weighs 1)
   */
  sampleWeight?: ArrayLike<number>;
}

/**
 * A quantity recorded per epoch, for early stopping and the plateau schedule: losses are
 * minimised, accuracies maximised. The `val` ones need validation data; the accuracies need a
 * cross-entropy loss.
 */
export type Monitor = 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
export const MONITORS: readonly Monitor[] = ['loss', 'valLoss', 'accuracy', 'valAccuracy'];

/**
 * Keras's EarlyStopping: an epoch improves when its monitored value beats the best so far by
 * more than minDelta; training stops once `patience` epochs in a row have not improved (never
 * after the first epoch). {@link History.bestEpoch} tells the best epoch.
 */
export interface EarlyStoppingOptions {
  /**
   * The value watched.
   *
   * @defaultValue `'valLoss'` when validation data exist, else `'loss'`
   */
  monitor?: Monitor;
  /**
   * Epochs in a row without improvement before stopping: an integer >= 0.
   *
   * @defaultValue `0`
   */
  patience?: number;
  /**
   * Smallest change that counts as an improvement, in the monitored value's units: a finite
   * number >= 0 (with 0, an equal value is no improvement).
   *
   * @defaultValue `0`
   */
  minDelta?: number;
  /**
   * End with the weights of the best epoch (also when training ran to the end, as Keras 3
   * does).
   *
   * @defaultValue `false`
   */
  restoreBestWeights?: boolean;
}

/**
 * A learning-rate schedule for {@link FitOptions.schedule}, stepped once per epoch with
 * `torch.optim.lr_scheduler` semantics: epoch e (0-based) trains with the rate the scheduler
 * gives after e calls of `step()`, starting from the optimizer's learningRate (lr0). Defaults
 * are torch's. Each epoch's rate is in {@link History.learningRate}.
 */
export type ScheduleOptions =
  /** StepLR: the rate is multiplied by gamma every stepSize epochs. */
  | {
      /** Selects StepLR. */
      kind: 'step';
      /** Epochs between decays: an integer >= 1. Required. */
      stepSize: number;
      /**
       * Multiplier at each decay: a finite number > 0.
       *
       * @defaultValue `0.1`
       */
      gamma?: number;
    }
  /** ExponentialLR: the rate is multiplied by gamma every epoch. */
  | {
      /** Selects ExponentialLR. */
      kind: 'exponential';
      /** Multiplier per epoch: a finite number > 0. Required. */
      gamma: number;
    }
  /**
   * CosineAnnealingLR with T_max = epochs, torch's recursive form: from lr0 down to
   * minLearningRate over `epochs` epochs (past them it rises again).
   */
  | {
      /** Selects CosineAnnealingLR. */
      kind: 'cosine';
      /** Half-period T_max, in epochs: an integer >= 1. Required. */
      epochs: number;
      /**
       * The lowest rate (torch's eta_min): a finite number >= 0.
       *
       * @defaultValue `0`
       */
      minLearningRate?: number;
    }
  /**
   * ReduceLROnPlateau: the rate is multiplied by factor when the monitored value has not
   * improved (relative threshold 1e-4; min mode for losses, max for accuracies) for more than
   * `patience` epochs; cooldown 0.
   */
  | {
      /** Selects ReduceLROnPlateau. */
      kind: 'plateau';
      /**
       * The value watched.
       *
       * @defaultValue `'valLoss'` when validation data exist, else `'loss'`
       */
      monitor?: Monitor;
      /**
       * Multiplier when the value plateaus: a number in (0, 1).
       *
       * @defaultValue `0.1`
       */
      factor?: number;
      /**
       * Epochs without improvement tolerated before a reduction: an integer >= 0.
       *
       * @defaultValue `10`
       */
      patience?: number;
      /**
       * The rate is never reduced below this: a finite number >= 0.
       *
       * @defaultValue `0`
       */
      minLearningRate?: number;
    }
  /**
   * Your own schedule: called before each epoch with its 0-based index and the previous
   * epoch's rate (lr0 for epoch 0); returns the epoch's rate. A rate that is not a finite
   * number >= 0 stops fit with `INVALID_OPTION` naming the epoch, keeping the weights of the
   * last completed epoch.
   */
  | ((epoch: number, learningRate: number) => number);

/** A resolved learning-rate schedule: epoch e trains with the rate given after e steps. */
export type Schedule =
  | { kind: 'step'; stepSize: number; gamma: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; epochs: number; minLearningRate: number }
  | { kind: 'plateau'; monitor: Monitor; factor: number; patience: number; minLearningRate: number }
  | ((epoch: number, learningRate: number) => number);

export interface ResolvedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  validationData?: [Matrix, Targets];
  validationSplit: number;
  onEpochEnd?: FitOptions['onEpochEnd'];
  onBatchEnd?: FitOptions['onBatchEnd'];
  signal?: AbortSignal;
  earlyStopping?: { monitor: Monitor; patience: number; minDelta: number; restoreBestWeights: boolean };
  schedule?: Schedule;
  classWeight?: Record<number, number>;
  sampleWeight?: ArrayLike<number>;
}

const SCHEDULES = ['step', 'exponential', 'cosine', 'plateau'] as const;

/** Checks that a monitor names something this fit records. */
function checkMonitor(name: string, value: unknown, fallback: Monitor, validation: boolean, classification: boolean): Monitor {
  const monitor = value === undefined ? fallback : checkChoice(name, value, MONITORS);
  if (monitor.startsWith('val') && !validation) {
    throw new WasmMlpError('INVALID_OPTION', `${name}: '${monitor}' needs validationData or validationSplit in fitOptions`);
  }
  if (monitor.endsWith('ccuracy') && !classification) {
    throw new WasmMlpError('INVALID_OPTION', `${name}: '${monitor}' is recorded only for the cross-entropy losses; use 'loss' or 'valLoss'`);
  }
  return monitor;
}

function resolveSchedule(value: unknown, validation: boolean, classification: boolean): Schedule {
  const name = 'fitOptions.schedule';
  if (typeof value === 'function') return value as Schedule;
  if (!isPlainObject(value)) {
    throw invalidOption(name, `an object { kind: ${SCHEDULES.map((k) => `'${k}'`).join(' | ')}, ... } or a function (epoch, learningRate) => rate`, value);
  }
  const kind = checkChoice(`${name}.kind`, value.kind, SCHEDULES);
  const positive = (key: string, fallback?: number, max = Infinity): number =>
    value[key] === undefined && fallback !== undefined ? fallback : checkNumber(`${name}.${key}`, value[key], 0, max, true);
  switch (kind) {
    case 'step':
      checkKeys(name, value, ['kind', 'stepSize', 'gamma']);
      return { kind, stepSize: checkInteger(`${name}.stepSize`, value.stepSize, 1), gamma: positive('gamma', 0.1) };
    case 'exponential':
      checkKeys(name, value, ['kind', 'gamma']);
      return { kind, gamma: positive('gamma') };
    case 'cosine':
      checkKeys(name, value, ['kind', 'epochs', 'minLearningRate']);
      return {
        kind,
        epochs: checkInteger(`${name}.epochs`, value.epochs, 1),
        minLearningRate: value.minLearningRate === undefined ? 0 : checkNumber(`${name}.minLearningRate`, value.minLearningRate, 0, Infinity),
      };
    case 'plateau':
      checkKeys(name, value, ['kind', 'monitor', 'factor', 'patience', 'minLearningRate']);
      return {
        kind,
        monitor: checkMonitor(`${name}.monitor`, value.monitor, validation ? 'valLoss' : 'loss', validation, classification),
        factor: value.factor === undefined ? 0.1 : checkNumber(`${name}.factor`, value.factor, 0, 1, true, true),
        patience: value.patience === undefined ? 10 : checkInteger(`${name}.patience`, value.patience, 0),
        minLearningRate: value.minLearningRate === undefined ? 0 : checkNumber(`${name}.minLearningRate`, value.minLearningRate, 0, Infinity),
      };
  }
}

export function resolveFit(options: unknown, classification = true): ResolvedFit {
  const o = options === undefined ? {} : options;
  if (!isPlainObject(o)) throw invalidOption('fitOptions', 'an object { epochs, batchSize, ... }', options);
  checkKeys('fitOptions', o, ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'onEpochEnd', 'onBatchEnd', 'signal', 'earlyStopping', 'schedule', 'classWeight', 'sampleWeight']);
  const epochs = o.epochs === undefined ? 1 : checkInteger('fitOptions.epochs', o.epochs, 1, 1e9);
  const batchSize = o.batchSize === undefined ? 32 : checkInteger('fitOptions.batchSize', o.batchSize, 1, 1 << 24);
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean') throw invalidOption('fitOptions.shuffle', 'a boolean', o.shuffle);
  const validationSplit = o.validationSplit === undefined ? 0 : checkNumber('fitOptions.validationSplit', o.validationSplit, 0, 1, true, true);
  if (o.validationData !== undefined) {
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) {
      throw invalidOption('fitOptions.validationData', 'a pair [x, y]', o.validationData);
    }
    if (o.validationSplit !== undefined) {
      throw new WasmMlpError('INVALID_OPTION', 'fitOptions: give validationData or validationSplit, not both');
    }
  }
  for (const key of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') throw invalidOption(`fitOptions.${key}`, 'a function', o[key]);
  }
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean')) {
    throw invalidOption('fitOptions.signal', 'an AbortSignal', signal);
  }
  const validation = o.validationData !== undefined || validationSplit > 0;
  let earlyStopping: ResolvedFit['earlyStopping'];
  if (o.earlyStopping !== undefined) {
    const e = o.earlyStopping;
    if (!isPlainObject(e)) throw invalidOption('fitOptions.earlyStopping', 'an object { monitor, patience, minDelta, restoreBestWeights }', e);
    checkKeys('fitOptions.earlyStopping', e, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
    if (e.restoreBestWeights !== undefined && typeof e.restoreBestWeights !== 'boolean') {
      throw invalidOption('fitOptions.earlyStopping.restoreBestWeights', 'a boolean', e.restoreBestWeights);
    }
    earlyStopping = {
      monitor: checkMonitor('fitOptions.earlyStopping.monitor', e.monitor, validation ? 'valLoss' : 'loss', validation, classification),
      patience: e.patience === undefined ? 0 : checkInteger('fitOptions.earlyStopping.patience', e.patience, 0),
      minDelta: e.minDelta === undefined ? 0 : checkNumber('fitOptions.earlyStopping.minDelta', e.minDelta, 0, Infinity),
      restoreBestWeights: e.restoreBestWeights === true,
    };
  }
  const schedule = o.schedule === undefined ? undefined : resolveSchedule(o.schedule, validation, classification);
  if (o.classWeight !== undefined && !isPlainObject(o.classWeight)) {
    throw invalidOption('fitOptions.classWeight', 'an object { [label]: weight }', o.classWeight);
  }
  if (o.sampleWeight !== undefined && !(Array.isArray(o.sampleWeight) || ArrayBuffer.isView(o.sampleWeight))) {
    throw invalidOption('fitOptions.sampleWeight', 'an array or typed array with one weight per training sample', o.sampleWeight);
  }
  return {
    classWeight: o.classWeight as Record<number, number> | undefined,
    sampleWeight: o.sampleWeight as ArrayLike<number> | undefined,
    earlyStopping,
    schedule,
    epochs,
    batchSize,
    shuffle: o.shuffle === undefined ? true : (o.shuffle as boolean),
    validationData: o.validationData as [Matrix, Targets] | undefined,
    validationSplit,
    onEpochEnd: o.onEpochEnd as FitOptions['onEpochEnd'],
    onBatchEnd: o.onBatchEnd as FitOptions['onBatchEnd'],
    signal,
  };
}
