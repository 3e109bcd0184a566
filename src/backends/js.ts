// The pure-JS backend: the same Engine contract as the wasm core, on Float32Array storage,
// batched (activations are (rows x units) row-major blocks), no allocation per batch. It is the
// fallback where wasm is unavailable and the "pure JS" side of the benchmarks. Arithmetic is
// float64 on float32 storage, so it agrees with the wasm core to float32 rounding, not bits.

import { WasmMlpError } from '../errors.js';
import { dropoutConstants, paramLayout, type Engine, type ModelSpec, type OptimizerSpec, type ParamLayout } from '../engine.js';
import type { Random } from '../random.js';

const CHUNK_ROWS = 256;

/** A zeroed Float32Array, or a typed OUT_OF_MEMORY error instead of the engine's RangeError. */
function allocate(length: number, what: string): Float32Array<ArrayBuffer> {
  try {
    return new Float32Array(length);
  } catch {
    throw new WasmMlpError('OUT_OF_MEMORY', `js backend: could not allocate ${length * 4} bytes for ${what}`);
  }
}
const CLAMP = 1e-7;

/** Buffers of one layer for `capacity` rows. */
interface LayerBuffers {
  z: Float32Array;
  a: Float32Array;
  delta: Float32Array;
  /** Layers with dropout: each output's factor in the current step (0 or 1 / (1 - p)). */
  mask: Float32Array | null;
  /** Layers with dropout: a * mask, what the next layer reads in a training step. */
  dropped: Float32Array | null;
}

export class JsEngine implements Engine {
  readonly layout: ParamLayout;
  private params: Float32Array;
  private grads: Float32Array;
  private state1: Float32Array;
  private state2: Float32Array;
  private opt: OptimizerSpec | null = null;
  private step = 0;
  private capacity = 0;
  private bufs: LayerBuffers[] = [];
  private x = new Float32Array(0);
  private y = new Float32Array(0);
  private w = new Float32Array(0);
  private data: { x: Float32Array; y: Float32Array; w: Float32Array | null; n: number } | null = null;

  constructor(readonly spec: ModelSpec) {
    this.layout = paramLayout(spec);
    const n = this.layout.count;
    this.params = allocate(n, 'parameters');
    this.grads = allocate(n, 'gradients');
    this.state1 = allocate(n, 'optimizer state');
    this.state2 = allocate(n, 'optimizer state');
    this.ensureCapacity(CHUNK_ROWS);
  }

