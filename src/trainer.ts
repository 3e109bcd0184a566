// The one road through training. Every `fit` (no callbacks or with them, with validation, a
// signal, early stopping or a schedule, a set copied into the core or streamed from the
// caller's arrays, either backend) runs the epoch loop below. What differs between those
// cases is only how much one engine call covers: a run of whole epochs in the core when
// nothing needs to hear from training between epochs, one epoch of batches otherwise, one
// batch when `onBatchEnd` listens. This module also owns yielding to the event loop, the
// parameter snapshot and the recovery after a diverged loss or a failed worker thread.

import type { BatchStats, EpochStats, ResolvedFit, Schedule } from './config.js';
import type { Engine } from './engine.js';
import { WasmMlpError, describe } from './errors.js';
import type { Random } from './random.js';

/**
 * What {@link Network.fit} resolves to: one entry per completed epoch in each array, and why
 * training stopped.
 */
export interface History {
  /** Per completed epoch: the sample-weighted mean of its batch losses (each before its step). */
  loss: number[];
  /** Per epoch, the training accuracy in [0, 1] (rule of {@link Evaluation.accuracy}); for the cross-entropy losses only. */
  accuracy?: number[];
  /** Per epoch, the validation loss after the epoch; only with validationData or validationSplit. */
  valLoss?: number[];
  /** Per epoch, the validation accuracy after the epoch; with validation data and a cross-entropy loss only. */
  valAccuracy?: number[];
  /** Per epoch, training samples per second of wall-clock time (epochs trained in one engine call share one figure). */
  samplesPerSecond: number[];
  /** The learning rate each epoch trained with (the schedule's, or the optimizer's). */
  learningRate: number[];
  /** With earlyStopping: the 0-based epoch whose monitored value was best. */
  bestEpoch?: number;
  /** Why fit returned: all epochs done, a callback returned false, the signal aborted, or early stopping. */
  stopReason: 'completed' | 'callback' | 'aborted' | 'early-stopping';
}

/** A training set as the engine has it loaded (rows of x and dense targets y). */
export interface TrainData {
  n: number;
  val: { x: Float32Array; y: Float32Array; rows: number } | null;
}

/** Scratch the network keeps between fits (a tiny network's fit is microseconds of work). */
export interface Scratch {
  snapshot: Float32Array | null;
  epochs: Float64Array | null;
}

/** Longest stretch fit runs without yielding to the event loop (so signals and UIs get a turn). */
const YIELD_MS = 20;
/** Largest scratch array (elements) fit keeps for the next call; bigger ones go with the call. */
const KEEP_SCRATCH = 1 << 18;
/** Largest parameter snapshot (floats, 16 MB) fit keeps for the next call (bench/RESULTS.md:
 * refilling a kept one costs far less than a fresh one's allocation and page faults). */
const KEEP_SNAPSHOT = 1 << 22;
/** Most epochs one core call covers. */
const MAX_CHUNK = 1 << 16;

/**
 * One turn of the event loop (timers, I/O, an AbortSignal's listeners) without setTimeout's
 * clamp: setTimeout(0) waits >= 1 ms in Node and 4 ms in browsers once nested, which cost
 * fit 5-20% when it yields every 20 ms. setImmediate in Node and Bun, else a MessageChannel.
 */
