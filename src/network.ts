// class Network: the public API. Validates everything, owns the seeded PRNG and the batching
// policy, and drives a backend (wasm or pure JS) through the Engine contract.

import {
  AUTO_THREADS, MAX_THREADS, checkKeys, defaultAlpha, layerOptions, checkNumber, invalidOption, optimizerOptions, resolveFit, resolveOptions, resolveThreads, type Backend, type FitOptions, type ResolvedFit,
  resolveModel, type Initializer, type LayerOptions, type Matrix, type NetworkOptions, type OptimizerOptions, type Targets,
} from './config.js';
import type { Activation, Loss, OptimizerKind } from './enums.js';
import { paramLayout, type Engine, type LayerSpec, type ModelSpec, type OptimizerSpec, type ParamLayout } from './engine.js';
import { WasmMlpError, describe } from './errors.js';
import { toMatrix, toTargets } from './data.js';
import { Random } from './random.js';
import { loadRuntime, initThreads } from './wasm.js';
import { hardwareThreads } from './threads.js';
import { WasmEngine } from './backends/wasm.js';
import { JsEngine } from './backends/js.js';
import { decodeBinary, decodeJson, encodeBinary, extrasHeader, type DecodedModel, type ModelExtras, type ModelJson } from './format.js';
import { adaptNormalization, applyNormalization, copyMetadata, copyNormalization, divisors, type JsonValue, type Normalization } from './normalize.js';
import { toOnnx } from './onnx.js';
import { importOnnx } from './onnx-import.js';
import { importTfjs } from './tfjs-import.js';
import { train, type History, type Scratch, type TrainData } from './trainer.js';
import { checkGradients, type GradientCheck } from './gradcheck.js';
import { quantizeNetwork, type QuantizeOptions, type QuantizedNetwork } from './quantize.js';

export type { History } from './trainer.js';

/**
 * All parameters of a network, one array per layer l (0-based, input layer not counted), as
 * {@link Network.getWeights} returns them and {@link Network.setWeights} takes them. The
 * layout is torch.nn.Linear's: layer l computes z = W_l a + b_l.
 */
export interface Weights {
  /** weights[l]: (units_l x units_{l-1}) row-major, "out x in" (units_{-1} = inputSize). */
  weights: Float32Array[];
  /** biases[l]: units_l entries. */
  biases: Float32Array[];
}

/**
 * What {@link Network.gradients} returns: dC/dW and dC/db averaged over the batch (weight
 * decay not included), in the {@link Weights} layout, and the loss.
 */
export interface Gradients extends Weights {
  /** Batch-averaged loss at the current parameters. */
  loss: number;
}

/** What {@link Network.evaluate} returns. */
export interface Evaluation {
  /** The loss, averaged over the samples (unweighted: classWeight and sampleWeight do not apply). */
  loss: number;
  /**
   * Fraction in [0, 1] of samples classified right, for the cross-entropy losses only (absent
   * for `'mse'`). Categorical cross-entropy: the output's arg-max equals the target's (the first
   * maximum wins ties). Binary cross-entropy: per sample, the fraction of outputs k with
   * (a_k >= 0.5) == (y_k >= 0.5).
   */
  accuracy?: number;
}

/**
 * Options of {@link Network.load} and {@link Network.fromJSON}: where the restored network
 * runs. Its architecture, loss, optimizer, seed, normalization and metadata come from the model.
 */
export interface LoadOptions {
  /**
   * The engine to run the restored network on.
   *
   * @defaultValue `'wasm'`
   */
  backend?: Backend;
  /**
   * Threads, as {@link NetworkOptions.threads}: an integer in [1, 16] or `'auto'`.
   *
   * @defaultValue `1`
   */
  threads?: number | 'auto';
}

/**
 * Options of {@link Network.fromONNX} and {@link Network.fromTFJS}: where the imported network
 * runs, and how it trains if you fine-tune it with fit (an imported file carries no loss,
 * optimizer or seed). Unknown fields are an `INVALID_OPTION`.
 */
