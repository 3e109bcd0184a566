// Enums shared across the JS/wasm boundary. Each is defined once here; assembly/enums.ts
// mirrors the numeric values (a test compares the two files).

/**
 * Every activation a layer may use ({@link LayerOptions.activation}), in the order of the
 * numeric codes the wasm core reads. Handy for building a menu or validating user input.
 */
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
/**
 * A layer's activation function g, applied elementwise to z = W a + b (softmax: per row):
 *
 * - `'linear'`: g(z) = z (the default when a layer gives none);
 * - `'sigmoid'`: 1 / (1 + e^-z);
 * - `'tanh'`: tanh(z);
 * - `'relu'`: max(0, z);
 * - `'leaky-relu'`: z > 0 ? z : alpha z, alpha 0.01 unless {@link LayerOptions.alpha} says otherwise;
 * - `'elu'`: z > 0 ? z : alpha (e^z - 1), alpha 1 unless {@link LayerOptions.alpha} says otherwise;
 * - `'softplus'`: log(1 + e^z);
 * - `'softmax'`: e^z_k / sum_j e^z_j over the layer's units; output layer only, at least 2 units.
 *
 * @useDeclaredType
 */
export type Activation = (typeof ACTIVATIONS)[number];

/** Every loss a network may train with ({@link NetworkOptions.loss}), in the order of their numeric codes. */
export const LOSSES = ['mse', 'binary-cross-entropy', 'categorical-cross-entropy'] as const;
/**
 * The loss C, averaged over the m samples of a batch (a = output row, y = target row):
 *
 * - `'mse'`: (1/m) sum_i 1/2 ||a_i - y_i||^2 (note the 1/2: PyTorch's MSELoss, without it and
 *   averaged over outputs too, is 2/outputs times this);
 * - `'binary-cross-entropy'`: -(1/m) sum_i sum_k [y log a + (1 - y) log(1 - a)]; needs a
 *   `'sigmoid'` (or `'softmax'`) output layer; targets in [0, 1];
 * - `'categorical-cross-entropy'`: -(1/m) sum_i sum_k y_k log a_k; needs a `'softmax'` output
 *   layer; targets are one-hot (or probability) rows, or integer class labels.
 *
 * With sigmoid + binary cross-entropy and softmax + categorical cross-entropy the loss is
 * computed from z (log-sigmoid, log-sum-exp), so saturated outputs stay finite. Accuracy is
 * reported for the two cross-entropy losses, not for `'mse'`.
 *
 * @useDeclaredType
 */
export type Loss = (typeof LOSSES)[number];

/** Every optimizer kind ({@link OptimizerOptions.kind}), in the order of their numeric codes. */
export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'] as const;
/**
 * An optimizer, with `torch.optim` semantics and defaults (see {@link OptimizerOptions} for
 * each hyper-parameter):
 *
 * - `'sgd'`: `torch.optim.SGD`, optionally with momentum and Nesterov momentum;
 * - `'adam'`: `torch.optim.Adam`, bias-corrected, epsilon added after the square root;
 * - `'rmsprop'`: `torch.optim.RMSprop` (its `alpha` is {@link OptimizerOptions.rho} here).
 *
 * @useDeclaredType
 */
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
