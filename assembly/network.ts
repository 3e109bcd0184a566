// The training step and forward pass over the layer table of a network descriptor (layout in
// src/abi.ts). Everything lives at addresses TS planned; nothing here allocates or keeps state
// outside the descriptor, so many networks and many instances can share one memory.

import {
  NET_LAYERS, NET_INPUT, NET_LOSS, NET_OPT, NET_PARAM_COUNT, NET_PARAMS, NET_GRADS, NET_X,
  NET_Y, NET_PACK, NET_STEP, NET_TILE, NET_DATA_X, NET_DATA_Y, NET_RESULT, NET_PACKED,
  NET_RNG, NET_FAIL_BATCH, NET_PACK_BYTES, NET_HEADER_WORDS, LAYER_WORDS,
  LAYER_IN, LAYER_OUT, LAYER_ACT, LAYER_W, LAYER_B, LAYER_Z, LAYER_A, LAYER_DELTA, LAYER_WT, LAYER_W_FINITE,
  LAYER_DROP_T, LAYER_F_DROP_SCALE, LAYER_MASK, LAYER_DROPPED, LAYER_F_ALPHA, NET_SW, NET_DATA_W, NET_F_CLIP,
  OPT_ADAM, ACT_RELU,
} from '../src/abi';
import { activationForward, activationBackward } from './activations';
import { gemmNarrow, packTransposed, packRows, sparseListBytes, countNonzero } from './gemm';
import { outputLossAndDelta, correctCount } from './losses';
import { parallelGemm, parallelGemmSparse, parallelSparseRows, parallelUpdate, parallelPackTransposed, parallelPackRows } from './threads';
import { shuffle, nextU32 } from './random';
import { field, ptr, layerField, layerFloat, layerPtr, layerInput } from './layout';
import { isSmall, beginLanes, lanesRows, outputDeltaLanes, lanesProduct, smallDots, noteSmallPass } from './small';
import { tinyHidden, tinyStep, tinyCorrect, tinyUpdated } from './tiny';
import { firstNonFinite } from './checks';

// ---- the step, stated once ------------------------------------------------------------------
// forward: Z_l = A_{l-1} W_l^T + b_l, A_l = g(Z_l), layer by layer (forwardLayer);
// outputDelta: the loss and delta^L = dC/dZ^L (losses.ts);
// backwardLayer: dW_l = (1/m) Delta_l^T A_{l-1}, db_l = (1/m) Delta_l^T 1 and
//   Delta_{l-1} = (Delta_l W_l) * g'(Z_{l-1}), from the last layer down;
// update: the optimizer step (optimizers.ts).
// A training step (`step`) adds what only training does: dropout (a mask drawn per output in
// forwardLayer, the deltas passed back through it in backwardLayer), sample weights (each
// row's loss term and delta^L scaled in outputDelta) and gradient clipping (update).
// Every product goes through product(), which alone chooses the kernel. A pass runs in one of
// two layouts, chosen once by isSmall (small.ts): rows (every batch region row-major, m x
// units) or lanes (a few rows through a small network: hidden layers' Z, A and Delta stored
// transposed, units x mp, so the batch rows are the lanes of a f32x4). The functions below
// say where each operand lives in either layout; product() picks the kernel from that.

/** Forward pass of the m rows in the input region (layers' Z and A). */
export function forward(net: usize, m: i32): void {
  // One copy of the pass per layout (the functions below are inline), so that `lanes` is a
  // constant in each and the kernels of the other layout drop out of it.
  if (isSmall(net, m)) forwardPass(net, m, true, false);
  else forwardPass(net, m, false, false);
}

// @ts-ignore: decorator
@inline function forwardPass(net: usize, m: i32, lanes: bool, step: bool): void {
  if (lanes) beginLanes(net, m);
  else ensurePacked(net);
  const L = field(net, NET_LAYERS);
  for (let l = 0; l < L; l++) forwardLayer(net, l, m, lanes, step);
}

