// The contract between class Network (validation, batching policy, formats) and a compute
// backend (wasm or pure JS). Backends receive only validated, packed Float32Array data.
//
// Parameter block layout, shared by parameters, gradients and optimizer state:
//   [ W_1 | W_2 | ... | W_L | b_1 | b_2 | ... | b_L ]
// W_l is row-major (units_l x units_{l-1}), "out x in" like torch.nn.Linear.weight; b_l has
// units_l entries. All weights come first so L2 weight decay is one loop over the first
// `weightCount` entries and the optimizer update is one flat pass.

import type { Activation, Loss, OptimizerKind } from './enums.js';
import type { Random } from './random.js';


/** A layer as the network holds it: {@link LayerOptions} with every default resolved. */
export interface LayerSpec {
  /** Outputs of the layer. */
  units: number;
  /** The activation (`'linear'` when none was given). */
  activation: Activation;
  /** Fraction of this layer's outputs dropped in training steps (inverted dropout); 0 = none. */
  dropout: number;
  /**
   * The activation's parameter: leaky-relu's slope for z <= 0 (0.01 unless given), elu's alpha
   * (1 unless given; DEFAULT_ALPHA in src/enums.ts); 0 for the activations without one.
   */
  alpha: number;
}

/** A network's architecture and loss, defaults resolved (see {@link Network.spec}). */
export interface ModelSpec {
  /** Features per input sample. */
  inputSize: number;
  /** Hidden and output layers, in order. */
  layers: LayerSpec[];
  /** The loss. */
  loss: Loss;
}

/** Optimizer hyper-parameters with every default resolved (torch.optim semantics). */
export interface OptimizerSpec {
  /** Which optimizer. */
  kind: OptimizerKind;
  /** The base learning rate (a schedule starts from it). */
  learningRate: number;
  /** sgd: momentum factor (0 = plain SGD). */
  momentum: number;
  /** sgd: Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
  /** adam: decay rate of the first-moment estimate. */
  beta1: number;
  /** adam: decay rate of the second-moment estimate. */
  beta2: number;
  /** rmsprop: smoothing constant (torch's alpha). */
  rho: number;
  /** Largest global L2 norm of the gradients (all parameters) before a step; 0 = no clipping. */
  clipNorm: number;
  /** adam / rmsprop: added after the square root. */
  epsilon: number;
  /** L2 penalty: adds weightDecay * W to the gradient of weights only (never biases). */
  weightDecay: number;
}

/** Offsets and sizes of each layer inside the parameter block. */
export interface ParamLayout {
  /** Total number of parameters. */
  count: number;
  /** Number of weight entries (W_1..W_L), the decayed prefix of the block. */
  weightCount: number;
  /** weightOffset[l], biasOffset[l]: start of W_l and b_l in the block (in floats). */
  weightOffset: number[];
  biasOffset: number[];
}

export function paramLayout(spec: ModelSpec): ParamLayout {
  const weightOffset: number[] = [];
  const biasOffset: number[] = [];
  let off = 0;
  let prev = spec.inputSize;
  for (const layer of spec.layers) {
    weightOffset.push(off);
    off += layer.units * prev;
    prev = layer.units;
  }
  const weightCount = off;
  for (const layer of spec.layers) {
    biasOffset.push(off);
    off += layer.units;
  }
  return { count: off, weightCount, weightOffset, biasOffset };
}

/**
 * Dropout p as both engines apply it: an output is kept when the top 24 bits of its draw
 * (next >>> 8) are >= threshold = ceil(p 2^24) (the same as u >= p for u = (next >>> 8) 2^-24,
 * made on integers so no float rounding of p can differ), and then scaled by f32(1 / (1 - p)).
 */
export function dropoutConstants(p: number): { threshold: number; scale: number } {
  return { threshold: Math.ceil(p * 2 ** 24), scale: Math.fround(1 / (1 - p)) };
}

/**
 * Accuracy rule, per sample (sum of these / samples = accuracy):
 * - categorical-cross-entropy (or several outputs under mse): 1 if argmax(a) == argmax(y)
 *   (first maximum wins on ties), else 0;
 * - binary-cross-entropy: the fraction of outputs k with (a_k >= 0.5) == (y_k >= 0.5);
 * - mse with one output: (a >= 0.5) == (y >= 0.5).
 */
export interface Engine {
  readonly spec: ModelSpec;
  readonly layout: ParamLayout;

