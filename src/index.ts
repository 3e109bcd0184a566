// Public exports only.
export { Network } from './network.js';
export type { Weights, Gradients, Evaluation, History, LoadOptions, ImportOptions } from './network.js';
export { WasmMlpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { init, terminateWorkers, threadStats } from './wasm.js';
export type { WasmSource, InitOptions, ThreadStats } from './wasm.js';
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