// Whether layer l drops outputs in this pass (a training step's, in rows).
// @ts-ignore: decorator
@inline function drops(net: usize, l: i32, lanes: bool, step: bool): bool {
  return !lanes && step && layerField(net, l, LAYER_DROP_T) != 0;
}

// Activations feeding layer l in the pass's layout: the batch input (in lanes, its transposed
// copy) for l = 0, else layer l-1's A.
// @ts-ignore: decorator
@inline function inputOf(net: usize, l: i32, lanes: bool): usize {
  return l == 0 && lanes ? ptr(net, NET_PACK) : layerInput(net, l);
}

// Layer l's input in a pass that may drop: layer l-1's A * mask if it dropped outputs.
// @ts-ignore: decorator
@inline function stepInputOf(net: usize, l: i32, lanes: bool, step: bool): usize {
  return l > 0 && drops(net, l - 1, lanes, step) ? layerPtr(net, l - 1, LAYER_DROPPED) : inputOf(net, l, lanes);
}

// A ReLU layer's activations and deltas are zero wherever z <= 0. (In lanes no product tries
// the sparse kernels, and these loads are skipped: a load the optimisers cannot drop.)
// @ts-ignore: decorator
@inline function zerosOf(net: usize, l: i32, lanes: bool): i32 {
  return !lanes && layerField(net, l, LAYER_ACT) == ACT_RELU ? ZEROS_LIKELY : ZEROS_NONE;
}

// Layer l's weights are finite (noted as they are packed: ensurePacked, which lanes skip).
// @ts-ignore: decorator
@inline function weightsFinite(net: usize, l: i32, lanes: bool): i32 {
  return !lanes && layerField(net, l, LAYER_W_FINITE) != 0 ? FINITE_YES : FINITE_NO;
}

// Z_l (m x out) = A_{l-1} (m x in) W_l^T (in x out) + b_l, then A_l = g(Z_l). In lanes a hidden
// layer stores Z^T and A^T (out x mp); the output layer's stay rows, for the loss and predict.
// @ts-ignore: decorator
@inline function forwardLayer(net: usize, l: i32, m: i32, lanes: bool, step: bool): void {
  const nin = layerField(net, l, LAYER_IN);
  const nout = layerField(net, l, LAYER_OUT);
  const params = ptr(net, NET_PARAMS);
  const z = layerPtr(net, l, LAYER_Z);
  const zT = lanes && l < field(net, NET_LAYERS) - 1;
  product(
    net, lanes, BATCH_ROWS, m, nout, nin,
    stepInputOf(net, l, lanes, step), params + (<usize>layerField(net, l, LAYER_W) << 2), lanes ? 0 : layerPtr(net, l, LAYER_WT), z,
    (lanes ? A_T : 0) | B_T | (zT ? C_T : 0),
    params + (<usize>layerField(net, l, LAYER_B) << 2), 0, 1,
    l > 0 ? zerosOf(net, l - 1, lanes) : ZEROS_SAMPLE, weightsFinite(net, l, lanes),
  );
  activationForward(layerField(net, l, LAYER_ACT), layerFloat(net, l, LAYER_F_ALPHA), z, layerPtr(net, l, LAYER_A), zT ? lanesRows(m) : m, nout);
  if (drops(net, l, lanes, step)) dropout(net, l, m * nout);
}

// Inverted dropout of layer l's n outputs (rows): one draw per output from the network's
// stream, in row-major order; kept with the factor f32(1 / (1 - p)) when its top 24 bits are
// >= ceil(p 2^24), else 0 (src/abi.ts; src/backends/js.ts dropoutMask draws the same).
// LAYER_MASK gets the factors, LAYER_DROPPED A * mask.
function dropout(net: usize, l: i32, n: i32): void {
  const t = <u32>layerField(net, l, LAYER_DROP_T);
  const scale = layerFloat(net, l, LAYER_F_DROP_SCALE);
  const rng = ptr(net, NET_RNG);
  const a = layerPtr(net, l, LAYER_A);
  const mask = layerPtr(net, l, LAYER_MASK);
  const dropped = layerPtr(net, l, LAYER_DROPPED);
  for (let i = 0; i < n; i++) {
    const f: f32 = (nextU32(rng) >>> 8) >= t ? scale : 0;
    const o = <usize>i << 2;
    store<f32>(mask + o, f);
    store<f32>(dropped + o, load<f32>(a + o) * f);
  }
}

