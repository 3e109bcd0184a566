// The training step and forward pass over the layer table of a network descriptor (layout in
// src/abi.ts). Everything lives at addresses TS planned; nothing here allocates or keeps state
// outside the descriptor, so many networks and many instances can share one memory.

import {
  NET_LAYERS, NET_INPUT, NET_LOSS, NET_OPT, NET_PARAM_COUNT, NET_PARAMS, NET_GRADS, NET_X,
  NET_Y, NET_PACK, NET_STEP, NET_TILE, NET_DATA_X, NET_DATA_Y, NET_RESULT, NET_PACKED,
  NET_RNG, NET_FAIL_BATCH, NET_PACK_BYTES, NET_HEADER_WORDS, LAYER_WORDS,
  LAYER_IN, LAYER_OUT, LAYER_ACT, LAYER_W, LAYER_B, LAYER_Z, LAYER_A, LAYER_DELTA, LAYER_WT, LAYER_W_FINITE,
  OPT_ADAM, ACT_RELU,
} from '../src/abi';
import { activationForward, activationBackward } from './activations';
import { gemmNarrow, packTransposed, packRows, sparseListBytes, countNonzero } from './gemm';
import { outputLossAndDelta, correctCount } from './losses';
import { parallelGemm, parallelGemmSparse, parallelSparseRows, parallelUpdate, parallelPackTransposed, parallelPackRows } from './threads';
import { shuffle } from './random';
import { field, ptr, layerField, layerPtr, layerInput } from './layout';
import { isSmall, smallForward, smallBackprop } from './small';
import { firstNonFinite } from './checks';

// Refreshes every layer's packed W^T after the parameters changed (an optimizer step or a
// write from TS clears NET_PACKED), so inference on unchanged weights never repacks, and
// notes whether the layer's weights are all finite (an update can overflow them; the sparse
// products need a finite B).
function ensurePacked(net: usize): void {
  if (field(net, NET_PACKED) != 0) return;
  const L = field(net, NET_LAYERS);
  const params = ptr(net, NET_PARAMS);
  for (let l = 0; l < L; l++) {
    const w = params + (<usize>layerField(net, l, LAYER_W) << 2);
    const finite = parallelPackTransposed(net, layerPtr(net, l, LAYER_WT), w, layerField(net, l, LAYER_OUT), layerField(net, l, LAYER_IN));
    store<i32>(net + (<usize>(NET_HEADER_WORDS + l * LAYER_WORDS + LAYER_W_FINITE) << 2), finite ? 1 : 0);
  }
  store<i32>(net + (<usize>NET_PACKED << 2), 1);
}

// Whether a product with n output columns and m output rows goes through gemmNarrow: fewer
// than 16 columns that do not fill 8-column panels, and at least one full 8-row panel.
// (Forward: n = outputs, m = batch rows. dW: n = the layer's inputs, m = its outputs.)
// @ts-ignore: decorator
@inline function narrow(n: i32, m: i32): bool {
  return n < 16 && (n & 7) != 0 && m >= 8;
}

// ---- products that skip the zeros of A (gemm.ts's gemmSparse; the same bits as gemm) -------
// ReLU layers zero about half of their activations (the next layer's forward A) and of their
// deltas (A of their own dW and of the delta product into the layer below), and inputs such as
// MNIST digits are mostly zeros. Listing A's nonzeros and skipping the rest beats the dense
// tiles below a density that depends on K: measured on 2-core Zen (bench/RESULTS.md), with the
// list's cost included, about 0.72 for dW over a batch (K = rows <= 170: a list of few entries
// per row, B's block in L1) and 0.55 for K = 512 or 784 (a longer list to build and read,
// B in chunks of 128 rows).

/** Most nonzeros in A, in 1/256 of its size, for which the sparse product is used. */
// @ts-ignore: decorator
@inline function sparseLimit(K: i32): i32 {
  return K * 96 <= 16384 ? 174 : 133;
}

let sparseEnabled = true;
let sparseCalls = 0;

