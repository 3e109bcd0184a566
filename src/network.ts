// class Network: the public API. Validates everything, owns the seeded PRNG and the batching
// policy, and drives a backend (wasm or pure JS) through the Engine contract.

import {
  AUTO_THREADS, MAX_THREADS, optimizerOptions, resolveFit, resolveOptions, resolveThreads, type Backend, type BatchStats, type EpochStats, type FitOptions,
  type Initializer, type Matrix, type NetworkOptions, type Targets,
} from './config.js';
import type { Activation, Loss } from './enums.js';
import { paramLayout, type Engine, type LayerSpec, type ModelSpec, type OptimizerSpec, type ParamLayout } from './engine.js';
import { WasmMlpError, describe } from './errors.js';
import { toMatrix, toTargets } from './data.js';
import { Random } from './random.js';
import { init, initThreads } from './wasm.js';
import { hardwareThreads } from './threads.js';
import { WasmEngine } from './backends/wasm.js';
import { JsEngine } from './backends/js.js';
import { decodeBinary, decodeJson, encodeBinary, type ModelJson } from './format.js';
import { toOnnx } from './onnx.js';

export interface Weights {
  /** weights[l]: (units_l x units_{l-1}) row-major, "out x in". */
  weights: Float32Array[];
  /** biases[l]: units_l entries. */
  biases: Float32Array[];
}

export interface Gradients extends Weights {
  /** Batch-averaged loss at the current parameters. */
  loss: number;
}

export interface Evaluation {
  loss: number;
  /** For classification losses (binary/categorical cross-entropy). */
  accuracy?: number;
}

export interface History {
  /** Per completed epoch: the sample-weighted mean of its batch losses (each before its step). */
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  samplesPerSecond: number[];
  /** Why fit returned: all epochs done, a callback returned false, or the signal aborted. */
  stopReason: 'completed' | 'callback' | 'aborted';
}

/** Load options for fromJSON/load: the backend to run the restored network on. */
export interface LoadOptions {
  backend?: Backend;
  /** As NetworkOptions.threads. Default 1. */
  threads?: number | 'auto';
}

const registry =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Engine>((engine) => engine.dispose()) : null;

/** Longest stretch fit runs without yielding to the event loop (so signals and UIs get a turn). */
const YIELD_MS = 20;
/** Largest scratch array (elements) fit keeps for the next call; bigger ones go with the call. */
const KEEP_SCRATCH = 1 << 18;
/** Largest parameter snapshot (floats, 16 MB) fit keeps for the next call. A fresh one cost
 * 0.35-1 ms for W4's 670k parameters (allocation and first-touch page faults) against 0.13 ms
 * to refill a kept one: 2-5% of a one-epoch fit on one thread, more on two. */
const KEEP_SNAPSHOT = 1 << 22;

export class Network {
  private engine: Engine | null;
  private readonly layout: ParamLayout;
  private readonly random: Random;
  private busy = false;
  /** fit's scratch, kept between calls: the parameter snapshot and per-epoch results. */
  private snapshot: Float32Array | null = null;
  private epochScratch: Float64Array | null = null;

  private constructor(
    engine: Engine,
    readonly spec: ModelSpec,
    readonly optimizer: OptimizerSpec,
    readonly seed: number,
    readonly backend: Backend,
  ) {
    this.engine = engine;
    this.layout = paramLayout(spec);
    this.random = new Random(seed);
    registry?.register(this, engine, this);
  }

  /** Builds a network and initialises its weights from the seeded PRNG. */
  static async create(options: NetworkOptions): Promise<Network> {
    const o = resolveOptions(options);
    const net = await Network.build(o.spec, o.optimizer, o.seed, o.backend, o.threads);
    initialise(net.engine!, o.spec, o.init, net.random);
    return net;
  }

