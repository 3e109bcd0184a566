// Messages between the page and a training worker (src/worker.ts). Each worker trains one
// network at a time; the main panel and each lane of the race have their own worker.
import type { Activation, Backend, OptimizerKind } from 'wasm-mlp';
import type { DatasetName } from './data.js';

export interface ModelChoice {
  /** Units of each hidden layer, in order (may be empty: a linear/softmax model). */
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerKind;
  learningRate: number;
  backend: Backend;
  seed: number;
}

export interface TrainRequest {
  type: 'train';
  dataset: DatasetName;
  /** The page's URL: data files are fetched relative to it. */
  base: string;
  model: ModelChoice;
  epochs: number;
  batchSize: number;
  /** Per-epoch test-set evaluation, the confusion matrix and a network kept for predictions (off in the race). */
  evaluate: boolean;
  /** A pause after each epoch, so that a fast run can be watched (0: none). */
  pauseMs: number;
  /**
   * One Int32 the page sets to 1 to cancel, read after every batch. A busy worker cannot
   * receive a message until fit yields (between epochs), so this is what makes Cancel prompt
   * inside a long epoch; only where SharedArrayBuffer exists (a cross-origin isolated page).
   */
  cancelFlag?: SharedArrayBuffer;
}

export type ToWorker =
  | TrainRequest
  | { type: 'cancel' }
  | { type: 'predict'; id: number; x: Float32Array }
  /** Class-1 probabilities on a size x size grid over [-range, range]^2 (the 2-D toys). */
  | { type: 'grid'; id: number; size: number; range: number };

export interface Progress {
  type: 'progress';
  /** Fractional epochs done, e.g. 1.5 half-way through the second epoch. */
  at: number;
  /** Mean loss and accuracy over the batches since the previous progress message. */
  loss: number;
  accuracy: number;
  /** Samples trained since fit started, and per second of wall time since then (slow motion's pauses left out). */
  samples: number;
  samplesPerSecond: number;
}

export interface EpochDone {
  type: 'epoch';
  epoch: number;
  loss: number;
  accuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  samplesPerSecond: number;
}

export interface TrainDone {
  type: 'done';
  stopReason: 'completed' | 'callback' | 'aborted' | 'early-stopping';
  epochs: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  testAccuracy?: number;
  testLoss?: number;
  /** confusion[actual][predicted], counts over the test set. */
  confusion?: number[][];
  parameters: number;
  /** Set by the page when the worker did not stop in time after Cancel and was replaced. */
  terminated?: boolean;
}

export type FromWorker =
  | { type: 'loaded'; train: number; test: number; inputSize: number }
  | Progress
  | EpochDone
  | TrainDone
  | { type: 'error'; message: string }
  | { type: 'prediction'; id: number; probabilities: Float32Array | null }
  | { type: 'grid'; id: number; size: number; values: Float32Array | null };