// The loss of the m rows (summed, not averaged) and delta^L = dC/dZ^L (m x out, rows) in the
// output layer's Delta region (losses.ts: fused with the output activation where exact).
// @ts-ignore: decorator
@inline function outputDelta(net: usize, m: i32, step: bool): f64 {
  const last = field(net, NET_LAYERS) - 1;
  const w = step ? ptr(net, NET_SW) : 0;
  if (w != 0) return weightedOutputDelta(net, last, m, w);
  return outputLossAndDelta(
    field(net, NET_LOSS), layerField(net, last, LAYER_ACT), layerFloat(net, last, LAYER_F_ALPHA),
    layerPtr(net, last, LAYER_Z), layerPtr(net, last, LAYER_A), ptr(net, NET_Y),
    layerPtr(net, last, LAYER_DELTA), m, layerField(net, last, LAYER_OUT),
  );
}

// outputDelta with sample weights w (m f32): each row's loss term and delta times its weight.
function weightedOutputDelta(net: usize, last: i32, m: i32, w: usize): f64 {
  const nout = layerField(net, last, LAYER_OUT);
  const row = <usize>nout << 2;
  const z = layerPtr(net, last, LAYER_Z);
  const a = layerPtr(net, last, LAYER_A);
  const y = ptr(net, NET_Y);
  const d = layerPtr(net, last, LAYER_DELTA);
  const act = layerField(net, last, LAYER_ACT);
  const alpha = layerFloat(net, last, LAYER_F_ALPHA);
  let total: f64 = 0;
  for (let i = 0; i < m; i++) {
    const o = <usize>i * row;
    const wi = load<f32>(w + (<usize>i << 2));
    total += <f64>wi * outputLossAndDelta(field(net, NET_LOSS), act, alpha, z + o, a + o, y + o, d + o, 1, nout);
    for (let j = 0; j < nout; j++) store<f32>(d + o + (<usize>j << 2), load<f32>(d + o + (<usize>j << 2)) * wi);
  }
  return total;
}

// Layer l's backward pass, from Delta_l = dC/dZ_l (m x out) in its Delta region (in lanes
// stored transposed, out x mp):
//   dW_l (out x in) = (1/m) Delta_l^T (out x m) A_{l-1} (m x in),  db_l = (1/m) Delta_l^T 1,
//   Delta_{l-1} (m x in) = (Delta_l (m x out) W_l (out x in)) * g'(Z_{l-1})   (l > 0).
// @ts-ignore: decorator
@inline function backwardLayer(net: usize, l: i32, m: i32, lanes: bool, step: bool): void {
  const nin = layerField(net, l, LAYER_IN);
  const nout = layerField(net, l, LAYER_OUT);
  const grads = ptr(net, NET_GRADS);
  const delta = lanes && l == field(net, NET_LAYERS) - 1 ? outputDeltaLanes(net, m) : layerPtr(net, l, LAYER_DELTA);
  const zeros = zerosOf(net, l, lanes);
  // A = Delta_l^T: stored as Delta_l (m x out) in rows, as itself in lanes. B = A_{l-1},
  // read in place: the batch input (tested finite by TS) or a layer's activations.
  product(
    net, lanes, BATCH_INNER, nout, nin, m,
    delta, stepInputOf(net, l, lanes, step), 0, grads + (<usize>layerField(net, l, LAYER_W) << 2),
    lanes ? B_T : A_T,
    0, grads + (<usize>layerField(net, l, LAYER_B) << 2), <f32>1 / <f32>m,
    zeros, l == 0 ? FINITE_YES : FINITE_CHECK,
  );
  if (l == 0) return;
  const dprev = layerPtr(net, l - 1, LAYER_DELTA);
  product(
    net, lanes, BATCH_ROWS, m, nin, nout,
    delta, ptr(net, NET_PARAMS) + (<usize>layerField(net, l, LAYER_W) << 2), 0, dprev,
    lanes ? A_T | C_T : 0,
    0, 0, 1, zeros, weightsFinite(net, l, lanes),
  );
  activationBackward(
    layerField(net, l - 1, LAYER_ACT), layerFloat(net, l - 1, LAYER_F_ALPHA), layerPtr(net, l - 1, LAYER_Z),
    layerPtr(net, l - 1, LAYER_A), dprev, lanes ? lanesRows(m) : m, nin,
  );
  // Through layer l-1's dropout: a dropped output passed nothing on, a kept one was scaled.
  if (drops(net, l - 1, lanes, step)) applyMask(dprev, layerPtr(net, l - 1, LAYER_MASK), m * nin);
}

