/**
 * `wasm-mlp`: fully connected neural networks, trained and run by a WebAssembly SIMD core
 * (or a pure-JS backend with the same API), in Node 18+, Deno, Bun, browsers, Web Workers and
 * edge runtimes.
 *
 * Start with {@link Network.create}, {@link Network.fit} and {@link Network.predict}; the
 * options are {@link NetworkOptions} and {@link FitOptions}. Every failure is a
 * {@link WasmMlpError} with a stable {@link ErrorCode}. To serve a saved model with less
 * code, import `wasm-mlp/infer` instead.
 *
 * @example
 * ```ts
 * import { Network } from 'wasm-mlp';
 *
 * // XOR: two inputs, one output in (0, 1).
 * const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
 * const y = [0, 1, 1, 0];
 * const net = await Network.create({
 *   inputSize: 2,
 *   layers: [
 *     { units: 8, activation: 'tanh' },
 *     { units: 1, activation: 'sigmoid' },
 *   ],
 *   loss: 'binary-cross-entropy',
 *   optimizer: { kind: 'adam', learningRate: 0.05 },
 *   seed: 1,
 * });
 * const history = await net.fit(x, y, { epochs: 500, batchSize: 4 });
 * console.log(history.loss.at(-1), history.accuracy?.at(-1)); // a small loss, accuracy 1
 * console.log(net.predict(x));                                // Float32Array near [0, 1, 1, 0]
 * const bytes = net.save();                                   // Uint8Array
 * const copy = await Network.load(bytes);                     // the same weights, bit for bit
 * console.log(copy.predict([[1, 0]]));
 * copy.dispose();
 * net.dispose();
 * ```
 *
 * @sortStrategy kind, alphabetical-ignoring-documents
 * @packageDocumentation
 * @module wasm-mlp
 */

// Public exports only.
export { Network } from './network.js';
export { QuantizedNetwork } from './quantize.js';
export type { QuantizeOptions, QuantizedEvaluation, QuantizedWeights } from './quantize.js';
export type { QuantizedNetworkBase } from './quantized.js';
export type { Weights, Gradients, Evaluation, History, LoadOptions, ImportOptions } from './network.js';
export { WasmMlpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { init, memoryStats, terminateWorkers, threadStats } from './wasm.js';
/** @internal The runtime itself, for the repository's benchmarks (bench/run.js); not part of the API. */
export { loadRuntime as _loadRuntime } from './wasm.js';
export type { WasmSource, InitOptions, ThreadStats, MemoryStats } from './wasm.js';
export { ACTIVATIONS, LOSSES, OPTIMIZERS } from './enums.js';
export type { Activation, Loss, OptimizerKind } from './enums.js';
export type {
  NetworkOptions, LayerOptions, OptimizerOptions, FitOptions, EpochStats, BatchStats, Matrix, Targets,
  Backend, Initializer, ScheduleOptions, EarlyStoppingOptions, Monitor,
} from './config.js';
export type { OptimizerSpec, ModelSpec, LayerSpec } from './engine.js';
export type { GradientCheck } from './gradcheck.js';
export type { ModelJson } from './format.js';
export type { Normalization, NormalizationOptions, JsonValue } from './normalize.js';