export interface ImportOptions extends LoadOptions {
  /**
   * Loss for fit and evaluate.
   *
   * @defaultValue `'categorical-cross-entropy'` after a softmax output layer, else `'mse'` (as {@link Network.create})
   */
  loss?: Loss;
  /**
   * Optimizer for fit.
   *
   * @defaultValue `{ kind: 'adam', learningRate: 0.001 }` (as {@link Network.create})
   */
  optimizer?: OptimizerOptions | OptimizerKind;
  /**
   * Seed of the PRNG that shuffles and drops out during fit: an integer in [0, 2^32 - 1].
   *
   * @defaultValue `0` (not 42 as in {@link NetworkOptions.seed}: the file's weights replace any drawn from it)
   */
  seed?: number;
}

const registry =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Engine>((engine) => engine.dispose()) : null;

/**
 * A fully connected neural network: create it (or load or import one), train it with
 * {@link Network.fit}, use it with {@link Network.predict}, save it with {@link Network.save}.
 *
 * Every method validates its arguments before computing anything and throws a
 * {@link WasmMlpError} with a stable code; your arrays are never changed, and the network
 * stays usable after an error. While {@link Network.fit} runs, calls that read or change the
 * network's state for computing (predict, evaluate, gradients, setWeights, adapt, fit,
 * dispose) throw `BUSY`. Call {@link Network.dispose} when done to free its wasm memory at once
 * (a FinalizationRegistry frees forgotten networks eventually).
 *
 * @example
 * ```ts
 * import { Network } from 'wasm-mlp';
 *
 * const net = await Network.create({
 *   inputSize: 2,
 *   layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
 *   loss: 'binary-cross-entropy',
 *   optimizer: { kind: 'adam', learningRate: 0.05 },
 * });
 * const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
 * const y = [0, 1, 1, 0];
 * const history = await net.fit(x, y, { epochs: 300, batchSize: 4 });
 * console.log(history.loss.at(-1), net.predict(x)); // outputs near 0, 1, 1, 0
 * const bytes = net.save(); // Network.load(bytes) restores it bit-exactly
 * net.dispose();
 * ```
 */
export class Network {
  private engine: Engine | null;
  private readonly layout: ParamLayout;
  private readonly random: Random;
  private busy = false;
  /** fit's scratch, kept between calls: the parameter snapshot and per-epoch results. */
  private readonly scratch: Scratch = { snapshot: null, epochs: null };
  /** The input normalization (set by the options, adapt or the model file), or null. */
  private norm: Normalization | null = null;
  private meta: { [key: string]: JsonValue } | null = null;

  private constructor(
    engine: Engine,
    /** The architecture and loss, with every default resolved. */
    readonly spec: ModelSpec,
    /** The optimizer and all its hyper-parameters, defaults resolved (the base learning rate, not a schedule's). */
    readonly optimizer: OptimizerSpec,
    /** The seed of the network's PRNG (from the options, the model file, or {@link ImportOptions.seed}). */
    readonly seed: number,
    /** The engine this network runs on. */
    readonly backend: Backend,
    extras: ModelExtras,
  ) {
    this.engine = engine;
    this.norm = extras.normalization;
    this.meta = extras.metadata;
    this.layout = paramLayout(spec);
    this.random = new Random(seed);
    registry?.register(this, engine, this);
  }

  /**
   * Builds a network and initialises its weights from the seeded PRNG. On the wasm backend it
   * loads the core first if {@link init} has not been called.
   *
   * @param options - The architecture, loss, optimizer and where it runs; see {@link NetworkOptions}.
   * @returns The new network.
   * @throws {@link WasmMlpError} `INVALID_OPTION` for an invalid or unknown option (the message
   *   names it and the valid choices); `OUT_OF_MEMORY` for more than 2^27 parameters or when
   *   wasm memory cannot grow; `WASM_UNAVAILABLE` when the wasm core cannot be loaded.
   */
  static async create(options: NetworkOptions): Promise<Network> {
    const o = resolveOptions(options);
    const net = await Network.build(o.spec, o.optimizer, o.seed, o.backend, o.threads, o);
    initialise(net.engine!, o.spec, o.init, net.random);
    return net;
  }

  private static async build(
    spec: ModelSpec, optimizer: OptimizerSpec, seed: number, backend: Backend, threads: number, extras: ModelExtras,
  ): Promise<Network> {
    let engine: Engine;
    if (backend === 'js') engine = new JsEngine(spec);
    else {
      if (threads === AUTO_THREADS) threads = Math.max(1, Math.min(MAX_THREADS, await hardwareThreads()));
      const threaded = threads > 1 ? await initThreads(threads) : null;
      engine = new WasmEngine(threaded ?? (await loadRuntime()), spec, threads);
    }
    engine.setOptimizer(optimizer);
    return new Network(engine, spec, optimizer, seed, backend, extras);
  }

