// Option types, defaults and validation. Everything the user passes is checked here, before
// any memory is planned or any wasm runs; errors name the option, what was expected, what was
// given and the valid choices.

import { ACTIVATIONS, DEFAULT_ALPHA, LOSSES, OPTIMIZERS, type Activation, type Loss, type OptimizerKind } from './enums.js';
import type { LayerSpec, ModelSpec, OptimizerSpec } from './engine.js';
import { WasmMlpError, describe } from './errors.js';
import { resolveMetadata, resolveNormalization, type JsonValue, type Normalization, type NormalizationOptions } from './normalize.js';

export type Backend = 'wasm' | 'js';
export const BACKENDS = ['wasm', 'js'] as const;

export const INITIALIZERS = ['auto', 'he', 'he-normal', 'xavier', 'xavier-normal'] as const;
/**
 * Weight initialisation. 'he' = He/Kaiming uniform, bound sqrt(6 / fanIn); 'xavier' =
 * Glorot uniform, bound sqrt(6 / (fanIn + fanOut)); '-normal' variants draw N(0, 2/fanIn) and
 * N(0, 2/(fanIn+fanOut)). 'auto' (default): 'he' for relu-family layers, 'xavier' otherwise.
 * Biases start at 0.
 */
export type Initializer = (typeof INITIALIZERS)[number];

export interface LayerOptions {
  units: number;
  activation?: Activation;
  /**
   * The activation's parameter, on 'leaky-relu' and 'elu' layers only (PyTorch/ONNX
   * semantics): leaky-relu's slope for z <= 0, a = alpha z (default 0.01); elu's scale,
   * a = alpha (e^z - 1) for z <= 0 (default 1). A number >= 0 that is finite as a float32
   * (the wasm core computes with f32(alpha)); leaky-relu with 0 is relu. Saved in the model
   * formats (only when not the default), shown by summary() and exported to ONNX.
   */
  alpha?: number;
  /** Fraction in [0, 1) of this layer's outputs dropped in each training step (hidden layers only). Default 0. */
  dropout?: number;
}

export interface OptimizerOptions {
  kind: OptimizerKind;
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  rho?: number;
  epsilon?: number;
  weightDecay?: number;
  /**
   * Clip the gradients' global L2 norm (all parameters) to this value before each step, as
   * torch.nn.utils.clip_grad_norm_ does; weight decay is added after clipping. Default: off.
   */
  clipNorm?: number;
}

export interface NetworkOptions {
  /** Features per input sample. */
  inputSize: number;
  /** Hidden and output layers, in order. The last one is the output layer. */
  layers: LayerOptions[];
  /** Default: 'categorical-cross-entropy' for a softmax output, else 'mse'. */
  loss?: Loss;
  /** Default { kind: 'adam', learningRate: 0.001 }. */
  optimizer?: OptimizerOptions | OptimizerKind;
  /** Seed of the PRNG for initialisation and shuffling. Default 42. */
  seed?: number;
  /** Default 'wasm'. */
  backend?: Backend;
  /** Default 'auto'. */
  init?: Initializer;
  /**
   * Threads for training and inference (wasm backend), the calling one included. Default 1.
   * Big products and optimizer steps are split over the threads; results are the same bits
   * as on one thread. Needs SharedArrayBuffer (in browsers: a cross-origin isolated page);
   * without it the network runs on one thread after a one-line warning. 'auto': one per
   * core (navigator.hardwareConcurrency, os.availableParallelism()), at most 16. More
   * threads than cores slow training down (waiting threads spin).
   */
  threads?: number | 'auto';
  /**
   * Feature normalization stored with the model, as Keras's Normalization layer: each input
   * column becomes (x - mean) / std before the first layer, in predict, evaluate, fit and
   * gradients (a std of 0 divides by 1). One mean and one std (>= 0) per input column.
   * Default: none. `net.adapt(x)` computes both from data.
   */
  normalization?: NormalizationOptions;
  /**
   * Your own JSON data kept with the model by save, toJSON and their loaders (feature names,
   * class names, units, provenance...). A plain object of JSON values, at most 512 KiB as JSON.
   * Default: none.
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

export interface EpochStats {
  /** 0-based epoch index. */
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  samplesPerSecond: number;
  seconds: number;
  /** The learning rate this epoch trained with. */
  learningRate: number;
}

export interface BatchStats {
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Samples in this batch. */
  size: number;
  loss: number;
  accuracy?: number;
  samplesPerSecond: number;
}

/** Samples: a flat row-major Float32Array/Float64Array (rows x columns), rows as number[][], or, for one column, a flat number[]. */
export type Matrix = Float32Array | Float64Array | number[][] | number[];
export type Targets = Matrix | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | number[];

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32 (clamped to the number of samples). */
  batchSize?: number;
  /** Shuffle the sample order each epoch with the network's seeded PRNG. Default true. */
  shuffle?: boolean;
  /** Held-out data evaluated after each epoch. */
  validationData?: [Matrix, Targets];
  /** Fraction in (0, 1) of the samples, taken from the end before shuffling, held out. */
  validationSplit?: number;
  /** Return false to stop after this epoch. */
  onEpochEnd?: (stats: EpochStats) => void | boolean | Promise<void | boolean>;
  /** Return false to stop after this batch. Makes fit run one wasm call per batch. */
  onBatchEnd?: (stats: BatchStats) => void | boolean;
  /** Aborting stops training cleanly after the current batch (or epoch). */
  signal?: AbortSignal;
  /** Stop when the monitored value stops improving (Keras's EarlyStopping). */
  earlyStopping?: EarlyStoppingOptions;
  /** Learning rate per epoch (torch.optim.lr_scheduler semantics), stepped once per epoch. */
  schedule?: ScheduleOptions;
  /** Weight of each class's samples in the loss ({ [label]: weight }, Keras semantics). */
  classWeight?: Record<number, number>;
  /** Weight of each training sample in the loss (one per sample, Keras semantics). */
  sampleWeight?: ArrayLike<number>;
}

export type Monitor = 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
export const MONITORS: readonly Monitor[] = ['loss', 'valLoss', 'accuracy', 'valAccuracy'];

export interface EarlyStoppingOptions {
  /** Default 'valLoss' when validation data exist, else 'loss'. */
  monitor?: Monitor;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** End with the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

/**
 * A learning-rate schedule, as given to fit (defaults as torch's: step gamma 0.1, cosine
 * minLearningRate 0, plateau factor 0.1, patience 10, minLearningRate 0, monitor 'valLoss'
 * with validation data, else 'loss').
 */
export type ScheduleOptions =
  | { kind: 'step'; stepSize: number; gamma?: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; epochs: number; minLearningRate?: number }
  | { kind: 'plateau'; monitor?: Monitor; factor?: number; patience?: number; minLearningRate?: number }
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