  private static async build(
    spec: ModelSpec, optimizer: OptimizerSpec, seed: number, backend: Backend, threads: number,
  ): Promise<Network> {
    let engine: Engine;
    if (backend === 'js') engine = new JsEngine(spec);
    else {
      if (threads === AUTO_THREADS) threads = Math.max(1, Math.min(MAX_THREADS, await hardwareThreads()));
      const threaded = threads > 1 ? await initThreads(threads) : null;
      engine = new WasmEngine(threaded ?? (await init()), spec, threads);
    }
    engine.setOptimizer(optimizer);
    return new Network(engine, spec, optimizer, seed, backend);
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }
  get outputSize(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }
  get layers(): readonly LayerSpec[] {
    return this.spec.layers;
  }
  get loss(): Loss {
    return this.spec.loss;
  }
  get parameterCount(): number {
    return this.layout.count;
  }
  /** Threads this network runs on, the calling one included (1 where threads are unavailable). */
  get threads(): number {
    const engine = this.live();
    return engine instanceof WasmEngine ? engine.threads : 1;
  }
  get disposed(): boolean {
    return this.engine === null;
  }

  private live(): Engine {
    if (!this.engine) throw new WasmMlpError('DISPOSED', 'this network was disposed; create or load a new one');
    return this.engine;
  }

  private idle(what: string): Engine {
    const engine = this.live();
    if (this.busy) throw new WasmMlpError('BUSY', `${what}: fit is running on this network; await it first`);
    return engine;
  }

  private get classification(): boolean {
    return this.spec.loss !== 'mse';
  }

  /** Outputs (samples x outputs, row-major) for inputs x (samples x inputSize). */
  predict(x: Matrix): Float32Array {
    const engine = this.idle('predict');
    const { data, rows } = toMatrix(x, this.inputSize, 'x', !engine.checksInputs);
    const out = new Float32Array(rows * this.outputSize);
    engine.predict(data, rows, out, 'x');
    return out;
  }

  /** Loss (batch mean) and, for classification, accuracy over the given samples. */
  evaluate(x: Matrix, y: Targets): Evaluation {
    const engine = this.idle('evaluate');
    const { data, rows } = toMatrix(x, this.inputSize, 'x', !engine.checksInputs);
    const targets = this.targets(y, rows, 'y');
    const r = engine.evaluate(data, targets, rows, 'x');
    return this.classification ? { loss: r.loss, accuracy: r.correct / rows } : { loss: r.loss };
  }

  /** dC/dW and dC/db averaged over the batch, and the loss: the seeds' goal made visible. */
  gradients(x: Matrix, y: Targets): Gradients {
    const engine = this.idle('gradients');
    const { data, rows } = toMatrix(x, this.inputSize, 'x');
    const targets = this.targets(y, rows, 'y');
    const flat = new Float32Array(this.layout.count);
    const loss = engine.gradients(data, targets, rows, flat);
    return { loss, ...this.split(flat) };
  }

  getWeights(): Weights {
    const flat = new Float32Array(this.layout.count);
    this.live().readParams(flat);
    return this.split(flat);
  }

  /** Replaces all weights and biases (copied; the arrays passed stay the caller's). */
  setWeights(w: Weights): void {
    const engine = this.idle('setWeights');
    engine.writeParams(this.join(w, 'weights'));
  }