// d (n) *= mask (n), elementwise.
function applyMask(d: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(d + o, f32x4.mul(v128.load(d + o), v128.load(mask + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, load<f32>(d + o) * load<f32>(mask + o));
  }
}

// Forward, loss and backward for the m rows in the input/target regions. Leaves the batch-
// averaged gradients in the gradient block and returns the summed loss (not averaged).
export function backprop(net: usize, m: i32): f64 {
  return isSmall(net, m) ? backpropPass(net, m, true, false) : backpropPass(net, m, false, false);
}

// A training step's backprop: backprop itself, unless the step drops outputs or weighs rows,
// which only the rows layout carries (the same bits, as every layout gives).
function stepBackprop(net: usize, m: i32): f64 {
  if (ptr(net, NET_SW) == 0 && !anyDropout(net)) return backprop(net, m);
  return backpropPass(net, m, false, true);
}

// @ts-ignore: decorator
@inline function backpropPass(net: usize, m: i32, lanes: bool, step: bool): f64 {
  forwardPass(net, m, lanes, step);
  const loss = outputDelta(net, m, step);
  for (let l = field(net, NET_LAYERS) - 1; l >= 0; l--) backwardLayer(net, l, m, lanes, step);
  return loss;
}

// Whether some layer drops outputs in training steps.
function anyDropout(net: usize): bool {
  const L = field(net, NET_LAYERS);
  for (let l = 0; l < L; l++) if (layerField(net, l, LAYER_DROP_T) != 0) return true;
  return false;
}

// One optimizer step over the whole parameter block, from the gradient block (the step count
// advances once here; the ranges, possibly on several threads, read it from the descriptor).
export function update(net: usize): void {
  const clip = load<f32>(net + (<usize>NET_F_CLIP << 2));
  if (clip > 0) clipGradients(net, clip);
  store<i32>(net + (<usize>NET_PACKED << 2), 0);
  if (field(net, NET_OPT) == OPT_ADAM) store<i32>(net + (<usize>NET_STEP << 2), field(net, NET_STEP) + 1);
  parallelUpdate(net, field(net, NET_PARAM_COUNT));
}

// torch.nn.utils.clip_grad_norm_ over the whole gradient block: with the global L2 norm above
// maxNorm, every gradient times f32(maxNorm / (norm + 1e-6)). Before the update, so the weight
// decay it adds is not clipped.
function clipGradients(net: usize, maxNorm: f32): void {
  const g = ptr(net, NET_GRADS);
  const n = field(net, NET_PARAM_COUNT);
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(g + (<usize>i << 2));
    sum += v * v;
  }
  const coef = <f32>(<f64>maxNorm / (Math.sqrt(sum) + 1e-6));
  if (coef >= 1) return;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(g + o, load<f32>(g + o) * coef);
  }
}

// ---- product(): the one kernel dispatcher ---------------------------------------------------