  private get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    // Built aside and swapped in only when every buffer exists: a failure changes nothing.
    const bufs = this.spec.layers.map((l) => ({
      z: allocate(rows * l.units, 'activations'),
      a: allocate(rows * l.units, 'activations'),
      delta: allocate(rows * l.units, 'deltas'),
      mask: l.dropout > 0 ? allocate(rows * l.units, 'dropout masks') : null,
      dropped: l.dropout > 0 ? allocate(rows * l.units, 'dropout outputs') : null,
    }));
    const w = allocate(rows, 'the batch sample weights');
    const x = allocate(rows * this.spec.inputSize, 'the batch inputs');
    const y = allocate(rows * this.outputs, 'the batch targets');
    this.bufs = bufs;
    this.x = x;
    this.y = y;
    this.w = w;
    this.capacity = rows;
  }

  readParams(out: Float32Array): void {
    out.set(this.params);
  }

  writeParams(p: Float32Array): void {
    this.params.set(p.subarray(0, this.layout.count));
  }

  initSymmetric(random: Random, offset: number, count: number, bound: number): void {
    random.fillSymmetric(this.params, offset, count, bound);
  }

  setOptimizer(opt: OptimizerSpec): void {
    this.opt = { ...opt };
    this.step = 0;
    this.state1.fill(0);
    this.state2.fill(0);
  }

  /**
   * Forward pass of m rows of `x` (m x inputSize): fills each layer's z and a. With `random`
   * (a training step), layers with dropout draw their masks and pass a * mask on.
   */
  private forward(x: Float32Array, m: number, random?: Random): void {
    let input = x;
    let nin = this.spec.inputSize;
    this.spec.layers.forEach((layer, l) => {
      const buf = this.bufs[l];
      linearForward(buf.z, input, this.params, this.layout.weightOffset[l], this.layout.biasOffset[l], m, nin, layer.units);
      activationForward(layer.activation, layer.alpha, buf.z, buf.a, m, layer.units);
      input = buf.a;
      if (random && buf.mask) {
        dropoutMask(random, buf.mask, m * layer.units, layer.dropout);
        for (let i = 0; i < m * layer.units; i++) buf.dropped![i] = buf.a[i] * buf.mask[i];
        input = buf.dropped!;
      }
      nin = layer.units;
    });
  }

  /**
   * Output loss (summed over rows) and delta^L of the m rows against targets y; with sample
   * weights w, each row's loss term and delta are scaled by its weight.
   */
  private outputDelta(y: Float32Array, m: number, w?: Float32Array): number {
    const L = this.spec.layers.length;
    const { activation: act, alpha } = this.spec.layers[L - 1];
    const { z, a, delta } = this.bufs[L - 1];
    const u = this.outputs;
    if (!w) return outputLossAndDelta(this.spec.loss, act, alpha, z, a, y, delta, m, u);
    let total = 0;
    for (let r = 0; r < m; r++) {
      const row = (t: Float32Array) => t.subarray(r * u, (r + 1) * u);
      total += w[r] * outputLossAndDelta(this.spec.loss, act, alpha, row(z), row(a), row(y), row(delta), 1, u);
      for (let j = r * u; j < (r + 1) * u; j++) delta[j] *= w[r];
    }
    return total;
  }

  /**
   * Forward + backward for m rows; leaves batch-averaged gradients in this.grads. A training
   * step passes `random` (dropout masks) and the rows' sample weights `w`.
   */
  private backprop(x: Float32Array, y: Float32Array, m: number, random?: Random, w?: Float32Array): number {
    this.forward(x, m, random);
    const loss = this.outputDelta(y, m, w);
    const layers = this.spec.layers;
    const invm = 1 / m;
    for (let l = layers.length - 1; l >= 0; l--) {
      const nout = layers[l].units;
      const nin = l === 0 ? this.spec.inputSize : layers[l - 1].units;
      const dropped = l > 0 && random ? this.bufs[l - 1].dropped : null;
      const input = l === 0 ? x : (dropped ?? this.bufs[l - 1].a);
      const delta = this.bufs[l].delta;
      linearBackwardParams(this.grads, this.layout.weightOffset[l], this.layout.biasOffset[l], delta, input, m, nin, nout, invm);
      if (l > 0) {
        const prev = this.bufs[l - 1];
        linearBackwardInput(prev.delta, delta, this.params, this.layout.weightOffset[l], m, nin, nout);
        activationBackward(layers[l - 1].activation, layers[l - 1].alpha, prev.z, prev.a, prev.delta, m, nin);
        // Through the mask: dC/da of a dropped output is 0, of a kept one scaled like it.
        if (dropped) for (let i = 0; i < m * nin; i++) prev.delta[i] *= prev.mask![i];
      }
    }
    return loss;
  }

  predict(x: Float32Array, m: number, out: Float32Array): void {
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    const last = this.bufs[this.bufs.length - 1];
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      this.forward(x.subarray(r * nin, (r + rows) * nin), rows);
      out.set(last.a.subarray(0, rows * nout), r * nout);
    }
  }

  evaluate(x: Float32Array, y: Float32Array, m: number): { loss: number; correct: number } {
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    this.ensureCapacity(Math.min(m, CHUNK_ROWS));
    const last = this.bufs[this.bufs.length - 1];
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < m; r += this.capacity) {
      const rows = Math.min(this.capacity, m - r);
      const yc = y.subarray(r * nout, (r + rows) * nout);
      this.forward(x.subarray(r * nin, (r + rows) * nin), rows);
      loss += this.outputDelta(yc, rows);
      correct += correctCount(this.spec.loss, last.a, yc, rows, nout);
    }
    return { loss: loss / m, correct };
  }

  gradients(x: Float32Array, y: Float32Array, m: number, out: Float32Array): number {
    this.ensureCapacity(m);
    const loss = this.backprop(x, y, m) / m;
    out.set(this.grads);
    return loss;
  }

  loadTrainingSet(x: Float32Array, y: Float32Array, n: number, _checkName?: string, weights?: Float32Array | null): void {
    this.data = { x: x.slice(0, n * this.spec.inputSize), y: y.slice(0, n * this.outputs), w: weights ? weights.slice(0, n) : null, n };
  }

  trainBatches(
    order: Uint32Array, batchSize: number, firstBatch: number, count: number,
    losses: Float64Array, corrects: Float64Array, random: Random,
  ): number {
    const d = this.data;
    if (!d || !this.opt) throw new Error('trainBatches before loadTrainingSet/setOptimizer');
    this.ensureCapacity(Math.min(batchSize, d.n));
    const nin = this.spec.inputSize;
    const nout = this.outputs;
    const last = this.bufs[this.bufs.length - 1];
    for (let b = firstBatch; b < firstBatch + count; b++) {
      const start = b * batchSize;
      const m = Math.min(batchSize, d.n - start);
      // Gather the batch rows into the contiguous input/target blocks.
      const { x, y, w } = this;
      for (let i = 0; i < m; i++) {
        const s = order[start + i];
        for (let j = 0; j < nin; j++) x[i * nin + j] = d.x[s * nin + j];
        for (let j = 0; j < nout; j++) y[i * nout + j] = d.y[s * nout + j];
        if (d.w) w[i] = d.w[s];
      }
      const loss = this.backprop(this.x, this.y, m, random, d.w ? w : undefined) / m;
      losses[b] = loss;
      corrects[b] = correctCount(this.spec.loss, last.a, this.y, m, nout);
      if (!Number.isFinite(loss)) return b;
      this.optimizerStep();
    }
    return firstBatch + count;
  }

  readonly coversEpochs = false;
  readonly threads = 1;
  readonly memoryBytes = 0;

  setLearningRate(lr: number): void {
    this.opt = { ...this.opt!, learningRate: lr };
  }

  private optimizerStep(): void {
    const o = this.opt!;
    const nw = this.layout.weightCount;
    const count = this.layout.count;
    const { params: p, grads: g, state1: s1, state2: s2 } = this;
    if (o.clipNorm > 0) clipGradients(g, count, o.clipNorm);
    if (o.kind === 'sgd') {
      sgdUpdate(p, g, s1, 0, nw, o.learningRate, o.momentum, o.nesterov, o.weightDecay);
      sgdUpdate(p, g, s1, nw, count, o.learningRate, o.momentum, o.nesterov, 0);
    } else if (o.kind === 'adam') {
      this.step++;
      adamUpdate(p, g, s1, s2, 0, nw, o, o.weightDecay, this.step);
      adamUpdate(p, g, s1, s2, nw, count, o, 0, this.step);
    } else {
      rmspropUpdate(p, g, s1, 0, nw, o.learningRate, o.rho, o.epsilon, o.weightDecay);
      rmspropUpdate(p, g, s1, nw, count, o.learningRate, o.rho, o.epsilon, 0);
    }
  }

  releaseTrainingSet(): void {
    this.data = null;
  }

  dispose(): void {
    this.data = null;
    this.bufs = [];
    this.capacity = 0;
  }
}