  /** Copy the parameter block into `out` (length layout.count). */
  readParams(out: Float32Array): void;
  /** Copy `p` (length layout.count) into the parameter block. Optimizer state is untouched. */
  writeParams(p: Float32Array): void;

  /**
   * params[offset .. offset + count) = (2u - 1) * bound for uniforms u drawn from `random`,
   * exactly as Random.fillSymmetric (same stream, same bits, random advanced alike).
   */
  initSymmetric(random: Random, offset: number, count: number, bound: number): void;

  /** Install optimizer hyper-parameters and reset its state (moments, step count) to zero. */
  setOptimizer(opt: OptimizerSpec): void;

  /** out (m x outputs) = network(x), x is (m x inputSize) row-major. */
  /**
   * True if predict and evaluate test x for NaN/Infinity themselves (throwing nonFiniteError
   * with `name` before any result is returned), so the caller may skip its own test.
   */
  readonly checksInputs?: boolean;
  predict(x: Float32Array, m: number, out: Float32Array, name?: string): void;

  /**
   * Batch-averaged loss and summed per-sample accuracy (see the rule above) of x against
   * dense targets y (m x outputs). No parameter changes.
   */
  evaluate(x: Float32Array, y: Float32Array, m: number, name?: string): { loss: number; correct: number };

  /**
   * dC/dW and dC/db averaged over the m samples, written into `out` in the parameter-block
   * layout (no weight decay included). Returns the batch-averaged loss. No parameter changes.
   */
  gradients(x: Float32Array, y: Float32Array, m: number, out: Float32Array): number;

  /**
   * Copy a training set (x: n x inputSize, y: n x outputs dense) into the backend for fit.
   * `weights` (n entries, or null) scale each sample's loss term and output delta in training.
   * With `checkName` (only given to engines that check inputs), x has not been tested for
   * NaN/Infinity yet: the engine does it and throws INVALID_DATA naming `checkName`.
   */
  loadTrainingSet(x: Float32Array, y: Float32Array, n: number, checkName?: string, weights?: Float32Array | null): void;

  /**
   * Train on batches [firstBatch, firstBatch + count) of one epoch. Batch b holds the samples
   * order[b*batchSize .. min(n, (b+1)*batchSize)) of the loaded training set (the last batch
   * may be smaller). For each batch: forward, loss, backward, one optimizer step.
   * losses[b] receives the batch-averaged loss (before the step) and corrects[b] the summed
   * per-sample accuracy. If a batch's loss is not finite, stops before its update and returns
   * that batch's index; otherwise returns firstBatch + count.
   */
  trainBatches(
    order: Uint32Array,
    batchSize: number,
    firstBatch: number,
    count: number,
    losses: Float64Array,
    corrects: Float64Array,
    /** The network's stream: dropout masks are drawn from it, in order. */
    random: Random,
  ): number;

  /**
   * Whether trainEpochs can run whole epochs of the loaded set in one call (the wasm engine,
   * for a set copied into its memory); otherwise src/trainer.ts drives trainBatches.
   */
  readonly coversEpochs: boolean;

  /**
   * Train `epochs` whole epochs of the loaded training set without returning in between:
   * each epoch orders the samples 0..n-1, shuffled with `random` when `shuffle` is set
   * (advancing its stream exactly as Random.shuffle would), then trains every batch as
   * trainBatches does. losses[e] / corrects[e] receive each epoch's sample-weighted mean loss
   * and summed accuracy. Returns the epochs completed; if a batch's loss is not finite it
   * stops before that update and returns { done: e, failedBatch, failedLoss }.
   */
  trainEpochs?(
    random: Random,
    batchSize: number,
    epochs: number,
    shuffle: boolean,
    losses: Float64Array,
    corrects: Float64Array,
  ): EpochsResult;

  /** Sets the learning rate of later steps, keeping the optimizer's state (a schedule's step). */
  setLearningRate(lr: number): void;

  /** Threads the engine computes on, the calling one included. */
  readonly threads: number;

  /** Bytes of wasm memory the engine holds (0 for the JS engine: its arrays live in the JS heap). */
  readonly memoryBytes: number;

  /** Free the training set loaded by loadTrainingSet. */
  releaseTrainingSet(): void;

  /** Free everything; the engine must not be used afterwards. */
  dispose(): void;
}

/** What trainEpochs reports (see Engine.trainEpochs). */
export interface EpochsResult {
  done: number;
  failedBatch?: number;
  failedLoss?: number;
}