/** Tests and benchmarks: 0 sends every product through the dense kernels. Returns the previous setting. */
export function setSparsePath(on: i32): i32 {
  const was = sparseEnabled ? 1 : 0;
  sparseEnabled = on != 0;
  return was;
}

/** Tests: products that took the sparse path so far. */
export function sparsePathCalls(): i32 {
  return sparseCalls;
}

// C (M x N) = alpha A (M x K) B [+ bias] through gemmSparse when A is sparse enough and its
// list fits the packing scratch; returns false, having done nothing, otherwise. A is
// row-major (M x K), or with `transposed` stored as A^T (K x M). B's strides: see gemm.ts.
function sparseProduct(
  net: usize, M: i32, N: i32, K: i32, a: usize, transposed: bool,
  b: usize, kb: i32, pb: i32, c: usize, ldc: i32, bias: usize, alpha: f32,
): bool {
  if (!sparseEnabled) return false;
  const list = ptr(net, NET_PACK);
  const most = (<i64>M * <i64>K * sparseLimit(K)) >> 8;
  const maxBytes = <i32>min<i64>(<i64>field(net, NET_PACK_BYTES), <i64>sparseListBytes(M, K, 0) + 8 * most);
  const nonzeros = parallelSparseRows(net, list, a, M, K, transposed, kb, maxBytes);
  if (nonzeros < 0) return false;
  parallelGemmSparse(net, M, N, <i64>nonzeros * <i64>N, list, b, pb, c, ldc, bias, alpha);
  sparseCalls++;
  return true;
}

// Whether layer l's input may be sparse enough to try: a ReLU layer's activations, or batch
// inputs whose first row is (one row costs far less than counting the whole batch).
function sparseInput(net: usize, l: i32, m: i32, nin: i32): bool {
  if (l > 0) return layerField(net, l - 1, LAYER_ACT) == ACT_RELU;
  return m >= 4 && countNonzero(ptr(net, NET_X), nin) * 256 <= nin * sparseLimit(nin);
}

// Forward pass of m rows held in the input region: Z_l = A_{l-1} W_l^T + b_l, A_l = g(Z_l).
// A few rows through a small network take small.ts's path, with the same bits.
export function forward(net: usize, m: i32): void {
  if (isSmall(net, m)) {
    smallForward(net, m);
    return;
  }
  ensurePacked(net);
  const L = field(net, NET_LAYERS);
  const params = ptr(net, NET_PARAMS);
  for (let l = 0; l < L; l++) {
    const nin = layerField(net, l, LAYER_IN);
    const nout = layerField(net, l, LAYER_OUT);
    const b = params + (<usize>layerField(net, l, LAYER_B) << 2);
    const z = layerPtr(net, l, LAYER_Z);
    if (narrow(nout, m)) {
      // Few outputs (a classifier's 10): vectors down the rows, A packed, W read in place.
      const pack = ptr(net, NET_PACK);
      packTransposed(pack, layerInput(net, l), m, nin);
      gemmNarrow(m, nout, nin, params + (<usize>layerField(net, l, LAYER_W) << 2), nin, 1, pack, z, nout, b, 1, ptr(net, NET_TILE));
    } else if (!(sparseInput(net, l, m, nin) && layerField(net, l, LAYER_W_FINITE) != 0 &&
      sparseProduct(net, m, nout, nin, layerInput(net, l), false, layerPtr(net, l, LAYER_WT), 32, nin << 5, z, nout, b, 1))) {
      parallelGemm(net, m, nout, nin, layerInput(net, l), nin, 1, layerPtr(net, l, LAYER_WT), z, nout, b, 1);
    }
    activationForward(layerField(net, l, LAYER_ACT), z, layerPtr(net, l, LAYER_A), m, nout);
  }
}