// z (m x nout) = inp (m x nin) W^T + b; W (nout x nin) at p[wo], b at p[bo].
function linearForward(
  z: Float32Array, inp: Float32Array, p: Float32Array, wo: number, bo: number, m: number, nin: number, nout: number,
): void {
  for (let i = 0; i < m; i++) {
    const ir = i * nin;
    const zr = i * nout;
    for (let o = 0; o < nout; o++) {
      const wr = wo + o * nin;
      // Four partial sums break the add dependency chain (about 3x faster than one).
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 4 <= nin; k += 4) {
        s0 += inp[ir + k] * p[wr + k];
        s1 += inp[ir + k + 1] * p[wr + k + 1];
        s2 += inp[ir + k + 2] * p[wr + k + 2];
        s3 += inp[ir + k + 3] * p[wr + k + 3];
      }
      for (; k < nin; k++) s0 += inp[ir + k] * p[wr + k];
      z[zr + o] = s0 + s1 + (s2 + s3) + p[bo + o];
    }
  }
}

// dW (nout x nin) = invm * delta^T (nout x m) inp (m x nin); db = invm * column sums of delta.
function linearBackwardParams(
  g: Float32Array, wo: number, bo: number, delta: Float32Array, inp: Float32Array,
  m: number, nin: number, nout: number, invm: number,
): void {
  g.fill(0, wo, wo + nout * nin);
  g.fill(0, bo, bo + nout);
  // Accumulate in float32 storage row by row (i-k-j order: contiguous inner loop over nin).
  for (let i = 0; i < m; i++) {
    const ir = i * nin;
    const dr = i * nout;
    for (let o = 0; o < nout; o++) {
      const d = delta[dr + o];
      if (d === 0) continue;
      const wr = wo + o * nin;
      for (let k = 0; k < nin; k++) g[wr + k] += d * inp[ir + k];
      g[bo + o] += d;
    }
  }
  for (let j = wo; j < wo + nout * nin; j++) g[j] *= invm;
  for (let j = bo; j < bo + nout; j++) g[j] *= invm;
}