// How a product's operands are stored (product's `forms`): each row-major as itself, or with
// the flag as its transpose. Row strides follow from the shapes, except that in lanes the
// batch index of a stored matrix runs over mp = m rounded up to 4.
const A_T = 1;
const B_T = 2;
const C_T = 4;

// Which index of a product runs over the batch rows (product's `batch`): the rows of A and C
// (forward, delta), or the inner index k, summed over (dW, db). In lanes it decides the kernel.
const BATCH_ROWS = 0;
const BATCH_INNER = 1;

// What product() may assume of A's zeros (when to try the sparse kernels):
/** A is dense: never look. */
const ZEROS_NONE = 0;
/** A ReLU layer's activations or deltas: about half of them zero. */
const ZEROS_LIKELY = 1;
/** The batch input (row-major): sparse if its first row is (one row costs far less than
 * counting the whole batch). */
const ZEROS_SAMPLE = 2;

// Whether B is finite, which the sparse kernels need (gemm.ts, gemmSparse):
const FINITE_NO = 0;
const FINITE_YES = 1;
/** B is row-major activations, which can overflow to infinity from finite weights and
 * inputs: checked before the sparse kernels read it. */
const FINITE_CHECK = 2;

/**
 * C (M x N) = alpha A (M x K) B (K x N) [+ bias (N)], and with `sums` also sums (M) = alpha A 1
 * (the row sums of A: db comes with dW's product, which shares its A). Every product of the
 * step comes here, and here alone the kernel is chosen:
 * - lanes (the pass's layout): small.ts's lanesProduct when the batch rows are C's rows,
 *   its dot kernels (smallDots) when they are the inner index;
 * - narrow: gemmNarrow, for C with fewer than 16 columns that do not fill 8-column panels and
 *   at least one full 8-row panel, when A in 8-row panels fits the packing scratch;
 * - sparse: gemmSparse, skipping A's zeros, when A may be sparse enough (zeros), B is finite
 *   and the list fits the packing scratch;
 * - dense: the 4x8 gemm, over the network's threads.
 * All give the same bits (each element summed over k in order from +0, then scaled, then
 * biased), so the choice only changes the speed. bp: B already packed in 8-column panels (the
 * forward's W^T), or 0 to pack it into the scratch when the kernel needs it.
 * (Inline, so that each caller's constant arguments drop the branches it never takes: the
 * inference build's forward carries no dW kernels.)
 */
// @ts-ignore: decorator
@inline function product(
  net: usize, lanes: bool, batch: i32, M: i32, N: i32, K: i32,
  a: usize, b: usize, bp: usize, c: usize, forms: i32,
  bias: usize, sums: usize, alpha: f32, zeros: i32, bFinite: i32,
): void {
  const aT = (forms & A_T) != 0;
  const bT = (forms & B_T) != 0;
  if (lanes) {
    if (batch == BATCH_INNER) {
      smallDots(net, M, N, K, a, b, c, sums, alpha);
    } else {
      // C^T (N x mp) = B^T A^T, A^T stored (K x mp), B^T read in place.
      const mp = lanesRows(M);
      const cT = (forms & C_T) != 0;
      lanesProduct(N, K, b, bT ? K : 1, bT ? 1 : N, a, mp, c, cT ? mp : 1, cT ? 1 : N, M, bias, alpha);
    }
    return;
  }
  const pack = ptr(net, NET_PACK);
  if (N < 16 && (N & 7) != 0 && M >= 8 && <i64>K * <i64>((M + 7) & ~7) * 4 <= <i64>field(net, NET_PACK_BYTES)) {
    // Few columns (a classifier's 10 outputs, dW of a layer with few inputs): vectors down the
    // rows of C, A packed in 8-row panels, B^T read in place.
    if (aT) packRows(pack, a, K, M, M);
    else packTransposed(pack, a, M, K);
    gemmNarrow(M, N, K, b, bT ? K : 1, bT ? 1 : N, pack, c, N, bias, alpha, ptr(net, NET_TILE));
  } else if (!(sparseEnabled && mayBeSparse(net, M, K, a, aT, zeros) && finiteB(b, K * N, bFinite) &&
    sparseProduct(net, M, N, K, a, aT, bp != 0 ? bp : b, bp != 0 ? 32 : N << 2, bp != 0 ? K << 5 : 32, c, N, bias, alpha))) {
    let packed = bp;
    if (packed == 0) {
      packed = pack;
      parallelPackRows(net, pack, b, K, N, N);
    }
    parallelGemm(net, M, N, K, a, aT ? 1 : K, aT ? M : 1, packed, c, N, bias, alpha);
  }
  if (sums != 0) biasGradient(sums, a, K, M, alpha);
}