  async fit(x: Matrix, y: Targets, options?: FitOptions): Promise<History> {
    const engine = this.idle('fit');
    const o = resolveFit(options);
    // The wasm engine tests the training inputs in the core as it loads them; with a
    // validation split, where the held-out rows are not loaded, everything is tested here.
    const coreChecks = !!engine.checksInputs && !(o.validationSplit > 0);
    const all = toMatrix(x, this.inputSize, 'x', !coreChecks);
    const allY = this.targets(y, all.rows, 'y');
    let n = all.rows;
    let trainX = all.data;
    let trainY = allY;
    let val: { x: Float32Array; y: Float32Array; rows: number } | null = null;
    if (o.validationData) {
      const vx = toMatrix(o.validationData[0], this.inputSize, 'validationData[0]');
      val = { x: vx.data, y: this.targets(o.validationData[1], vx.rows, 'validationData[1]'), rows: vx.rows };
    } else if (o.validationSplit > 0) {
      // Keras semantics: the last fraction of the samples, before any shuffling.
      const held = Math.floor(n * o.validationSplit);
      if (held < 1 || held >= n) {
        throw new WasmMlpError(
          'INVALID_OPTION',
          `fitOptions.validationSplit: ${o.validationSplit} of ${n} samples leaves ${held} for validation and ${n - held} for training; both need at least 1`,
        );
      }
      n -= held;
      const nin = this.inputSize;
      const nout = this.outputSize;
      val = { x: all.data.subarray(n * nin), y: allY.subarray(n * nout), rows: held };
      trainX = all.data.subarray(0, n * nin);
      trainY = allY.subarray(0, n * nout);
    }
    const batchSize = Math.min(o.batchSize, n);
    const batches = Math.ceil(n / batchSize);
    const history: History = { loss: [], samplesPerSecond: [], stopReason: 'completed' };
    if (this.classification) history.accuracy = [];
    if (val) {
      history.valLoss = [];
      if (this.classification) history.valAccuracy = [];
    }

    // Scratch kept between calls (up to KEEP_SNAPSHOT / KEEP_SCRATCH floats): a small
    // network's fit is a few microseconds of work, of which typed arrays allocated outside the
    // V8 heap would take a good part. Allocated before the network is marked busy, so a failure leaves it usable.
    const snapshot = this.snapshot ?? new Float32Array(this.layout.count);
    this.snapshot = snapshot.length <= KEEP_SNAPSHOT ? snapshot : null;
    this.busy = true;
    try {
      engine.loadTrainingSet(trainX, trainY, n, coreChecks ? 'x' : undefined);
      let lastYield = now();
      // Nothing to report between epochs: run them in the core, several per call, in chunks
      // of about YIELD_MS so the event loop still gets its turns.
      const fast = !o.onBatchEnd && !o.onEpochEnd && !val && !o.signal;
      if (fast) {
        const MAX_CHUNK = 1 << 16;
        // The first chunk from a cost bound (later ones from the measured rate): a step costs
        // under STEP_NS plus PARAM_NS per parameter and sample on either engine, even in a
        // process's first fit, before the JIT has optimised anything (measured in review:
        // 0.3-11 us per step of a tiny network, and 2-0.15 ns per parameter and sample). So
        // the first call stays under YIELD_MS, and a tiny network runs all its epochs in one
        // core call (XOR, 256 epochs of one step: one call).
        const STEP_NS = 10_000;
        const PARAM_NS = 50;
        const epochNs = batches * STEP_NS + n * this.layout.count * PARAM_NS;
        let chunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor((YIELD_MS * 1e6) / epochNs)));
        const slots = Math.min(o.epochs, MAX_CHUNK);
        let scratch = this.epochScratch;
        if (!scratch || scratch.length < 2 * slots) scratch = new Float64Array(2 * slots);
        this.epochScratch = scratch.length <= KEEP_SCRATCH ? scratch : null;
        const epochLosses = scratch.subarray(0, slots);
        const epochCorrects = scratch.subarray(slots, 2 * slots);
        // History arrays made at their final length and filled in place: pushing element by
        // element cost ~30 ns per epoch, a sixth of a 256-epoch XOR fit.
        if (o.epochs <= MAX_CHUNK) {
          history.loss = new Array<number>(o.epochs);
          history.samplesPerSecond = new Array<number>(o.epochs);
          if (history.accuracy) history.accuracy = new Array<number>(o.epochs);
        }
        const { loss, samplesPerSecond, accuracy } = history;
        for (let epoch = 0; epoch < o.epochs; ) {
          const count = Math.min(chunk, o.epochs - epoch);
          engine.readParams(snapshot);
          const t0 = now();
          const r = engine.trainEpochs(this.random, batchSize, count, o.shuffle, epochLosses, epochCorrects);
          const seconds = (now() - t0) / 1000;
          if (r.failedBatch !== undefined) this.diverged(engine, epoch + r.done, r.failedBatch, r.failedLoss!, snapshot);
          const rate = (n * r.done) / Math.max(seconds, 1e-9);
          for (let e = 0; e < r.done; e++) loss[epoch + e] = epochLosses[e];
          // (At more epochs than MAX_CHUNK the arrays start empty and these stores append.)
          if (samplesPerSecond.length >= epoch + r.done) samplesPerSecond.fill(rate, epoch, epoch + r.done);
          else for (let e = 0; e < r.done; e++) samplesPerSecond.push(rate);
          if (accuracy) for (let e = 0; e < r.done; e++) accuracy[epoch + e] = epochCorrects[e] / n;
          epoch += count;
          chunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor((YIELD_MS / 1000 / Math.max(seconds, 1e-9)) * count)));
          if (epoch < o.epochs && now() - lastYield > YIELD_MS) {
            await yieldToEventLoop();
            lastYield = now();
          }
        }
      }
      const order = new Uint32Array(fast ? 0 : n);
      const losses = new Float64Array(fast ? 0 : batches);
      const corrects = new Float64Array(fast ? 0 : batches);
      for (let epoch = 0; !fast && epoch < o.epochs; epoch++) {
        if (o.signal?.aborted) {
          history.stopReason = 'aborted';
          break;
        }
        for (let i = 0; i < n; i++) order[i] = i;
        if (o.shuffle) this.random.shuffle(order);
        engine.readParams(snapshot);
        const t0 = now();
        let done = batches;
        let stop = false;
        if (o.onBatchEnd) {
          for (let b = 0; b < batches; b++) {
            const tb = now();
            const end = engine.trainBatches(order, batchSize, b, 1, losses, corrects);
            if (end !== b + 1) this.diverged(engine, epoch, b, losses[b], snapshot);
            const size = Math.min(batchSize, n - b * batchSize);
            const stats: BatchStats = {
              epoch, batch: b, size, loss: losses[b],
              samplesPerSecond: size / Math.max((now() - tb) / 1000, 1e-9),
            };
            if (this.classification) stats.accuracy = corrects[b] / size;
            const r = o.onBatchEnd(stats);
            if (r === false || o.signal?.aborted) {
              history.stopReason = r === false ? 'callback' : 'aborted';
              done = b + 1;
              stop = true;
              break;
            }
          }
        } else {
          const end = engine.trainBatches(order, batchSize, 0, batches, losses, corrects);
          if (end !== batches) this.diverged(engine, epoch, end, losses[end], snapshot);
        }
        const seconds = (now() - t0) / 1000;
        let lossSum = 0;
        let correctSum = 0;
        let seen = 0;
        for (let b = 0; b < done; b++) {
          const size = Math.min(batchSize, n - b * batchSize);
          lossSum += losses[b] * size;
          correctSum += corrects[b];
          seen += size;
        }
        const stats: EpochStats = {
          epoch, loss: lossSum / seen, samplesPerSecond: seen / Math.max(seconds, 1e-9), seconds,
        };
        if (this.classification) stats.accuracy = correctSum / seen;
        if (val) {
          const r = engine.evaluate(val.x, val.y, val.rows);
          stats.valLoss = r.loss;
          if (this.classification) stats.valAccuracy = r.correct / val.rows;
        }
        history.loss.push(stats.loss);
        history.samplesPerSecond.push(stats.samplesPerSecond);
        if (stats.accuracy !== undefined) history.accuracy!.push(stats.accuracy);
        if (stats.valLoss !== undefined) history.valLoss!.push(stats.valLoss);
        if (stats.valAccuracy !== undefined) history.valAccuracy!.push(stats.valAccuracy);
        if (stop) break;
        if (o.onEpochEnd && (await o.onEpochEnd(stats)) === false) {
          history.stopReason = 'callback';
          break;
        }
        if (now() - lastYield > YIELD_MS) {
          await yieldToEventLoop();
          lastYield = now();
        }
      }
      if (history.stopReason === 'completed' && o.signal?.aborted) history.stopReason = 'aborted';
    } catch (e) {
      // A worker died mid-step: the parameters may be half-updated. Put back the snapshot
      // taken before the abandoned run of epochs (the optimizer's state is not restored).
      if (e instanceof WasmMlpError && e.code === 'WORKER_FAILED') engine.writeParams(snapshot);
      throw e;
    } finally {
      engine.releaseTrainingSet();
      this.busy = false;
    }
    return history;
  }

  /**
   * A batch's loss was not finite: its update was skipped. If an earlier step already left
   * non-finite parameters, restore the snapshot (taken at the start of this epoch, or of this
   * run of epochs in the core), so no NaN survives.
   */
  private diverged(engine: Engine, epoch: number, batch: number, loss: number, snapshot: Float32Array): never {
    const current = new Float32Array(this.layout.count);
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

  toJSON(): ModelJson {
    const w = this.getWeights();
    return {
      format: 'wasm-mlp',
      version: 1,
      inputSize: this.spec.inputSize,
      layers: this.spec.layers.map((l) => ({ units: l.units, activation: l.activation })),
      loss: this.spec.loss,
      optimizer: optimizerOptions(this.optimizer),
      seed: this.seed,
      weights: w.weights.map((a) => Array.from(a)),
      biases: w.biases.map((a) => Array.from(a)),
    };
  }

  static async fromJSON(json: unknown, options: LoadOptions = {}): Promise<Network> {
    const m = decodeJson(json);
    return Network.restore(m.spec, m.optimizer, m.seed, m.params, options);
  }

  /** Binary model file: magic, version, header, float32 parameters, CRC-32. */
  save(): Uint8Array {
    const params = new Float32Array(this.layout.count);
    this.live().readParams(params);
    return encodeBinary(this.spec, this.optimizer, this.seed, params);
  }

  /**
   * The network as an ONNX model (opset 13; input "x" [batch, inputSize], output "y"), to run
   * it in ONNX Runtime or other ONNX tools.
   */
  toONNX(): Uint8Array {
    const params = new Float32Array(this.layout.count);
    this.live().readParams(params);
    return toOnnx(this.spec, params);
  }

  static async load(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<Network> {
    const m = decodeBinary(bytes);
    return Network.restore(m.spec, m.optimizer, m.seed, m.params, options);
  }

  private static async restore(
    spec: ModelSpec, optimizer: OptimizerSpec, seed: number, params: Float32Array, options: LoadOptions,
  ): Promise<Network> {
    const backend = options.backend === undefined ? 'wasm' : options.backend;
    if (backend !== 'wasm' && backend !== 'js') {
      throw new WasmMlpError('INVALID_OPTION', `options.backend: expected one of 'wasm', 'js', got ${describe(backend)}`);
    }
    const net = await Network.build(spec, optimizer, seed, backend, resolveThreads(options.threads, backend, 'options.threads'));
    net.engine!.writeParams(params);
    return net;
  }

  /** Bytes of wasm memory the network holds (0 on the js backend: its arrays live in the JS heap). */
  get memoryBytes(): number {
    const engine = this.live();
    return engine instanceof WasmEngine ? engine.memoryBytes : 0;
  }

  /** Frees the network's memory now. Any later call throws DISPOSED. Idempotent. */
  dispose(): void {
    if (this.busy) throw new WasmMlpError('BUSY', 'dispose: fit is running on this network; await it first');
    if (!this.engine) return;
    registry?.unregister(this);
    this.engine.dispose();
    this.engine = null;
    this.snapshot = null;
    this.epochScratch = null;
  }

  private targets(y: unknown, rows: number, name: string): Float32Array {
    return toTargets(y, rows, this.outputSize, this.spec.loss === 'categorical-cross-entropy', name);
  }

  private split(flat: Float32Array): Weights {
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    let prev = this.spec.inputSize;
    this.spec.layers.forEach((layer, l) => {
      const wo = this.layout.weightOffset[l];
      const bo = this.layout.biasOffset[l];
      weights.push(flat.slice(wo, wo + layer.units * prev));
      biases.push(flat.slice(bo, bo + layer.units));
      prev = layer.units;
    });
    return { weights, biases };
  }

  private join(w: unknown, name: string): Float32Array {
    const L = this.spec.layers.length;
    const obj = w as Partial<Weights> | null;
    if (typeof obj !== 'object' || obj === null || !Array.isArray(obj.weights) || !Array.isArray(obj.biases)) {
      throw new WasmMlpError('INVALID_DATA', `${name}: expected { weights: Float32Array[], biases: Float32Array[] }, got ${describe(w)}`);
    }
    if (obj.weights.length !== L || obj.biases.length !== L) {
      throw new WasmMlpError(
        'SHAPE_MISMATCH',
        `${name}: expected ${L} weight and ${L} bias arrays (one per layer), got ${obj.weights.length} and ${obj.biases.length}`,
      );
    }
    const flat = new Float32Array(this.layout.count);
    let prev = this.spec.inputSize;
    this.spec.layers.forEach((layer, l) => {
      const parts: [unknown, number, number, string][] = [
        [obj.weights![l], this.layout.weightOffset[l], layer.units * prev, `${name}.weights[${l}] (${layer.units} x ${prev})`],
        [obj.biases![l], this.layout.biasOffset[l], layer.units, `${name}.biases[${l}]`],
      ];
      for (const [arr, off, len, label] of parts) {
        if (!(arr instanceof Float32Array || arr instanceof Float64Array || Array.isArray(arr))) {
          throw new WasmMlpError('INVALID_DATA', `${label}: expected a Float32Array of ${len} values, got ${describe(arr)}`);
        }
        if (arr.length !== len) {
          throw new WasmMlpError('SHAPE_MISMATCH', `${label}: expected ${len} values, got ${arr.length}`);
        }
        for (let i = 0; i < len; i++) {
          const v: unknown = arr[i];
          if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
            throw new WasmMlpError('INVALID_DATA', `${label}[${i}]: expected a finite float32 value, got ${describe(v)}`);
          }
          flat[off + i] = v;
        }
      }
      prev = layer.units;
    });
    return flat;
  }
}

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