// dprev (m x nin) = delta (m x nout) W (nout x nin).
function linearBackwardInput(
  dprev: Float32Array, delta: Float32Array, p: Float32Array, wo: number, m: number, nin: number, nout: number,
): void {
  dprev.fill(0, 0, m * nin);
  for (let i = 0; i < m; i++) {
    const pr = i * nin;
    const dr = i * nout;
    for (let o = 0; o < nout; o++) {
      const d = delta[dr + o];
      if (d === 0) continue;
      const wr = wo + o * nin;
      for (let k = 0; k < nin; k++) dprev[pr + k] += d * p[wr + k];
    }
  }
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

// a = g(z) over (rows x units); softmax per row, max-shifted. alpha: leaky-relu's slope for
// z <= 0, elu's scale of e^z - 1 (assembly/activations.ts).
function activationForward(act: string, alpha: number, z: Float32Array, a: Float32Array, rows: number, units: number): void {
  const n = rows * units;
  switch (act) {
    case 'linear':
      a.set(z.subarray(0, n));
      break;
    case 'relu':
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
      break;
    case 'leaky-relu':
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : z[i] * alpha;
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) a[i] = sigmoid(z[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
      break;
    case 'elu':
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : alpha * Math.expm1(z[i]);
      break;
    case 'softplus':
      for (let i = 0; i < n; i++) a[i] = softplus(z[i]);
      break;
    case 'softmax':
      for (let r = 0; r < rows; r++) {
        const o = r * units;
        let mx = z[o];
        for (let j = 1; j < units; j++) mx = Math.max(mx, z[o + j]);
        let sum = 0;
        for (let j = 0; j < units; j++) sum += Math.exp(z[o + j] - mx);
        for (let j = 0; j < units; j++) a[o + j] = Math.exp(z[o + j] - mx) / sum;
      }
      break;
    default:
      throw new Error(`unknown activation ${act}`);
  }
}

// d *= g'(z) over (rows x units), g' from z or a (see assembly/activations.ts).
function activationBackward(act: string, alpha: number, z: Float32Array, a: Float32Array, d: Float32Array, rows: number, units: number): void {
  const n = rows * units;
  switch (act) {
    case 'linear':
      break;
    case 'relu':
      for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] = 0;
      break;
    case 'leaky-relu':
      for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] *= alpha;
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) d[i] *= a[i] * (1 - a[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) d[i] *= 1 - a[i] * a[i];
      break;
    case 'elu':
      for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] *= a[i] + alpha;
      break;
    case 'softplus':
      for (let i = 0; i < n; i++) d[i] *= sigmoid(z[i]);
      break;
    default:
      throw new Error(`activation ${act} has no elementwise derivative`);
  }
}

// Summed loss and delta^L = dC_i/dz^L per row; conventions in assembly/losses.ts.
function outputLossAndDelta(
  loss: string, act: string, alpha: number, z: Float32Array, a: Float32Array, y: Float32Array, d: Float32Array, rows: number, units: number,
): number {
  const n = rows * units;
  let total = 0;
  if (loss === 'mse') {
    for (let i = 0; i < n; i++) {
      const diff = a[i] - y[i];
      total += 0.5 * diff * diff;
      d[i] = diff;
    }
  } else if (loss === 'binary-cross-entropy' && act === 'sigmoid') {
    for (let i = 0; i < n; i++) {
      total += softplus(z[i]) - y[i] * z[i];
      d[i] = a[i] - y[i];
    }
    return total;
  } else if (loss === 'categorical-cross-entropy' && act === 'softmax') {
    for (let r = 0; r < rows; r++) {
      const o = r * units;
      let mx = z[o];
      for (let j = 1; j < units; j++) mx = Math.max(mx, z[o + j]);
      let sum = 0;
      for (let j = 0; j < units; j++) sum += Math.exp(z[o + j] - mx);
      const lse = mx + Math.log(sum);
      for (let j = 0; j < units; j++) {
        if (y[o + j] !== 0) total += y[o + j] * (lse - z[o + j]);
        d[o + j] = a[o + j] - y[o + j];
      }
    }
    return total;
  } else if (loss === 'binary-cross-entropy') {
    for (let i = 0; i < n; i++) {
      const ai = Math.min(Math.max(a[i], CLAMP), 1 - CLAMP);
      total -= y[i] * Math.log(ai) + (1 - y[i]) * Math.log(1 - ai);
      d[i] = (ai - y[i]) / (ai * (1 - ai));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const ai = Math.max(a[i], CLAMP);
      if (y[i] !== 0) total -= y[i] * Math.log(ai);
      d[i] = -y[i] / ai;
    }
  }
  if (act === 'softmax') {
    // Softmax Jacobian: delta_k = a_k (g_k - sum_j a_j g_j).
    for (let r = 0; r < rows; r++) {
      const o = r * units;
      let dot = 0;
      for (let j = 0; j < units; j++) dot += a[o + j] * d[o + j];
      for (let j = 0; j < units; j++) d[o + j] = a[o + j] * (d[o + j] - dot);
    }
  } else {
    activationBackward(act, alpha, z, a, d, rows, units);
  }
  return total;
}