// Whether A may be sparse enough to try the sparse kernels (see `zeros`).
// @ts-ignore: decorator
@inline function mayBeSparse(net: usize, M: i32, K: i32, a: usize, aT: bool, zeros: i32): bool {
  if (zeros == ZEROS_LIKELY) return true;
  return zeros == ZEROS_SAMPLE && !aT && M >= 4 && countNonzero(a, K) * 256 <= K * sparseLimit(K);
}

// Whether the n values of B at b are finite (see `bFinite`).
// @ts-ignore: decorator
@inline function finiteB(b: usize, n: i32, bFinite: i32): bool {
  return bFinite == FINITE_YES || (bFinite == FINITE_CHECK && firstNonFinite(b, n) < 0);
}

// ---- products that skip the zeros of A (gemm.ts's gemmSparse; the same bits as gemm) -------
// ReLU layers zero about half of their activations (the next layer's forward A) and of their
// deltas (A of their own dW and of the delta product into the layer below), and inputs such as
// MNIST digits are mostly zeros. Listing A's nonzeros and skipping the rest beats the dense
// tiles below a density that depends on K (the break-even densities are measured in
// bench/RESULTS.md, list cost included): higher for dW over a batch (K = rows <= 170: a list
// of few entries per row, B's block in L1) than for K = 512 or 784 (a longer list to build and
// read, B in chunks of 128 rows).

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