// Forward, loss and backward for the m rows in the input/target regions. Leaves the batch-
// averaged gradients in the gradient block and returns the summed loss (not averaged).
// Seeds: delta^L from the loss (losses.ts); delta^l = (delta^{l+1} W^{l+1}) * g'(z^l);
// dC/dW_l = (1/m) Delta_l^T A_{l-1}; dC/db_l = (1/m) sum over rows of Delta_l.
export function backprop(net: usize, m: i32): f64 {
  if (isSmall(net, m)) return smallBackprop(net, m);
  forward(net, m);
  const L = field(net, NET_LAYERS);
  const params = ptr(net, NET_PARAMS);
  const grads = ptr(net, NET_GRADS);
  const pack = ptr(net, NET_PACK);
  const last = L - 1;
  const loss = outputLossAndDelta(
    field(net, NET_LOSS), layerField(net, last, LAYER_ACT),
    layerPtr(net, last, LAYER_Z), layerPtr(net, last, LAYER_A), ptr(net, NET_Y),
    layerPtr(net, last, LAYER_DELTA), m, layerField(net, last, LAYER_OUT),
  );
  const invm: f32 = <f32>1 / <f32>m;
  for (let l = last; l >= 0; l--) {
    const nin = layerField(net, l, LAYER_IN);
    const nout = layerField(net, l, LAYER_OUT);
    // A ReLU layer's Delta is zero wherever z <= 0.
    const relu = layerField(net, l, LAYER_ACT) == ACT_RELU;
    const delta = layerPtr(net, l, LAYER_DELTA);
    const ain = layerInput(net, l);
    // dW (nout x nin) = (1/m) Delta^T (nout x m) * A_{l-1} (m x nin)
    const gw = grads + (<usize>layerField(net, l, LAYER_W) << 2);
    if (narrow(nin, nout)) {
      // Few inputs (tabular data, XOR): C^T tiles. The 8-row panels of Delta^T are Delta's
      // 8-column panels, i.e. packRows(Delta); A_{l-1} is read in place as B^T.
      packRows(pack, delta, m, nout, nout);
      gemmNarrow(nout, nin, m, ain, 1, nin, pack, gw, nin, 0, invm, ptr(net, NET_TILE));
    } else if (!(relu && (l == 0 || firstNonFinite(ain, m * nin) < 0) &&
      sparseProduct(net, nout, nin, m, delta, true, ain, nin << 2, 32, gw, nin, 0, invm))) {
      // (The sparse product reads A_{l-1} in place as B: the batch inputs, tested finite, or a
      // layer's activations, which can overflow to infinity from finite weights and inputs.)
      parallelPackRows(net, pack, ain, m, nin, nin);
      parallelGemm(net, nout, nin, m, delta, 1, nout, pack, gw, nin, 0, invm);
    }
    biasGradient(grads + (<usize>layerField(net, l, LAYER_B) << 2), delta, m, nout, invm);
    if (l > 0) {
      // delta_{l-1} (m x nin) = Delta_l (m x nout) * W_l (nout x nin), then * g'(z_{l-1})
      const w = params + (<usize>layerField(net, l, LAYER_W) << 2);
      const dprev = layerPtr(net, l - 1, LAYER_DELTA);
      if (!(relu && layerField(net, l, LAYER_W_FINITE) != 0 &&
        sparseProduct(net, m, nin, nout, delta, false, w, nin << 2, 32, dprev, nin, 0, 1))) {
        parallelPackRows(net, pack, w, nout, nin, nin);
        parallelGemm(net, m, nin, nout, delta, nout, 1, pack, dprev, nin, 0, 1);
      }
      activationBackward(
        layerField(net, l - 1, LAYER_ACT), layerPtr(net, l - 1, LAYER_Z),
        layerPtr(net, l - 1, LAYER_A), dprev, m, nin,
      );
    }
  }
  return loss;
}