/**
 * He for relu-family layers, Xavier/Glorot otherwise (or as `init` says); biases stay 0.
 * Uniform kinds are drawn by the engine (in the core for wasm), normal ones here.
 */
function initialise(engine: Engine, spec: ModelSpec, init: Initializer, random: Random): void {
  const layout = paramLayout(spec);
  const reluFamily: Activation[] = ['relu', 'leaky-relu', 'elu'];
  let normal: Float32Array | null = null;
  let fanIn = spec.inputSize;
  spec.layers.forEach((layer, l) => {
    const fanOut = layer.units;
    let kind = init;
    if (kind === 'auto') kind = reluFamily.includes(layer.activation) ? 'he' : 'xavier';
    const off = layout.weightOffset[l];
    const count = fanIn * fanOut;
    if (kind === 'he' || kind === 'xavier') {
      engine.initSymmetric(random, off, count, Math.sqrt(6 / (kind === 'he' ? fanIn : fanIn + fanOut)));
    } else {
      if (!normal) {
        normal = new Float32Array(layout.count);
        engine.readParams(normal);
      }
      const std = Math.sqrt(2 / (kind === 'he-normal' ? fanIn : fanIn + fanOut));
      for (let i = 0; i < count; i++) normal[off + i] = random.normal() * std;
    }
    fanIn = fanOut;
  });
  if (normal) engine.writeParams(normal);
}
