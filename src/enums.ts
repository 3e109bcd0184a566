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

/** Leaky-ReLU slope for z < 0 (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;
