// net.checkGradients: the engine's analytic gradients against central differences of the loss
// computed here, in float64, straight from the definitions (README "Conventions"): for users
// who extend the engine or doubt it. Costs two float64 forward passes over the batch per
// parameter, so it is meant for small networks and batches.

import type { ModelSpec } from './engine.js';
import { paramLayout } from './engine.js';

/** What {@link Network.checkGradients} returns. */
export interface GradientCheck {
  /** Largest |analytic - numeric| over all parameters. */
  maxAbsoluteError: number;
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|, 1e-8). */
  maxRelativeError: number;
  /** Where the largest relative error is. */
  worst: {
    /** 0-based layer index. */
    layer: number;
    /** In the layer's weights or its biases. */
    kind: 'weight' | 'bias';
    /** Flat index in that array (weights: row-major, out x in). */
    index: number;
  };
}

function activate(act: string, alpha: number, z: Float64Array, units: number): void {
  if (act === 'softmax') {
    for (let r = 0; r < z.length; r += units) {
      let max = -Infinity;
      for (let j = 0; j < units; j++) max = Math.max(max, z[r + j]);
      let sum = 0;
      for (let j = 0; j < units; j++) sum += Math.exp(z[r + j] - max);
      for (let j = 0; j < units; j++) z[r + j] = Math.exp(z[r + j] - max) / sum;
    }
    return;
  }
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    switch (act) {
      case 'sigmoid': z[i] = 1 / (1 + Math.exp(-v)); break;
      case 'tanh': z[i] = Math.tanh(v); break;
      case 'relu': z[i] = v > 0 ? v : 0; break;
      case 'leaky-relu': z[i] = v > 0 ? v : alpha * v; break;
      case 'elu': z[i] = v > 0 ? v : alpha * Math.expm1(v); break;
      case 'softplus': z[i] = v > 30 ? v : Math.log1p(Math.exp(v)); break;
      default: break; // linear
    }
  }
}

/** The batch-mean loss of (x, y) at parameters p (float64, the parameter-block layout). */
export function lossAt(spec: ModelSpec, p: Float64Array, x: Float32Array, y: Float32Array, m: number, weights?: Float32Array): number {
  const layout = paramLayout(spec);
  let a = Float64Array.from(x.subarray(0, m * spec.inputSize));
  let nin = spec.inputSize;
  const last = spec.layers.length - 1;
  const outAct = spec.layers[last].activation;
  const fromZ = spec.loss === 'categorical-cross-entropy' || (spec.loss === 'binary-cross-entropy' && outAct === 'sigmoid');
  let z = a;
  spec.layers.forEach((layer, l) => {
    const nout = layer.units;
    z = new Float64Array(m * nout);
    const w = layout.weightOffset[l];
    const b = layout.biasOffset[l];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < nout; j++) {
        let s = p[b + j];
        for (let k = 0; k < nin; k++) s += p[w + j * nin + k] * a[i * nin + k];
        z[i * nout + j] = s;
      }
    }
    const out = Float64Array.from(z);
    // Sigmoid + BCE and softmax + CCE are computed from z (log-sigmoid, log-sum-exp).
    if (l < last || !fromZ) activate(layer.activation, layer.alpha, out, nout);
    a = out;
    nin = nout;
  });
  const nout = spec.layers[last].units;
  let total = 0;
  for (let i = 0; i < m; i++) {
    let term = 0;
    for (let j = 0; j < nout; j++) {
      const t = y[i * nout + j];
      const v = a[i * nout + j];
      if (spec.loss === 'mse') term += 0.5 * (v - t) ** 2;
      else if (spec.loss === 'binary-cross-entropy') {
        term += fromZ ? Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v))) : -(t * Math.log(v) + (1 - t) * Math.log(1 - v));
      }
    }
    if (spec.loss === 'categorical-cross-entropy') {
      let max = -Infinity;
      for (let j = 0; j < nout; j++) max = Math.max(max, a[i * nout + j]);
      let sum = 0;
      for (let j = 0; j < nout; j++) sum += Math.exp(a[i * nout + j] - max);
      const lse = max + Math.log(sum);
      for (let j = 0; j < nout; j++) term -= y[i * nout + j] * (a[i * nout + j] - lse);
    }
    total += (weights ? weights[i] : 1) * term;
  }
  return total / m;
}

/** Compares `analytic` (the parameter-block layout) with central differences of lossAt. */
export function checkGradients(
  spec: ModelSpec, params: Float32Array, analytic: Float32Array, x: Float32Array, y: Float32Array, m: number, epsilon: number,
): GradientCheck {
  const layout = paramLayout(spec);
  const p = Float64Array.from(params);
  let maxAbs = 0;
  let maxRel = -1;
  let worstAt = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + epsilon;
    const up = lossAt(spec, p, x, y, m);
    p[i] = v - epsilon;
    const down = lossAt(spec, p, x, y, m);
    p[i] = v;
    const numeric = (up - down) / (2 * epsilon);
    const abs = Math.abs(analytic[i] - numeric);
    const rel = abs / Math.max(Math.abs(analytic[i]), Math.abs(numeric), 1e-8);
    maxAbs = Math.max(maxAbs, abs);
    if (rel > maxRel) {
      maxRel = rel;
      worstAt = i;
    }
  }
  let layer = 0;
  let kind: 'weight' | 'bias' = 'weight';
  let index = 0;
  if (worstAt < layout.weightCount) {
    while (layer + 1 < spec.layers.length && layout.weightOffset[layer + 1] <= worstAt) layer++;
    index = worstAt - layout.weightOffset[layer];
  } else {
    kind = 'bias';
    while (layer + 1 < spec.layers.length && layout.biasOffset[layer + 1] <= worstAt) layer++;
    index = worstAt - layout.biasOffset[layer];
  }
  return { maxAbsoluteError: maxAbs, maxRelativeError: Math.max(maxRel, 0), worst: { layer, kind, index } };
}