// db (n) = scale * column sums of d (m x n), rows summed in order: four columns per f32x4,
// each lane adding its column's rows in the same order as the scalar tail.
function biasGradient(db: usize, d: usize, m: i32, n: i32, scale: f32): void {
  const row = <usize>n << 2;
  const vscale = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let s = f32x4.splat(0);
    let p = d + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      s = f32x4.add(s, v128.load(p));
      p += row;
    }
    v128.store(db + (<usize>j << 2), f32x4.mul(s, vscale));
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    for (let i = 0; i < m; i++) s += load<f32>(d + ((<usize>i * n + j) << 2));
    store<f32>(db + (<usize>j << 2), s * scale);
  }
}

// One optimizer step over the whole parameter block, from the gradient block (the step count
// advances once here; the ranges, possibly on several threads, read it from the descriptor).
export function optimizerStep(net: usize): void {
  store<i32>(net + (<usize>NET_PACKED << 2), 0);
  if (field(net, NET_OPT) == OPT_ADAM) store<i32>(net + (<usize>NET_STEP << 2), field(net, NET_STEP) + 1);
  parallelUpdate(net, field(net, NET_PARAM_COUNT));
}

// Copies the rows order[start .. start + m) of the training set into the batch regions.
function gather(net: usize, order: usize, start: i32, m: i32): void {
  const nin = field(net, NET_INPUT);
  const nout = layerField(net, field(net, NET_LAYERS) - 1, LAYER_OUT);
  const dx = ptr(net, NET_DATA_X);
  const dy = ptr(net, NET_DATA_Y);
  const x = ptr(net, NET_X);
  const y = ptr(net, NET_Y);
  const xrow = <usize>nin << 2;
  const yrow = <usize>nout << 2;
  for (let i = 0; i < m; i++) {
    const s = <usize>load<u32>(order + (<usize>(start + i) << 2));
    copyRow(x + <usize>i * xrow, dx + s * xrow, xrow);
    copyRow(y + <usize>i * yrow, dy + s * yrow, yrow);
  }
}

// memory.copy is a call into the runtime, which costs more than copying a short row.
// @ts-ignore: decorator
@inline
function copyRow(dst: usize, src: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.copy(dst, src, bytes);
  } else {
    for (let o: usize = 0; o < bytes; o += 4) store<u32>(dst + o, load<u32>(src + o));
  }
}

// Trains batches [first, first + count) of an epoch over a training set of n rows (see the
// Engine contract in src/engine.ts). losses/corrects: f64 per batch. Returns the index of the
// first batch whose loss is not finite (its update skipped), or first + count.
export function trainBatches(
  net: usize, order: usize, n: i32, batchSize: i32, first: i32, count: i32,
  losses: usize, corrects: usize,
): i32 {
  const xslot = net + (<usize>NET_X << 2);
  const yslot = net + (<usize>NET_Y << 2);
  const x = load<u32>(xslot);
  const y = load<u32>(yslot);
  for (let b = first; b < first + count; b++) {
    const start = b * batchSize;
    const m = min(batchSize, n - start);
    if (consecutive(order, start, m)) {
      // Rows in their stored order (no shuffle): the step reads them where they are.
      const row0 = load<u32>(order + (<usize>start << 2));
      store<u32>(xslot, <u32>ptr(net, NET_DATA_X) + row0 * <u32>(field(net, NET_INPUT) << 2));
      store<u32>(yslot, <u32>ptr(net, NET_DATA_Y) + row0 * <u32>(layerField(net, field(net, NET_LAYERS) - 1, LAYER_OUT) << 2));
      const ok = trainRows(net, m, losses, corrects, b);
      store<u32>(xslot, x);
      store<u32>(yslot, y);
      if (!ok) return b;
    } else {
      gather(net, order, start, m);
      if (!trainRows(net, m, losses, corrects, b)) return b;
    }
  }
  return first + count;
}

// Whether order[start .. start + m) counts up by one.
function consecutive(order: usize, start: i32, m: i32): bool {
  const p = order + (<usize>start << 2);
  const first = load<u32>(p);
  for (let i = 1; i < m; i++) if (load<u32>(p + (<usize>i << 2)) != first + <u32>i) return false;
  return true;
}