// C (M x N) = alpha A (M x K) B [+ bias] through gemmSparse when A's list fits the packing
// scratch; returns false, having done nothing, otherwise. A is row-major (M x K), or with
// `transposed` stored as A^T (K x M). B's strides: see gemm.ts.
function sparseProduct(
  net: usize, M: i32, N: i32, K: i32, a: usize, transposed: bool,
  b: usize, kb: i32, pb: i32, c: usize, ldc: i32, bias: usize, alpha: f32,
): bool {
  const list = ptr(net, NET_PACK);
  const most = (<i64>M * <i64>K * sparseLimit(K)) >> 8;
  const maxBytes = <i32>min<i64>(<i64>field(net, NET_PACK_BYTES), <i64>sparseListBytes(M, K, 0) + 8 * most);
  const nonzeros = parallelSparseRows(net, list, a, M, K, transposed, kb, maxBytes);
  if (nonzeros < 0) return false;
  parallelGemmSparse(net, M, N, <i64>nonzeros * <i64>N, list, b, pb, c, ldc, bias, alpha);
  sparseCalls++;
  return true;
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

// ---- training loops over the step ------------------------------------------------------------

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
  const dw = ptr(net, NET_DATA_W);
  const w = ptr(net, NET_SW);
  for (let i = 0; i < m; i++) {
    const s = <usize>load<u32>(order + (<usize>(start + i) << 2));
    copyRow(x + <usize>i * xrow, dx + s * xrow, xrow);
    copyRow(y + <usize>i * yrow, dy + s * yrow, yrow);
    if (dw != 0) store<f32>(w + (<usize>i << 2), load<f32>(dw + (s << 2)));
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
// first batch whose loss is not finite (its update skipped), or first + count. A network that
// tiny.ts's fused step takes runs its small batches there.
export function trainBatches(
  net: usize, order: usize, n: i32, batchSize: i32, first: i32, count: i32,
  losses: usize, corrects: usize,
): i32 {
  const hidden = tinyHidden(net);
  if (hidden >= 0) return tinyBatches(net, order, n, batchSize, first, count, losses, corrects, hidden);
  for (let b = first; b < first + count; b++) {
    const start = b * batchSize;
    if (!trainBatch(net, order, start, min(batchSize, n - start), losses, corrects, b)) return b;
  }
  return first + count;
}

// trainBatches for a network tiny.ts's step takes: batches of 1 to SMALL_ROWS rows there
// (with the small path on: tests turn it off to compare with gemm.ts's kernels), larger ones
// through trainBatch. (A batch of one row is not the small path's, which leaves it to gemm.ts's
// 1-row kernel, so it does not count as one of its passes.)
function tinyBatches(
  net: usize, order: usize, n: i32, batchSize: i32, first: i32, count: i32,
  losses: usize, corrects: usize, hidden: i32,
): i32 {
  for (let b = first; b < first + count; b++) {
    const start = b * batchSize;
    const m = min(batchSize, n - start);
    if (m == 1 ? isSmall(net, 2) : isSmall(net, m)) {
      if (m > 1) noteSmallPass();
      const loss = tinyStep(net, order + (<usize>start << 2), m, hidden) / <f64>m;
      store<f64>(losses + (<usize>b << 3), loss);
      store<f64>(corrects + (<usize>b << 3), tinyCorrect);
      if (!isFinite(loss)) return b;
      if (tinyUpdated) store<i32>(net + (<usize>NET_PACKED << 2), 0);
      else update(net);
    } else if (!trainBatch(net, order, start, m, losses, corrects, b)) {
      return b;
    }
  }
  return first + count;
}

// One step on the m rows order[start .. start + m) of the training set, as batch b (see
// trainRows). Rows in their stored order are read where they are; others are gathered.
function trainBatch(net: usize, order: usize, start: i32, m: i32, losses: usize, corrects: usize, b: i32): bool {
  if (!consecutive(order, start, m)) {
    gather(net, order, start, m);
    return trainRows(net, m, losses, corrects, b);
  }
  const xslot = net + (<usize>NET_X << 2);
  const yslot = net + (<usize>NET_Y << 2);
  const wslot = net + (<usize>NET_SW << 2);
  const x = load<u32>(xslot);
  const y = load<u32>(yslot);
  const w = load<u32>(wslot);
  const row0 = load<u32>(order + (<usize>start << 2));
  store<u32>(xslot, <u32>ptr(net, NET_DATA_X) + row0 * <u32>(field(net, NET_INPUT) << 2));
  store<u32>(yslot, <u32>ptr(net, NET_DATA_Y) + row0 * <u32>(layerField(net, field(net, NET_LAYERS) - 1, LAYER_OUT) << 2));
  if (w != 0 && ptr(net, NET_DATA_W) != 0) store<u32>(wslot, <u32>ptr(net, NET_DATA_W) + (row0 << 2));
  const ok = trainRows(net, m, losses, corrects, b);
  store<u32>(xslot, x);
  store<u32>(yslot, y);
  store<u32>(wslot, w);
  return ok;
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
  const loss = stepBackprop(net, m) / <f64>m;
  store<f64>(losses + (<usize>b << 3), loss);
  store<f64>(
    corrects + (<usize>b << 3),
    correctCount(field(net, NET_LOSS), layerPtr(net, last, LAYER_A), ptr(net, NET_Y), m, layerField(net, last, LAYER_OUT)),
  );
  if (!isFinite(loss)) return false;
  update(net);
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
  // The delta region is scratch here: outputDelta writes it, nothing reads it.
  const loss = outputDelta(net, m, false);
  const result = net + (<usize>NET_RESULT << 2);
  store<f64>(result, loss);
  store<f64>(result, correctCount(field(net, NET_LOSS), a, y, m, nout), 8);
}
