// A textbook float64 oracle, written straight from the seed notes (../shared/seeds), one
// sample at a time, plain number arrays, clarity over speed. It judges both backends.
// W[l] is row-major (units_l x units_{l-1}), "out x in", as in seed 000.

export type Act = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky-relu' | 'elu' | 'softplus' | 'softmax';
export type LossName = 'mse' | 'binary-cross-entropy' | 'categorical-cross-entropy';

export interface Model {
  inputSize: number;
  /** alpha: leaky-relu's slope for z <= 0 (default 0.01), elu's scale (default 1), as in PyTorch. */
  layers: { units: number; activation: Act; alpha?: number }[];
  loss: LossName;
}

/** PyTorch's defaults: LeakyReLU(negative_slope=0.01), ELU(alpha=1.0). */
function alphaOf(act: Act, alpha: number | undefined): number {
  return alpha ?? (act === 'leaky-relu' ? 0.01 : 1);
}

export interface Params {
  weights: number[][];
  biases: number[][];
}

export interface OptimizerConfig {
  kind: 'sgd' | 'adam' | 'rmsprop';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  rho?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** a = g(z) for a whole layer vector (softmax needs the vector). */
export function activate(act: Act, z: number[], alpha?: number): number[] {
  switch (act) {
    case 'linear': return z.slice();
    case 'sigmoid': return z.map((v) => 1 / (1 + Math.exp(-v))); // seed 000: sigma(z) = 1 / (1 + e^-z)
    case 'tanh': return z.map(Math.tanh);
    case 'relu': return z.map((v) => (v > 0 ? v : 0));
    case 'leaky-relu': return z.map((v) => (v > 0 ? v : alphaOf(act, alpha) * v));
    case 'elu': return z.map((v) => (v > 0 ? v : alphaOf(act, alpha) * (Math.exp(v) - 1)));
    case 'softplus': return z.map((v) => Math.log(1 + Math.exp(v)));
    case 'softmax': {
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v) => v / s);
    }
  }
}

/** Jacobian da/dz of a layer, J[k][j] = da_k / dz_j (diagonal except for softmax). */
export function jacobian(act: Act, z: number[], alpha?: number): number[][] {
  const a = activate(act, z, alpha);
  const n = z.length;
  const J = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      if (act === 'softmax') J[k][j] = a[k] * ((k === j ? 1 : 0) - a[j]);
      else if (k === j) J[k][k] = derivative(act, z[k], alpha);
    }
  }
  return J;
}

/** g'(z) of the elementwise activations. Seed 000: sigma' = sigma (1 - sigma) = a (1 - a). */
export function derivative(act: Act, z: number, alpha?: number): number {
  switch (act) {
    case 'linear': return 1;
    case 'sigmoid': { const s = 1 / (1 + Math.exp(-z)); return s * (1 - s); }
    case 'tanh': return 1 - Math.tanh(z) ** 2;
    case 'relu': return z > 0 ? 1 : 0;
    case 'leaky-relu': return z > 0 ? 1 : alphaOf(act, alpha);
    case 'elu': return z > 0 ? 1 : alphaOf(act, alpha) * Math.exp(z);
    case 'softplus': return 1 / (1 + Math.exp(-z));
    case 'softmax': throw new Error('softmax has no elementwise derivative');
  }
}

/** Per-sample cost C(a, y) (DESIGN section 3; mse keeps seed 000's 1/2). */
export function cost(loss: LossName, a: number[], y: number[]): number {
  let c = 0;
  for (let k = 0; k < a.length; k++) {
    if (loss === 'mse') c += 0.5 * (a[k] - y[k]) ** 2;
    else if (loss === 'binary-cross-entropy') c -= y[k] * Math.log(a[k]) + (1 - y[k]) * Math.log(1 - a[k]);
    else c -= y[k] * Math.log(a[k]);
  }
  return c;
}

/** dC/da for one sample. */
export function costGradient(loss: LossName, a: number[], y: number[]): number[] {
  return a.map((ak, k) => {
    if (loss === 'mse') return ak - y[k]; // seed 000: dC/da^L = a^L - y
    if (loss === 'binary-cross-entropy') return (ak - y[k]) / (ak * (1 - ak));
    return -y[k] / ak;
  });
}

/** Forward pass of one sample: z^l = W^l a^{l-1} + b^l, a^l = g(z^l) (seed 000). */
export function forward(model: Model, p: Params, x: number[]): { zs: number[][]; as: number[][] } {
  const zs: number[][] = [];
  const as: number[][] = [x];
  model.layers.forEach((layer, l) => {
    const prev = as[l];
    const z: number[] = [];
    for (let o = 0; o < layer.units; o++) {
      let s = p.biases[l][o];
      for (let i = 0; i < prev.length; i++) s += p.weights[l][o * prev.length + i] * prev[i];
      z.push(s);
    }
    zs.push(z);
    as.push(activate(layer.activation, z, layer.alpha));
  });
  return { zs, as };
}

/**
 * Backpropagation for one sample (seeds 000/001/003): delta^L = J_g(z^L)^T dC/da,
 * delta^l = ((W^{l+1})^T delta^{l+1}) * g'(z^l), dC/dW^l = delta^l a^{l-1 T}, dC/db^l = delta^l.
 */