const yieldToEventLoop: () => Promise<void> = (() => {
  const g = globalThis as unknown as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return () => new Promise<void>((resolve) => void setImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    let channel: MessageChannel | null = null;
    const waiting: (() => void)[] = [];
    return () =>
      new Promise<void>((resolve) => {
        if (!channel) {
          channel = new MessageChannel();
          channel.port1.onmessage = () => waiting.shift()?.();
        }
        waiting.push(resolve);
        channel.port2.postMessage(0);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
})();

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}


/** Epochs [first, first + done) trained by one engine call, and how it ended. */
interface Run {
  done: number;
  /** Samples seen in each of those epochs (an epoch stopped by onBatchEnd sees fewer); a number when all saw it. */
  seen: number[] | number;
  failedBatch?: number;
  failedLoss?: number;
  /** onBatchEnd returned false or the signal aborted inside the last epoch. */
  stop?: 'callback' | 'aborted';
}

/**
 * Learning rates per epoch, with torch.optim.lr_scheduler's semantics: epoch e trains with the
 * rate the scheduler gives after e calls of step(). `next(e, metric)` returns epoch e's rate;
 * `metric` is the monitored value of epoch e - 1 (plateau only).
 */
export class Rates {
  private lr: number;
  // ReduceLROnPlateau's state (torch defaults: threshold 1e-4 relative, cooldown 0, eps 1e-8).
  private best = NaN;
  private bad = 0;

  constructor(
    private readonly base: number,
    private readonly schedule: Schedule | undefined,
  ) {
    this.lr = base;
  }

  get constant(): boolean {
    return this.schedule === undefined;
  }

  next(epoch: number, metric: number | undefined): number {
    const s = this.schedule;
    if (!s || epoch === 0) {
      if (typeof s === 'function') this.lr = this.checked(s(0, this.base), 0);
      return this.lr;
    }
    if (typeof s === 'function') {
      this.lr = this.checked(s(epoch, this.lr), epoch);
    } else if (s.kind === 'step') {
      if (epoch % s.stepSize === 0) this.lr *= s.gamma;
    } else if (s.kind === 'exponential') {
      this.lr *= s.gamma;
    } else if (s.kind === 'cosine') {
      // CosineAnnealingLR.get_lr, the recursive form torch uses (T = epochs, eta = minLearningRate).
      const T = s.epochs;
      const eta = s.minLearningRate;
      if ((epoch - 1 - T) % (2 * T) === 0) this.lr = this.lr + ((this.base - eta) * (1 - Math.cos(Math.PI / T))) / 2;
      else this.lr = ((1 + Math.cos((Math.PI * epoch) / T)) / (1 + Math.cos((Math.PI * (epoch - 1)) / T))) * (this.lr - eta) + eta;
    } else {
      // ReduceLROnPlateau.step(metric): mode from the monitor (min for losses, max for accuracies).
      const max = s.monitor === 'accuracy' || s.monitor === 'valAccuracy';
      const m = metric!;
      const better = Number.isNaN(this.best) || (max ? m > this.best * (1 + 1e-4) : m < this.best * (1 - 1e-4));
      if (better) {
        this.best = m;
        this.bad = 0;
      } else this.bad++;
      if (this.bad > s.patience) {
        const reduced = Math.max(this.lr * s.factor, s.minLearningRate);
        if (this.lr - reduced > 1e-8) this.lr = reduced;
        this.bad = 0;
      }
    }
    return this.lr;
  }

  private checked(lr: unknown, epoch: number): number {
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new WasmMlpError(
        'INVALID_OPTION',
        `fitOptions.schedule: the function returned ${describe(lr)} for epoch ${epoch}; expected a finite learning rate >= 0. Training stopped with the weights of the last completed epoch`,
      );
    }
    return lr;
  }
}

/** Keras's EarlyStopping: improvement by more than minDelta, patience epochs without one. */
class Stopper {
  best: number;
  bestEpoch = -1;
  private wait = 0;
  private readonly max: boolean;

  constructor(
    readonly monitor: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy',
    private readonly patience: number,
    private readonly minDelta: number,
  ) {
    this.max = monitor === 'accuracy' || monitor === 'valAccuracy';
    this.best = this.max ? -Infinity : Infinity;
  }

  /** Records epoch `epoch`'s value; returns whether it improved and whether to stop. */
  step(epoch: number, value: number): { improved: boolean; stop: boolean } {
    this.wait++;
    const improved = this.max ? value - this.minDelta > this.best : value + this.minDelta < this.best;
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
    }
    return { improved, stop: !improved && this.wait >= this.patience && epoch > 0 };
  }
}

/**
 * Trains `engine` on its loaded set (n rows) for o.epochs epochs. `classification` says whether
 * accuracies are reported; `random` drives shuffling.
 */