  /** Features per input sample. */
  get inputSize(): number {
    return this.spec.inputSize;
  }
  /** Outputs per sample: the output layer's units. */
  get outputSize(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }
  /** The layers, defaults resolved (activation, alpha, dropout of each). */
  get layers(): readonly LayerSpec[] {
    return this.spec.layers;
  }
  /** The loss fit, evaluate and gradients compute. */
  get loss(): Loss {
    return this.spec.loss;
  }
  /** Number of weights and biases: sum over layers of (inputs + 1) x units. */
  get parameterCount(): number {
    return this.layout.count;
  }
  /**
   * Threads this network runs on, the calling one included (1 where threads are unavailable).
   *
   * @throws {@link WasmMlpError} `DISPOSED` after {@link Network.dispose}.
   */
  get threads(): number {
    return this.live().threads;
  }
  /** Whether {@link Network.dispose} has been called. */
  get disposed(): boolean {
    return this.engine === null;
  }
  /** The input normalization, { mean, std } per input column (copies), or null when inputs go in as they are. */
  get normalization(): Normalization | null {
    return copyNormalization(this.norm);
  }
  /** The metadata given at create (or read from the model file), a copy; null when there is none. */
  get metadata(): { [key: string]: JsonValue } | null {
    return copyMetadata(this.meta);
  }

  /**
   * Computes the input normalization from data, as Keras's Normalization.adapt: each column's
   * mean and population standard deviation over the rows of x (a constant column gets std 0,
   * which divides by 1). It replaces any normalization the network had and is kept by save and
   * toJSON. Call it before fit, on the training inputs (x is only read).
   *
   * @param x - Inputs, rows x inputSize.
   * @returns A copy of the normalization now in use.
   * @throws {@link WasmMlpError} `INVALID_DATA` or `SHAPE_MISMATCH` for bad x; `BUSY` during
   *   fit; `DISPOSED` after dispose.
   */
  adapt(x: Matrix): Normalization {
    this.idle('adapt');
    const { data, rows } = toMatrix(x, this.inputSize, 'x');
    this.norm = adaptNormalization(data, rows, this.inputSize);
    return copyNormalization(this.norm)!;
  }