// Summed per-sample accuracy, rule in src/engine.ts.
function correctCount(loss: string, a: Float32Array, y: Float32Array, rows: number, units: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * units;
    if (loss === 'binary-cross-entropy' || units === 1) {
      let hits = 0;
      for (let j = 0; j < units; j++) if (a[o + j] >= 0.5 === y[o + j] >= 0.5) hits++;
      correct += hits / units;
    } else {
      let ia = 0;
      let iy = 0;
      for (let j = 1; j < units; j++) {
        if (a[o + j] > a[o + ia]) ia = j;
        if (y[o + j] > y[o + iy]) iy = j;
      }
      if (ia === iy) correct++;
    }
  }
  return correct;
}

/**
 * Inverted dropout's mask for `count` outputs: each draws u = (next >>> 8) * 2^-24 from the
 * network's stream and is kept (factor f32(1 / (1 - p))) when u >= p, else dropped (0); the
 * test is made on integers, next >>> 8 >= ceil(p 2^24), as the wasm core makes it
 * (src/abi.ts LAYER_DROP_T), which draws the same numbers in the same order.
 */
export function dropoutMask(random: Random, mask: Float32Array, count: number, p: number): void {
  const { threshold, scale } = dropoutConstants(p);
  for (let i = 0; i < count; i++) mask[i] = random.nextU32() >>> 8 >= threshold ? scale : 0;
}


/**
 * torch.nn.utils.clip_grad_norm_ over every parameter: the global L2 norm of the gradients;
 * above maxNorm they are all multiplied by f32(maxNorm / (norm + 1e-6)).
 */
export function clipGradients(g: Float32Array, count: number, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += g[i] * g[i];
  const norm = Math.sqrt(sum);
  const coef = Math.fround(maxNorm / (norm + 1e-6));
  if (coef < 1) for (let i = 0; i < count; i++) g[i] *= coef;
  return norm;
}

// SGD, torch semantics: g += wd p; buf = momentum buf + g; g = nesterov ? g + momentum buf : buf.
function sgdUpdate(
  p: Float32Array, gr: Float32Array, buf: Float32Array, start: number, end: number,
  lr: number, momentum: number, nesterov: boolean, wd: number,
): void {
  for (let i = start; i < end; i++) {
    let g = gr[i] + wd * p[i];
    if (momentum !== 0) {
      buf[i] = momentum * buf[i] + g;
      g = nesterov ? g + momentum * buf[i] : buf[i];
    }
    p[i] -= lr * g;
  }
}

// Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps).
function adamUpdate(
  p: Float32Array, gr: Float32Array, m: Float32Array, v: Float32Array, start: number, end: number,
  o: OptimizerSpec, wd: number, t: number,
): void {
  const stepSize = o.learningRate / (1 - o.beta1 ** t);
  const bc2 = Math.sqrt(1 - o.beta2 ** t);
  for (let i = start; i < end; i++) {
    const g = gr[i] + wd * p[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2 + o.epsilon);
  }
}

// RMSprop: v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps).
function rmspropUpdate(
  p: Float32Array, gr: Float32Array, v: Float32Array, start: number, end: number,
  lr: number, rho: number, eps: number, wd: number,
): void {
  for (let i = start; i < end; i++) {
    const g = gr[i] + wd * p[i];
    v[i] = rho * v[i] + (1 - rho) * g * g;
    p[i] -= (lr * g) / (Math.sqrt(v[i]) + eps);
  }
}