// One step on the m rows already in the input/target regions, as batch b: stores its mean
// loss and correct count at losses[b] / corrects[b] (f64) and, if the loss is finite, applies
// the optimizer step. Returns whether it stepped. (TS calls this directly when it streams
// batches from a training set too large to copy into wasm memory.)
export function trainRows(net: usize, m: i32, losses: usize, corrects: usize, b: i32): bool {
  const last = field(net, NET_LAYERS) - 1;
  const loss = backprop(net, m) / <f64>m;
  store<f64>(losses + (<usize>b << 3), loss);
  store<f64>(
    corrects + (<usize>b << 3),
    correctCount(field(net, NET_LOSS), layerPtr(net, last, LAYER_A), ptr(net, NET_Y), m, layerField(net, last, LAYER_OUT)),
  );
  if (!isFinite(loss)) return false;
  optimizerStep(net);
  return true;
}

// Trains `epochs` whole epochs in one call (no JS between them): each epoch resets `order` to
// 0..n-1, shuffles it with the descriptor's PRNG when asked (the same stream src/random.ts
// would draw), then runs trainBatches over every batch, with batchLosses/batchCorrects (f64
// per batch) as scratch. Writes each epoch's sample-weighted mean loss and summed correct
// count (f64) to epochLosses/epochCorrects. Returns the number of epochs completed; on a
// non-finite batch loss (its update skipped), stores the batch index in NET_FAIL_BATCH and
// its loss in epochLosses[epoch], and returns the failing epoch's index.
export function trainEpochs(
  net: usize, order: usize, n: i32, batchSize: i32, epochs: i32, doShuffle: i32,
  batchLosses: usize, batchCorrects: usize, epochLosses: usize, epochCorrects: usize,
): i32 {
  const batches = (n + batchSize - 1) / batchSize;
  for (let e = 0; e < epochs; e++) {
    // Unshuffled, the order stays 0..n-1 after the first epoch (trainBatches only reads it).
    if (e == 0 || doShuffle != 0) {
      for (let i = 0; i < n; i++) store<u32>(order + (<usize>i << 2), <u32>i);
    }
    if (doShuffle != 0) shuffle(ptr(net, NET_RNG), order, n);
    const end = trainBatches(net, order, n, batchSize, 0, batches, batchLosses, batchCorrects);
    if (end != batches) {
      store<i32>(net + (<usize>NET_FAIL_BATCH << 2), end);
      store<f64>(epochLosses + (<usize>e << 3), load<f64>(batchLosses + (<usize>end << 3)));
      return e;
    }
    let lossSum: f64 = 0;
    let correct: f64 = 0;
    for (let b = 0; b < batches; b++) {
      lossSum += load<f64>(batchLosses + (<usize>b << 3)) * <f64>min(batchSize, n - b * batchSize);
      correct += load<f64>(batchCorrects + (<usize>b << 3));
    }
    store<f64>(epochLosses + (<usize>e << 3), lossSum / <f64>n);
    store<f64>(epochCorrects + (<usize>e << 3), correct);
  }
  return epochs;
}

// Loss (summed) and correct count of the m rows in the input/target regions, written to the
// descriptor's result slot as two f64.
export function evaluate(net: usize, m: i32): void {
  forward(net, m);
  const L = field(net, NET_LAYERS);
  const last = L - 1;
  const nout = layerField(net, last, LAYER_OUT);
  const a = layerPtr(net, last, LAYER_A);
  const y = ptr(net, NET_Y);
  // The delta region is scratch here: outputLossAndDelta writes it, nothing reads it.
  const loss = outputLossAndDelta(
    field(net, NET_LOSS), layerField(net, last, LAYER_ACT), layerPtr(net, last, LAYER_Z), a, y,
    layerPtr(net, last, LAYER_DELTA), m, nout,
  );
  const result = net + (<usize>NET_RESULT << 2);
  store<f64>(result, loss);
  store<f64>(result, correctCount(field(net, NET_LOSS), a, y, m, nout), 8);
}
