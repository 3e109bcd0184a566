// Enums shared across the JS/wasm boundary. Each is defined once here; assembly/enums.ts
// mirrors the numeric values (a test compares the two files).

export const ACTIVATIONS = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leaky-relu',
  'elu',
  'softplus',
  'softmax',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ['mse', 'binary-cross-entropy', 'categorical-cross-entropy'] as const;
export type Loss = (typeof LOSSES)[number];

export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** Numeric code of an activation, as the wasm core reads it from the layer table. */
export function activationCode(a: Activation): number {
  return ACTIVATIONS.indexOf(a);
}
export function lossCode(l: Loss): number {
  return LOSSES.indexOf(l);
}
export function optimizerCode(o: OptimizerKind): number {
  return OPTIMIZERS.indexOf(o);
}

/**
 * The activations that take a parameter `alpha`, and its default (PyTorch's and ONNX's):
 * leaky-relu's slope for z <= 0 (a = alpha z), elu's scale (a = alpha (e^z - 1)).
 */
export const DEFAULT_ALPHA: Readonly<Partial<Record<Activation, number>>> = { 'leaky-relu': 0.01, elu: 1 };