export function backpropSample(model: Model, p: Params, x: number[], y: number[]): { loss: number; grads: Params } {
  const { zs, as } = forward(model, p, x);
  const L = model.layers.length;
  const out = as[L];
  const dCda = costGradient(model.loss, out, y);
  const J = jacobian(model.layers[L - 1].activation, zs[L - 1], model.layers[L - 1].alpha);
  let delta = out.map((_, j) => dCda.reduce((s, g, k) => s + g * J[k][j], 0));
  const weights: number[][] = [];
  const biases: number[][] = [];
  for (let l = L - 1; l >= 0; l--) {
    const prev = as[l];
    const gw = new Array<number>(delta.length * prev.length);
    for (let o = 0; o < delta.length; o++) for (let i = 0; i < prev.length; i++) gw[o * prev.length + i] = delta[o] * prev[i];
    weights[l] = gw;
    biases[l] = delta.slice();
    if (l > 0) {
      const next: number[] = [];
      for (let i = 0; i < prev.length; i++) {
        let s = 0;
        for (let o = 0; o < delta.length; o++) s += p.weights[l][o * prev.length + i] * delta[o];
        next.push(s * derivative(model.layers[l - 1].activation, zs[l - 1][i], model.layers[l - 1].alpha));
      }
      delta = next;
    }
  }
  return { loss: cost(model.loss, out, y), grads: { weights, biases } };
}

/** Batch-averaged loss and gradients over m samples (seed 001): mean of per-sample ones. */
export function batchGradients(model: Model, p: Params, xs: number[][], ys: number[][]): { loss: number; grads: Params } {
  const m = xs.length;
  let loss = 0;
  const acc: Params = {
    weights: p.weights.map((w) => new Array<number>(w.length).fill(0)),
    biases: p.biases.map((b) => new Array<number>(b.length).fill(0)),
  };
  for (let i = 0; i < m; i++) {
    const r = backpropSample(model, p, xs[i], ys[i]);
    loss += r.loss / m;
    r.grads.weights.forEach((g, l) => g.forEach((v, j) => (acc.weights[l][j] += v / m)));
    r.grads.biases.forEach((g, l) => g.forEach((v, j) => (acc.biases[l][j] += v / m)));
  }
  return { loss, grads: acc };
}

/** Batch-averaged loss only, for central differences. */
export function batchLoss(model: Model, p: Params, xs: number[][], ys: number[][]): number {
  let loss = 0;
  for (let i = 0; i < xs.length; i++) loss += cost(model.loss, forward(model, p, xs[i]).as[model.layers.length], ys[i]) / xs.length;
  return loss;
}

/** Optimizer state for the reference steps (torch.optim semantics). */
export class Optimizer {
  private t = 0;
  private s1: Params | null = null;
  private s2: Params | null = null;
  constructor(private readonly c: OptimizerConfig) {}

  /**
   * One step, seed 000's W -= lr dC/dW "or an alternative to GD" (seed 004):
   * weight decay g += wd W on weights only; sgd buf = mu buf + g (first step buf = g),
   * nesterov g + mu buf; adam bias-corrected; rmsprop v = rho v + (1 - rho) g^2.
   */
  step(p: Params, grads: Params): void {
    const c = this.c;
    const lr = c.learningRate;
    const wd = c.weightDecay ?? 0;
    const zero = (): Params => ({ weights: p.weights.map((w) => w.map(() => 0)), biases: p.biases.map((b) => b.map(() => 0)) });
    this.s1 ??= zero();
    this.s2 ??= zero();
    this.t++;
    for (const part of ['weights', 'biases'] as const) {
      p[part].forEach((arr, l) => {
        for (let i = 0; i < arr.length; i++) {
          let g = grads[part][l][i] + (part === 'weights' ? wd * arr[i] : 0);
          const s1 = this.s1![part][l];
          const s2 = this.s2![part][l];
          if (c.kind === 'sgd') {
            const mu = c.momentum ?? 0;
            if (mu !== 0) {
              s1[i] = this.t === 1 ? g : mu * s1[i] + g;
              g = c.nesterov ? g + mu * s1[i] : s1[i];
            }
            arr[i] -= lr * g;
          } else if (c.kind === 'adam') {
            const b1 = c.beta1 ?? 0.9;
            const b2 = c.beta2 ?? 0.999;
            const eps = c.epsilon ?? 1e-8;
            s1[i] = b1 * s1[i] + (1 - b1) * g;
            s2[i] = b2 * s2[i] + (1 - b2) * g * g;
            const mhat = s1[i] / (1 - b1 ** this.t);
            const denom = Math.sqrt(s2[i]) / Math.sqrt(1 - b2 ** this.t) + eps;
            arr[i] -= (lr * mhat) / denom;
          } else {
            const rho = c.rho ?? 0.99;
            const eps = c.epsilon ?? 1e-8;
            s1[i] = rho * s1[i] + (1 - rho) * g * g;
            arr[i] -= (lr * g) / (Math.sqrt(s1[i]) + eps);
          }
        }
      });
    }
  }
}

/** Splits a flat row-major array into rows of `cols`. */
export function rows(flat: number[], cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += cols) out.push(flat.slice(i, i + cols));
  return out;
}

export function cloneParams(p: Params): Params {
  return { weights: p.weights.map((w) => w.slice()), biases: p.biases.map((b) => b.slice()) };
}