  /** The caller's inputs as the first layer sees them: normalized copies, or the same array. */
  private normalized(data: Float32Array): Float32Array {
    return this.norm ? applyNormalization(this.norm, data, this.inputSize) : data;
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

  /**
   * Runs the network forward (no dropout), after the input normalization if there is one.
   *
   * @param x - Inputs, samples x inputSize.
   * @returns A new Float32Array of samples x outputSize outputs, row-major.
   * @throws {@link WasmMlpError} `INVALID_DATA` (NaN, Infinity, wrong types) or
   *   `SHAPE_MISMATCH` for bad x; `BUSY` during fit; `DISPOSED` after dispose;
   *   `OUT_OF_MEMORY` when a huge batch does not fit; `WORKER_FAILED` if a worker thread dies.
   */
  predict(x: Matrix): Float32Array {
    const engine = this.idle('predict');
    const { data, rows } = toMatrix(x, this.inputSize, 'x', !engine.checksInputs);
    const out = new Float32Array(rows * this.outputSize);
    engine.predict(this.normalized(data), rows, out, 'x');
    return out;
  }

  /**
   * The loss (mean over the samples, unweighted) and, for the cross-entropy losses, the
   * accuracy over the given samples. Changes nothing.
   *
   * @param x - Inputs, samples x inputSize.
   * @param y - Targets, one row (or class label) per sample; see {@link Targets}.
   * @throws {@link WasmMlpError} `INVALID_DATA` or `SHAPE_MISMATCH` for bad x or y; `BUSY`
   *   during fit; `DISPOSED` after dispose; `OUT_OF_MEMORY`; `WORKER_FAILED`.
   */
  evaluate(x: Matrix, y: Targets): Evaluation {
    const engine = this.idle('evaluate');
    const { data, rows } = toMatrix(x, this.inputSize, 'x', !engine.checksInputs);
    const targets = this.targets(y, rows, 'y');
    const r = engine.evaluate(this.normalized(data), targets, rows, 'x');
    return this.classification ? { loss: r.loss, accuracy: r.correct / rows } : { loss: r.loss };
  }

  /**
   * dC/dW and dC/db averaged over the batch (no dropout, no weight decay), and the loss, at
   * the current parameters. Changes nothing.
   *
   * @param x - Inputs, samples x inputSize.
   * @param y - Targets, one row (or class label) per sample; see {@link Targets}.
   * @throws {@link WasmMlpError} `INVALID_DATA` or `SHAPE_MISMATCH` for bad x or y; `BUSY`
   *   during fit; `DISPOSED` after dispose; `OUT_OF_MEMORY`; `WORKER_FAILED`.
   */
  gradients(x: Matrix, y: Targets): Gradients {
    const engine = this.idle('gradients');
    const { data, rows } = toMatrix(x, this.inputSize, 'x');
    const targets = this.targets(y, rows, 'y');
    const flat = new Float32Array(this.layout.count);
    const loss = engine.gradients(this.normalized(data), targets, rows, flat);
    return { loss, ...this.split(flat) };
  }

  /**
   * The engine's gradients() against central differences of the loss in float64 (step
   * `epsilon`) for every parameter: a check for users who extend or doubt the engine. Two
   * float64 forward passes of the batch per parameter: use a small batch.
   *
   * @param x - Inputs, samples x inputSize (a few rows).
   * @param y - Targets, one row (or class label) per sample.
   * @param options - `epsilon`: the finite-difference step, a number in (0, 1]. Default: 1e-3.
   * @returns The largest absolute and relative errors and where the worst one is.
   * @throws {@link WasmMlpError} `INVALID_OPTION` for a bad or unknown option;
   *   `INVALID_DATA` or `SHAPE_MISMATCH` for bad x or y; `BUSY` during fit; `DISPOSED`.
   */
  checkGradients(x: Matrix, y: Targets, options: { epsilon?: number } = {}): GradientCheck {
    const engine = this.idle('checkGradients');
    if (typeof options !== 'object' || options === null) throw invalidOption('checkGradients options', 'an object { epsilon }', options);
    checkKeys('checkGradients options', options as Record<string, unknown>, ['epsilon']);
    const epsilon = options.epsilon === undefined ? 1e-3 : checkNumber('checkGradients options.epsilon', options.epsilon, 0, 1, true);
    const { data: raw, rows } = toMatrix(x, this.inputSize, 'x');
    const data = this.normalized(raw);
    const targets = this.targets(y, rows, 'y');
    const analytic = new Float32Array(this.layout.count);
    engine.gradients(data, targets, rows, analytic);
    const params = new Float32Array(this.layout.count);
    engine.readParams(params);
    return checkGradients(this.spec, params, analytic, data, targets, rows, epsilon);
  }

  /**
   * A plain-text table of the layers (units, activation, dropout, output shape, parameters),
   * then the totals, the normalization, loss, optimizer, backend, threads and wasm memory held,
   * as Keras prints one.
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  summary(): string {
    const engine = this.live();
    const rows: string[][] = [['Layer', 'Units', 'Activation', 'Dropout', 'Output shape', 'Parameters']];
    rows.push(['input', String(this.inputSize), '', '', `(batch, ${this.inputSize})`, '0']);
    let prev = this.inputSize;
    this.spec.layers.forEach((layer, l) => {
      const params = (prev + 1) * layer.units;
      rows.push([
        `dense_${l + 1}${l === this.spec.layers.length - 1 ? ' (output)' : ''}`, String(layer.units),
        layer.alpha === defaultAlpha(layer.activation) ? layer.activation : `${layer.activation} (alpha ${layer.alpha})`,
        layer.dropout > 0 ? String(layer.dropout) : '', `(batch, ${layer.units})`, params.toLocaleString('en-US'),
      ]);
      prev = layer.units;
    });
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]): string => r.map((cell, c) => (c === 0 || c === 2 || c === 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
    const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
    const mib = (engine.memoryBytes / 2 ** 20).toFixed(2);
    return [
      rule, line(rows[0]), rule.replace(/-/g, '='), ...rows.slice(1).map(line), rule,
      `Total parameters: ${this.parameterCount.toLocaleString('en-US')} (${(this.parameterCount * 4).toLocaleString('en-US')} bytes of float32)`,
      ...(this.norm ? [`Inputs normalized: (x - mean) / std per column, ${this.inputSize} columns`] : []),
      `Loss: ${this.spec.loss}; optimizer: ${this.optimizer.kind}, learning rate ${this.optimizer.learningRate}`,
      `Backend: ${this.backend}, ${this.threads} thread${this.threads === 1 ? '' : 's'}; wasm memory held: ${engine.memoryBytes.toLocaleString('en-US')} bytes (${mib} MiB)`,
      rule,
    ].join('\n');
  }

  /**
   * Copies of all weights and biases (see {@link Weights} for the layout). Allowed while fit
   * runs, e.g. from a callback.
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  getWeights(): Weights {
    const flat = new Float32Array(this.layout.count);
    this.live().readParams(flat);
    return this.split(flat);
  }

  /**
   * Replaces all weights and biases (copied; the arrays passed stay the caller's). The
   * optimizer's state (momentum, moments) is kept.
   *
   * @param w - One weight and one bias array per layer in the {@link Weights} layout
   *   (Float32Array, Float64Array or number[]), every value finite as a float32.
   * @throws {@link WasmMlpError} `INVALID_DATA` for wrong types or non-finite values;
   *   `SHAPE_MISMATCH` for a wrong number of arrays or a wrong length; `BUSY` during fit;
   *   `DISPOSED` after dispose.
   */
  setWeights(w: Weights): void {
    const engine = this.idle('setWeights');
    engine.writeParams(this.join(w, 'weights'));
  }

  /**
   * Trains on (x, y) with the network's optimizer: `epochs` passes over the samples in
   * batches, one optimizer step per batch. The same seed, options and data give bit-identical
   * weights. Between epochs (or runs of epochs sized to about 20 ms) it yields to the event
   * loop at least every 20 ms, so timers, an AbortSignal and a page get a turn; one epoch is
   * never interrupted.
   *
   * @param x - Inputs, samples x inputSize.
   * @param y - Targets, one row (or class label) per sample; see {@link Targets}.
   * @param options - Epochs, batch size, validation, callbacks, schedule...; see {@link FitOptions}.
   *   Default: every FitOptions default (1 epoch, batches of 32, shuffled).
   * @returns Per-epoch results and why training stopped.
   * @throws {@link WasmMlpError} (the promise rejects) `INVALID_OPTION` for bad options;
   *   `INVALID_DATA` or `SHAPE_MISMATCH` for bad x, y, validation data or sample weights;
   *   `DIVERGED` when a batch's loss becomes NaN or infinite (its update is skipped, the
   *   weights stay finite); `BUSY` when fit is already running; `DISPOSED`; `OUT_OF_MEMORY`;
   *   `WORKER_FAILED` if a worker thread dies (the weights from before that run of epochs are
   *   put back). What a callback throws is passed on as it is.
   */
  async fit(x: Matrix, y: Targets, options?: FitOptions): Promise<History> {
    const engine = this.idle('fit');
    const o = resolveFit(options, this.classification);
    // The wasm engine tests the training inputs in the core as it loads them; with a
    // validation split, where the held-out rows are not loaded, everything is tested here.
    const coreChecks = !!engine.checksInputs && !(o.validationSplit > 0);
    const raw = toMatrix(x, this.inputSize, 'x', !coreChecks);
    const all = { data: this.normalized(raw.data), rows: raw.rows };
    const allY = this.targets(y, all.rows, 'y');
    let n = all.rows;
    let trainX = all.data;
    let trainY = allY;
    let val: TrainData['val'] = null;
    if (o.validationData) {
      const vx = toMatrix(o.validationData[0], this.inputSize, 'validationData[0]');
      val = { x: this.normalized(vx.data), y: this.targets(o.validationData[1], vx.rows, 'validationData[1]'), rows: vx.rows };
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
    const weights = this.sampleWeights(o, allY, all.rows);
    this.busy = true;
    try {
      engine.loadTrainingSet(trainX, trainY, n, coreChecks ? 'x' : undefined, weights ? weights.subarray(0, n) : null);
      // The epochs themselves run in src/trainer.ts.
      return await train(engine, this.random, { n, val }, o, this.classification, this.scratch, this.optimizer.learningRate);
    } finally {
      engine.releaseTrainingSet();
      this.busy = false;
    }
  }

  /**
   * The network as a plain JSON-able object: architecture, loss, optimizer, seed,
   * normalization, metadata and every parameter (JSON numbers round-trip float32 exactly).
   * `JSON.stringify(net)` calls it.
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  toJSON(): ModelJson {
    const w = this.getWeights();
    const { version, fields } = extrasHeader(this.extras());
    return {
      format: 'wasm-mlp',
      version,
      inputSize: this.spec.inputSize,
      layers: layerOptions(this.spec.layers) as ModelJson['layers'],
      loss: this.spec.loss,
      optimizer: optimizerOptions(this.optimizer),
      seed: this.seed,
      ...fields,
      weights: w.weights.map((a) => Array.from(a)),
      biases: w.biases.map((a) => Array.from(a)),
    };
  }

  /**
   * An int8 copy of the network for inference: weights int8 (symmetric, one scale per output
   * unit), each layer's input quantized with one scale fixed here from the calibration rows
   * (their largest |value| on the float network, or `percentile`), integer products summed
   * exactly, activations in float32 as here. It predicts, evaluates and saves (format
   * version 3, about a quarter of save()'s bytes); it cannot train. Normalization and metadata
   * are kept. This network is unchanged.
   *
   * @param options - `calibration`: rows x inputSize inputs (a few hundred training rows);
   *   `percentile`: see {@link QuantizeOptions}.
   * @throws {@link WasmMlpError} `INVALID_OPTION` for missing or bad options; `INVALID_DATA` or
   *   `SHAPE_MISMATCH` for bad calibration rows; `BUSY` during fit; `DISPOSED`;
   *   `UNSUPPORTED_MODEL` for a layer of more than 131072 inputs; `WASM_UNAVAILABLE`.
   */
  async quantize(options: QuantizeOptions): Promise<QuantizedNetwork> {
    this.idle('quantize');
    // The float input of layer l over the calibration rows: the output of a network of this
    // one's first l layers (same weights) on the wasm core.
    const prefix = async (l: number, x: Float32Array): Promise<Float32Array> => {
      const w = this.getWeights();
      const head = await Network.create({ inputSize: this.inputSize, layers: layerOptions(this.spec.layers.slice(0, l)).map(({ dropout: _, ...o }) => o), loss: 'mse', seed: 0 });
      try {
        head.setWeights({ weights: w.weights.slice(0, l), biases: w.biases.slice(0, l) });
        return head.predict(x);
      } finally {
        head.dispose();
      }
    };
    return quantizeNetwork(this, options, this.extras(), prefix);
  }

  /**
   * Restores a network from {@link Network.toJSON}'s object, or its JSON text, with the same
   * parameters, bit for bit. The optimizer's state starts fresh.
   *
   * @param json - A {@link ModelJson} object or its JSON text (untrusted input: every field is
   *   checked).
   * @param options - Where it runs; see {@link LoadOptions}. Default: `{}` (wasm, one thread).
   * @throws {@link WasmMlpError} `INVALID_MODEL` for a malformed, inconsistent or unknown-version
   *   model; `INVALID_OPTION` for bad options; `WASM_UNAVAILABLE`; `OUT_OF_MEMORY`.
   */
  static async fromJSON(json: unknown, options: LoadOptions = {}): Promise<Network> {
    const m = decodeJson(json);
    return Network.restore(m, options);
  }

  private extras(): ModelExtras {
    return { normalization: this.norm, metadata: this.meta };
  }

  /**
   * The network as a binary model file: magic "WMLP", version, a JSON header (architecture,
   * loss, optimizer, seed, normalization, metadata), the float32 parameters and a CRC-32.
   * Read it back with {@link Network.load} or the inference entry's `InferenceNetwork.load`.
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  save(): Uint8Array {
    const params = new Float32Array(this.layout.count);
    this.live().readParams(params);
    return encodeBinary(this.spec, this.optimizer, this.seed, params, this.extras());
  }

  /**
   * The network as an ONNX model (opset 13; input "x" [batch, inputSize], output "y"), to run
   * it in ONNX Runtime or other ONNX tools. The input normalization becomes Sub and Div
   * nodes; dropout has no node (inference needs none).
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  toONNX(): Uint8Array {
    const params = new Float32Array(this.layout.count);
    this.live().readParams(params);
    return toOnnx(this.spec, params, this.norm && { mean: this.norm.mean, divisor: divisors(this.norm) });
  }

  /**
   * A network from an ONNX model (`.onnx` bytes) of dense layers: what torch.onnx.export of an
   * nn.Sequential of Linear and activations, skl2onnx (MLPClassifier with zipmap off,
   * MLPRegressor) and tf2onnx (Keras Dense) produce. An input normalization in front of the
   * first layer (Sub and Div by constants, or skl2onnx's Scaler from a StandardScaler) becomes
   * the network's {@link Network.normalization}. Anything else is refused with
   * UNSUPPORTED_MODEL naming the node; a malformed file is INVALID_MODEL. The result is a full
   * network: it predicts, evaluates, trains (give `loss` and `optimizer`), saves and exports.
   * `Network.fromONNX(net.toONNX())` is bit-exact.
   *
   * @param bytes - The `.onnx` file's bytes (opsets 9 to 21).
   * @param options - Where it runs and how it trains; see {@link ImportOptions}. Default: `{}`.
   * @throws {@link WasmMlpError} `UNSUPPORTED_MODEL` for an op, layer or opset this library does
   *   not run; `INVALID_MODEL` for a malformed file; `INVALID_OPTION` for bad options;
   *   `WASM_UNAVAILABLE`; `OUT_OF_MEMORY`.
   */
  static async fromONNX(bytes: Uint8Array | ArrayBuffer, options: ImportOptions = {}): Promise<Network> {
    return Network.imported(importOnnx(bytes), options, 'Network.fromONNX');
  }

  /**
   * A network from a TF.js layers model: the `model.json` (object or text) that `model.save()`
   * of @tensorflow/tfjs or tensorflowjs_converter writes, and its weight bytes (one buffer, or
   * the shards in the manifest's order). Sequential or functional chains of Dense layers with
   * their activations; quantized weights (uint8, uint16, float16) are dequantized. Refusals as
   * fromONNX.
   *
   * @param modelJson - The parsed `model.json` object, or its text.
   * @param weightData - The weight file's bytes, or the shards in the manifest's order.
   * @param options - Where it runs and how it trains; see {@link ImportOptions}. Default: `{}`.
   * @throws {@link WasmMlpError} `UNSUPPORTED_MODEL` for a layer or activation this library does
   *   not run; `INVALID_MODEL` for a malformed model or weights that do not match it;
   *   `INVALID_OPTION` for bad options; `WASM_UNAVAILABLE`; `OUT_OF_MEMORY`.
   */
  static async fromTFJS(
    modelJson: unknown, weightData: ArrayBuffer | Uint8Array | (ArrayBuffer | Uint8Array)[], options: ImportOptions = {},
  ): Promise<Network> {
    return Network.imported(importTfjs(modelJson, weightData), options, 'Network.fromTFJS');
  }

  /** A network of an importer's layers, weights and input normalization (ONNX's Sub/Div or Scaler). */
  private static async imported(
    m: { inputSize: number; layers: LayerOptions[]; normalization?: Normalization } & Weights, options: ImportOptions, where: string,
  ): Promise<Network> {
    const { inputSize, layers } = m;
    if (typeof options !== 'object' || options === null) throw new WasmMlpError('INVALID_OPTION', `${where}: options: expected an object, got ${describe(options)}`);
    checkKeys('options', options as Record<string, unknown>, ['backend', 'threads', 'loss', 'optimizer', 'seed']);
    try {
      // The architecture read from the file: what this library cannot build is the model's fault.
      resolveModel(inputSize, layers, undefined);
    } catch (e) {
      if (e instanceof WasmMlpError) throw new WasmMlpError('UNSUPPORTED_MODEL', `${where}: the model's layers: ${e.message}`);
      throw e;
    }
    const net = await Network.create({
      inputSize, layers, loss: options.loss, optimizer: options.optimizer, seed: options.seed ?? 0, backend: options.backend, threads: options.threads,
      ...(m.normalization ? { normalization: m.normalization } : {}),
    });
    net.setWeights(m);
    return net;
  }

  /**
   * Restores a network from {@link Network.save}'s bytes, with the same parameters, bit for
   * bit. The optimizer's state starts fresh.
   *
   * @param bytes - A saved model (untrusted input: sizes and the CRC-32 are checked first).
   * @param options - Where it runs; see {@link LoadOptions}. Default: `{}` (wasm, one thread).
   * @throws {@link WasmMlpError} `INVALID_MODEL` for a corrupt, truncated or unknown-version
   *   file; `INVALID_OPTION` for bad options; `WASM_UNAVAILABLE`; `OUT_OF_MEMORY`.
   */
  static async load(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<Network> {
    const m = decodeBinary(bytes);
    return Network.restore(m, options);
  }

  private static async restore(m: DecodedModel, options: LoadOptions): Promise<Network> {
    const backend = options.backend === undefined ? 'wasm' : options.backend;
    if (backend !== 'wasm' && backend !== 'js') {
      throw new WasmMlpError('INVALID_OPTION', `options.backend: expected one of 'wasm', 'js', got ${describe(backend)}`);
    }
    const net = await Network.build(m.spec, m.optimizer, m.seed, backend, resolveThreads(options.threads, backend, 'options.threads'), m);
    net.engine!.writeParams(m.params);
    return net;
  }

  /**
   * Bytes of wasm memory the network holds now (0 on the js backend: its arrays live in the
   * JS heap).
   *
   * @throws {@link WasmMlpError} `DISPOSED` after dispose.
   */
  get memoryBytes(): number {
    return this.live().memoryBytes;
  }

  /**
   * Frees the network's memory now. Any later call that needs the network throws `DISPOSED`.
   * Calling it again does nothing.
   *
   * @throws {@link WasmMlpError} `BUSY` while fit is running.
   */
  dispose(): void {
    if (this.busy) throw new WasmMlpError('BUSY', 'dispose: fit is running on this network; await it first');
    if (!this.engine) return;
    registry?.unregister(this);
    this.engine.dispose();
    this.engine = null;
    this.scratch.snapshot = null;
    this.scratch.epochs = null;
  }

  /**
   * Each sample's weight in the loss, from fitOptions.sampleWeight and classWeight (Keras
   * semantics: both given, they multiply; a class missing from classWeight weighs 1), or null.
   */
  private sampleWeights(o: ResolvedFit, y: Float32Array, rows: number): Float32Array | null {
    if (o.sampleWeight === undefined && o.classWeight === undefined) return null;
    const w = new Float32Array(rows).fill(1);
    const checkWeight = (name: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidOption(name, 'a finite weight >= 0', v);
      return v;
    };
    if (o.sampleWeight !== undefined) {
      const sw = o.sampleWeight;
      if (sw.length !== rows) {
        throw new WasmMlpError('SHAPE_MISMATCH', `fitOptions.sampleWeight: expected one weight per sample (${rows}), got ${sw.length}`);
      }
      for (let i = 0; i < rows; i++) w[i] = checkWeight(`fitOptions.sampleWeight[${i}]`, sw[i]);
    }
    if (o.classWeight !== undefined) {
      const nout = this.outputSize;
      const cce = this.spec.loss === 'categorical-cross-entropy';
      if (!cce && nout !== 1) {
        throw new WasmMlpError('INVALID_OPTION', `fitOptions.classWeight: needs one class per sample: categorical cross-entropy, or a network with one output (classes 0 and 1); this one has ${nout} ${this.spec.loss} outputs`);
      }
      const classes = cce ? nout : 2;
      const table = new Float64Array(classes).fill(1);
      for (const [key, v] of Object.entries(o.classWeight)) {
        const label = Number(key);
        if (!Number.isInteger(label) || label < 0 || label >= classes) {
          throw invalidOption(`fitOptions.classWeight[${JSON.stringify(key)}]`, `a class label in 0..${classes - 1}`, key);
        }
        table[label] = checkWeight(`fitOptions.classWeight[${label}]`, v);
      }
      for (let i = 0; i < rows; i++) {
        let label = 0;
        if (cce) {
          for (let j = 1; j < nout; j++) if (y[i * nout + j] > y[i * nout + label]) label = j;
        } else label = y[i] >= 0.5 ? 1 : 0;
        w[i] = Math.fround(w[i] * table[label]);
      }
    }
    return w;
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