export async function train(
  engine: Engine, random: Random, data: TrainData, o: ResolvedFit, classification: boolean, scratch: Scratch, baseRate: number,
): Promise<History> {
  const { n, val } = data;
  const count = engine.layout.count;
  const batchSize = Math.min(o.batchSize, n);
  const batches = Math.ceil(n / batchSize);
  const rates = new Rates(baseRate, o.schedule);
  const stopper = o.earlyStopping ? new Stopper(o.earlyStopping.monitor, o.earlyStopping.patience, o.earlyStopping.minDelta) : null;
  const best = o.earlyStopping?.restoreBestWeights ? new Float32Array(count) : null;
  const plateau = typeof o.schedule === 'object' && o.schedule.kind === 'plateau' ? o.schedule.monitor : null;
  // Anything that must hear from training between epochs makes each engine call one epoch.
  const perEpoch = !!(o.onBatchEnd || o.onEpochEnd || val || o.signal || stopper || !rates.constant);
  const inCore = !!engine.trainEpochs && engine.coversEpochs && !o.onBatchEnd;

  // Full length up front when every epoch will run (no early stop possible), trimmed if not.
  const sized = !perEpoch && o.epochs <= MAX_CHUNK ? o.epochs : 0;
  const history: History = { loss: new Array(sized), samplesPerSecond: new Array(sized), learningRate: new Array(sized), stopReason: 'completed' };
  if (classification) history.accuracy = new Array(sized);
  if (val) {
    history.valLoss = [];
    if (classification) history.valAccuracy = [];
  }

  const snapshot = scratch.snapshot && scratch.snapshot.length === count ? scratch.snapshot : new Float32Array(count);
  scratch.snapshot = count <= KEEP_SNAPSHOT ? snapshot : null;
  const slots = Math.min(o.epochs, MAX_CHUNK);
  let epochScratch = scratch.epochs;
  if (!epochScratch || epochScratch.length < 2 * slots) epochScratch = new Float64Array(2 * slots);
  scratch.epochs = epochScratch.length <= KEEP_SCRATCH ? epochScratch : null;
  const epochLosses = epochScratch.subarray(0, slots);
  const epochCorrects = epochScratch.subarray(slots, 2 * slots);
  // The batch road's arrays: the sample order and per-batch results of one epoch.
  const order = new Uint32Array(inCore ? 0 : n);
  const losses = new Float64Array(inCore ? 0 : batches);
  const corrects = new Float64Array(inCore ? 0 : batches);

  /** `epochs` epochs through trainBatches: the order shuffled here, the batches in one call (or one by one for onBatchEnd). */
  const byBatches = (first: number, epochs: number): Run => {
    const seen: number[] = [];
    for (let e = 0; e < epochs; e++) {
      for (let i = 0; i < n; i++) order[i] = i;
      if (o.shuffle) random.shuffle(order);
      let done = batches;
      let stop: Run['stop'];
      if (o.onBatchEnd) {
        for (let b = 0; b < batches; b++) {
          const tb = now();
          const end = engine.trainBatches(order, batchSize, b, 1, losses, corrects, random);
          if (end !== b + 1) return { done: e, seen, failedBatch: b, failedLoss: losses[b] };
          const size = Math.min(batchSize, n - b * batchSize);
          const stats: BatchStats = { epoch: first + e, batch: b, size, loss: losses[b], samplesPerSecond: size / Math.max((now() - tb) / 1000, 1e-9) };
          if (classification) stats.accuracy = corrects[b] / size;
          const r = o.onBatchEnd(stats);
          if (r === false || o.signal?.aborted) {
            stop = r === false ? 'callback' : 'aborted';
            done = b + 1;
            break;
          }
        }
      } else {
        const end = engine.trainBatches(order, batchSize, 0, batches, losses, corrects, random);
        if (end !== batches) return { done: e, seen, failedBatch: end, failedLoss: losses[end] };
      }
      let lossSum = 0;
      let correctSum = 0;
      let count = 0;
      for (let b = 0; b < done; b++) {
        const size = Math.min(batchSize, n - b * batchSize);
        lossSum += losses[b] * size;
        correctSum += corrects[b];
        count += size;
      }
      epochLosses[e] = lossSum / count;
      epochCorrects[e] = correctSum;
      seen.push(count);
      if (stop) return { done: e + 1, seen, stop };
    }
    return { done: epochs, seen };
  };

  // The first chunk of epochs per core call from a cost bound (later ones from the measured
  // rate): a step costs under STEP_NS plus PARAM_NS per parameter and sample on either engine,
  // even before the JIT has optimised anything, so the first call stays under YIELD_MS and a
  // tiny network runs all its epochs in one call (XOR, 256 epochs of one step: one call).
  const STEP_NS = 10_000;
  const PARAM_NS = 50;
  let chunk = perEpoch ? 1 : Math.max(1, Math.min(MAX_CHUNK, Math.floor((YIELD_MS * 1e6) / (batches * STEP_NS + n * count * PARAM_NS))));
  let lastYield = now();
  let monitored: number | undefined;
  try {
    for (let epoch = 0; epoch < o.epochs; ) {
      if (o.signal?.aborted) {
        history.stopReason = 'aborted';
        break;
      }
      const lr = rates.next(epoch, monitored);
      if (!rates.constant) engine.setLearningRate(lr);
      const want = Math.min(chunk, o.epochs - epoch, MAX_CHUNK);
      engine.readParams(snapshot);
      const t0 = now();
      let run: Run;
      if (inCore) {
        const r = engine.trainEpochs!(random, batchSize, want, o.shuffle, epochLosses, epochCorrects);
        run = { done: r.done, failedBatch: r.failedBatch, failedLoss: r.failedLoss, seen: n };
      } else run = byBatches(epoch, want);
      const seconds = (now() - t0) / 1000;
      if (run.failedBatch !== undefined) diverged(engine, epoch + run.done, run.failedBatch, run.failedLoss!, snapshot);
      const seen = run.seen;
      const seenAll = typeof seen === 'number' ? seen * run.done : seen.reduce((a, b) => a + b, 0);
      const rate = seenAll / Math.max(seconds, 1e-9);
      // Stored by index into arrays made at their final length where the epoch count is known
      // (pushing cost ~30 ns per epoch, a sixth of a 256-epoch XOR fit).
      const { loss, samplesPerSecond, learningRate, accuracy } = history;
      for (let e = 0; e < run.done; e++) {
        loss[epoch + e] = epochLosses[e];
        samplesPerSecond[epoch + e] = rate;
        learningRate[epoch + e] = lr;
        if (accuracy) accuracy[epoch + e] = epochCorrects[e] / (typeof seen === 'number' ? seen : seen[e]);
      }
      epoch += run.done;
      if (perEpoch) {
        // One epoch was trained: validation, early stopping, the plateau's metric, callbacks.
        const e = epoch - 1;
        const stats: EpochStats = { epoch: e, loss: epochLosses[0], samplesPerSecond: rate, seconds, learningRate: lr };
        if (history.accuracy) stats.accuracy = history.accuracy[e];
        if (run.stop === 'aborted' || o.signal?.aborted) {
          // Cancelled: return now. No validation pass (it would hold the caller up for a
          // whole evaluation) and no callbacks for the epoch the signal cut short or ended.
          history.stopReason = 'aborted';
          break;
        }
        if (val) {
          const r = engine.evaluate(val.x, val.y, val.rows);
          stats.valLoss = r.loss;
          history.valLoss!.push(r.loss);
          if (classification) {
            stats.valAccuracy = r.correct / val.rows;
            history.valAccuracy!.push(stats.valAccuracy);
          }
        }
        if (plateau) monitored = stats[plateau];
        if (run.stop) {
          history.stopReason = run.stop;
          break;
        }
        if (stopper) {
          const { improved, stop } = stopper.step(e, stats[stopper.monitor]!);
          if (improved && best) engine.readParams(best);
          if (stop) {
            history.stopReason = 'early-stopping';
            if (!o.onEpochEnd) break;
          }
        }
        if (o.onEpochEnd && (await o.onEpochEnd(stats)) === false) {
          history.stopReason = 'callback';
          break;
        }
        if (history.stopReason === 'early-stopping') break;
      } else {
        chunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor((YIELD_MS / 1000 / Math.max(seconds, 1e-9)) * want)));
      }
      if (epoch < o.epochs && now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    if (history.stopReason === 'completed' && o.signal?.aborted) history.stopReason = 'aborted';
  } catch (e) {
    // A worker died mid-step: the parameters may be half-updated. Put back the snapshot
    // taken before the abandoned engine call (the optimizer's state is not restored).
    if (e instanceof WasmMlpError && e.code === 'WORKER_FAILED') engine.writeParams(snapshot);
    throw e;
  } finally {
    if (!rates.constant) engine.setLearningRate(baseRate);
  }
  if (stopper) {
    history.bestEpoch = stopper.bestEpoch;
    if (best && stopper.bestEpoch >= 0) engine.writeParams(best);
  }
  return history;
}

/**
 * A batch's loss was not finite: its update was skipped. If an earlier step already left
 * non-finite parameters, restore the snapshot (taken before this engine call), so no NaN
 * survives.
 */
function diverged(engine: Engine, epoch: number, batch: number, loss: number, snapshot: Float32Array): never {
  const current = new Float32Array(engine.layout.count);
  engine.readParams(current);
  let restored = '';
  if (!current.every(Number.isFinite)) {
    engine.writeParams(snapshot);
    restored = ' (parameters had become non-finite; restored the last snapshot, taken at the start of this epoch or of the run of epochs it belongs to)';
  }
  throw new WasmMlpError(
    'DIVERGED',
    `fit: the loss became ${loss} at epoch ${epoch}, batch ${batch}; training stopped with the weights of the last finite step${restored}. Try a lower learning rate or scaled inputs.`,
  );
}
