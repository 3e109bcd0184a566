// The whole training step of a tiny network in one pass: one hidden layer (at most
// SMALL_WIDTH inputs and units), one output unit, a batch of 1 to SMALL_ROWS rows read where
// they lie in the training set (one row: online training, as brain.js users and RL agents
// do). XOR, a binary classifier on a few features, a value network: there the general step
// (small.ts's or gemm.ts's kernels called layer by layer from network.ts) spent more time on
// dispatch, descriptor reads, copies of the batch rows and round trips through the layer
// regions than on its few hundred multiply-adds and activations (bench/notes/tiny.md).
//
// Here the batch rows are the lanes (as in small.ts): each hidden unit's values for the rows
// are one f32x4, computed with its activation, stored once and added into the output's sum in
// the same loop; the output, loss, output delta and accuracy are a few vectors; the backward
// pass takes four units at a time, and the gradients of both layers come from the same 4x4
// transposes. Plain SGD is applied to each gradient as it is made; other optimizers run
// network.ts's update afterwards, as for every step.
//
// Same bits as the general step, operation for operation (test/tiny.test.ts checks results
// recorded from the general path before this one existed, and trains random networks with
// this path and with the gemm path): every product sums from +0 over its inner index in
// ascending order, then is multiplied by alpha (1, or 1/m for the gradients), then the bias
// is added; sums over the batch rows add them in row order; the activations, their
// derivatives, the losses and the SGD rule are activations.ts's, losses.ts's and
// optimizers.ts's formulas with the same operations in the same order (sigmoid and tanh are
// activations.ts's own, in the forms that take their constants as arguments, so a step loads
// them once; a test compares them with activationForward bit for bit on a dense grid).
// Lanes past row m hold copies of row 0 and never reach a result.

import {
  NET_LAYERS, NET_INPUT, NET_LOSS, NET_OPT, NET_PARAMS, NET_GRADS, NET_SW, NET_DATA_X, NET_DATA_Y, NET_PACK,
  NET_F_LR, NET_F_MOMENTUM, NET_F_WEIGHT_DECAY, NET_F_CLIP, OPT_SGD,
  LAYER_OUT, LAYER_ACT, LAYER_W, LAYER_B, LAYER_Z, LAYER_A, LAYER_DROP_T,
  ACT_LINEAR, ACT_SIGMOID, ACT_TANH, ACT_RELU, LOSS_MSE, LOSS_BCE,
} from '../src/abi';
import { field, ptr, layerField, layerPtr } from './layout';
import { k, vsigmoidWith, vsoftplus, vtanhWith } from './activations';
import { transposedRow } from './tiles';

/** Whether a network's steps can take this path (for batches that isSmall allows): one
 * hidden layer of an activation below without dropout, one output unit, mse on a sigmoid,
 * tanh or linear output or binary cross-entropy on a sigmoid, and no sample weights.
 * Returns the hidden layer's activation code, or -1. */
export function tinyHidden(net: usize): i32 {
  if (field(net, NET_LAYERS) != 2 || ptr(net, NET_SW) != 0) return -1;
  if (layerField(net, 1, LAYER_OUT) != 1 || layerField(net, 0, LAYER_DROP_T) != 0) return -1;
  const out = layerField(net, 1, LAYER_ACT);
  const loss = field(net, NET_LOSS);
  const head = loss == LOSS_MSE ? out == ACT_SIGMOID || out == ACT_TANH || out == ACT_LINEAR : loss == LOSS_BCE && out == ACT_SIGMOID;
  if (!head) return -1;
  const hidden = layerField(net, 0, LAYER_ACT);
  return hidden == ACT_SIGMOID || hidden == ACT_TANH || hidden == ACT_RELU || hidden == ACT_LINEAR ? hidden : -1;
}

let steps = 0;

/** Tests: training steps that took this path so far. */
export function tinyPathCalls(): i32 {
  return steps;
}

/** Correct count of the last tinyStep (f64, as correctCount in losses.ts gives it). */
export let tinyCorrect: f64 = 0;
/** Whether the last tinyStep applied the optimizer step itself (plain SGD; see tinyStep). */
export let tinyUpdated = false;

/**
 * One step's forward pass, loss and gradients for the m rows (1 <= m <= 4) whose indices are
 * the u32 at `rows`, from the training set (NET_DATA_X, NET_DATA_Y). Leaves the batch-
 * averaged gradients in the gradient block and the correct count in tinyCorrect; returns the
 * summed loss. `hidden`: tinyHidden's answer, tested per block of four units (one copy of
 * the step: copies per activation, with `hidden` a constant, saved ~1% of an XOR step and
 * cost 16 KB of module).
 * With plain SGD (no momentum, no clipping) and a finite loss it applies the update to each
 * gradient as it is computed, as optimizers.ts's sgdUpdate would (p -= lr (g + wd p), wd 0
 * for the biases; an elementwise rule, so the same bits), and sets tinyUpdated: the gradient
 * block is then not written. Every parameter is read before its own update: W2[j] (the only
 * one the backward pass reads) is updated after its block's deltas are taken.
 */
// @ts-ignore: decorator
@inline export function tinyStep(net: usize, rows: usize, m: i32, hidden: i32): f64 {
  steps++;
  const K = field(net, NET_INPUT);
  const H = layerField(net, 0, LAYER_OUT);
  const params = ptr(net, NET_PARAMS);
  const grads = ptr(net, NET_GRADS);
  const w1 = <usize>layerField(net, 0, LAYER_W) << 2;
  const b1 = <usize>layerField(net, 0, LAYER_B) << 2;
  const w2 = <usize>layerField(net, 1, LAYER_W) << 2;
  const b2 = <usize>layerField(net, 1, LAYER_B) << 2;
  // Hidden Z (relu's derivative reads it) and A, (units x 4) in the layer's regions, which
  // hold 256 rows or more; X^T, (inputs x 4), at the start of the packing scratch, as in
  // small.ts's beginLanes (TS sizes it for pad8(rows) x inputs).
  const z1 = layerPtr(net, 0, LAYER_Z);
  const a1 = layerPtr(net, 0, LAYER_A);
  const xT = ptr(net, NET_PACK);

  // The rows: lanes past m repeat row 0.
  const xrow = <usize>K << 2;
  const dx = ptr(net, NET_DATA_X);
  const dy = ptr(net, NET_DATA_Y);
  const r0 = <usize>load<u32>(rows);
  const r1 = m > 1 ? <usize>load<u32>(rows, 4) : r0;
  const r2 = m > 2 ? <usize>load<u32>(rows, 8) : r0;
  const r3 = m > 3 ? <usize>load<u32>(rows, 12) : r0;
  const x0 = dx + r0 * xrow;
  const x1 = dx + r1 * xrow;
  const x2 = dx + r2 * xrow;
  const x3 = dx + r3 * xrow;
  let yv = f32x4.splat(load<f32>(dy + (r0 << 2)));
  yv = f32x4.replace_lane(yv, 1, load<f32>(dy + (r1 << 2)));
  yv = f32x4.replace_lane(yv, 2, load<f32>(dy + (r2 << 2)));
  yv = f32x4.replace_lane(yv, 3, load<f32>(dy + (r3 << 2)));
  for (let k = 0; k < K; k++) {
    const o = <usize>k << 2;
    let v = f32x4.splat(load<f32>(x0 + o));
    v = f32x4.replace_lane(v, 1, load<f32>(x1 + o));
    v = f32x4.replace_lane(v, 2, load<f32>(x2 + o));
    v = f32x4.replace_lane(v, 3, load<f32>(x3 + o));
    v128.store(xT + (<usize>k << 4), v);
  }

  // Forward, four units at a time (four independent chains to overlap, each x_k loaded once
  // for them): unit j's z = (sum_k W1[j][k] x_k) * 1 + b1[j], a = g(z); the output's sum adds
  // W2[j] a in the same loop, in j order as its product would. A short last block computes
  // its first unit again in the missing places and stores only its own units.
  const zero = f32x4.splat(0);
  const one = k(10);
  const e0 = k(0), e1 = k(1), e2 = k(2), e3 = k(3), e4 = k(4), e5 = k(5), e6 = k(6), e7 = k(7), e8 = k(8), e9 = k(9), e11 = k(11);
  const hi = k(13), lo = k(14), p0 = k(15), p1 = k(16), p2 = k(17), p3 = k(18), p4 = k(19), p5 = k(20);
  const q0 = k(21), q1 = k(22), q2 = k(23), q3 = k(24), neg = k(12);
  let out = zero;
  for (let j = 0; j < H; j += 4) {
    const n = min(4, H - j);
    const pw0 = params + w1 + <usize>j * xrow;
    const pw1 = n > 1 ? pw0 + xrow : pw0;
    const pw2 = n > 2 ? pw0 + 2 * xrow : pw0;
    const pw3 = n > 3 ? pw0 + 3 * xrow : pw0;
    let acc0 = zero;
    let acc1 = zero;
    let acc2 = zero;
    let acc3 = zero;
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      const v = v128.load(xT + (<usize>k << 4));
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load32_splat(pw0 + o), v));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load32_splat(pw1 + o), v));
      acc2 = f32x4.add(acc2, f32x4.mul(v128.load32_splat(pw2 + o), v));
      acc3 = f32x4.add(acc3, f32x4.mul(v128.load32_splat(pw3 + o), v));
    }
    const pb = params + b1 + (<usize>j << 2);
    const z0 = f32x4.add(f32x4.mul(acc0, one), v128.load32_splat(pb));
    const zz1 = f32x4.add(f32x4.mul(acc1, one), n > 1 ? v128.load32_splat(pb, 4) : v128.load32_splat(pb));
    const zz2 = f32x4.add(f32x4.mul(acc2, one), n > 2 ? v128.load32_splat(pb, 8) : v128.load32_splat(pb));
    const zz3 = f32x4.add(f32x4.mul(acc3, one), n > 3 ? v128.load32_splat(pb, 12) : v128.load32_splat(pb));
    let a0 = z0;
    let aa1 = zz1;
    let aa2 = zz2;
    let aa3 = zz3;
    if (hidden == ACT_SIGMOID) {
      a0 = vsigmoidWith(z0, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11);
      aa1 = vsigmoidWith(zz1, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11);
      aa2 = vsigmoidWith(zz2, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11);
      aa3 = vsigmoidWith(zz3, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11);
    } else if (hidden == ACT_TANH) {
      a0 = vtanhWith(z0, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);
      aa1 = vtanhWith(zz1, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);
      aa2 = vtanhWith(zz2, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);
      aa3 = vtanhWith(zz3, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);
    } else if (hidden == ACT_RELU) {
      a0 = f32x4.max(z0, zero);
      aa1 = f32x4.max(zz1, zero);
      aa2 = f32x4.max(zz2, zero);
      aa3 = f32x4.max(zz3, zero);
      const pz = z1 + (<usize>j << 4);
      v128.store(pz, z0);
      if (n > 1) v128.store(pz, zz1, 16);
      if (n > 2) v128.store(pz, zz2, 32);
      if (n > 3) v128.store(pz, zz3, 48);
    }
    const pa = a1 + (<usize>j << 4);
    const po = params + w2 + (<usize>j << 2);
    v128.store(pa, a0);
    out = f32x4.add(out, f32x4.mul(v128.load32_splat(po), a0));
    if (n > 1) {
      v128.store(pa, aa1, 16);
      out = f32x4.add(out, f32x4.mul(v128.load32_splat(po, 4), aa1));
    }
    if (n > 2) {
      v128.store(pa, aa2, 32);
      out = f32x4.add(out, f32x4.mul(v128.load32_splat(po, 8), aa2));
    }
    if (n > 3) {
      v128.store(pa, aa3, 48);
      out = f32x4.add(out, f32x4.mul(v128.load32_splat(po, 12), aa3));
    }
  }
  const zo = f32x4.add(f32x4.mul(out, one), v128.load32_splat(params + b2));
  const act = layerField(net, 1, LAYER_ACT);
  let ao = zo;
  if (act == ACT_SIGMOID) ao = vsigmoidWith(zo, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11);
  else if (act == ACT_TANH) ao = vtanhWith(zo, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);

  // Loss (summed over the rows in order, in f64) and the output delta (losses.ts).
  let total: f64 = 0;
  let d: v128;
  if (field(net, NET_LOSS) == LOSS_MSE) {
    d = f32x4.sub(ao, yv);
    total += 0.5 * <f64>f32x4.extract_lane(d, 0) * <f64>f32x4.extract_lane(d, 0);
    if (m > 1) total += 0.5 * <f64>f32x4.extract_lane(d, 1) * <f64>f32x4.extract_lane(d, 1);
    if (m > 2) total += 0.5 * <f64>f32x4.extract_lane(d, 2) * <f64>f32x4.extract_lane(d, 2);
    if (m > 3) total += 0.5 * <f64>f32x4.extract_lane(d, 3) * <f64>f32x4.extract_lane(d, 3);
    if (act == ACT_SIGMOID) d = f32x4.mul(d, f32x4.mul(ao, f32x4.sub(one, ao)));
    else if (act == ACT_TANH) d = f32x4.mul(d, f32x4.sub(one, f32x4.mul(ao, ao)));
  } else {
    // Binary cross-entropy on a sigmoid: softplus(z) - y z, delta a - y.
    const sp = vsoftplus(zo);
    total += <f64>f32x4.extract_lane(sp, 0) - <f64>f32x4.extract_lane(yv, 0) * <f64>f32x4.extract_lane(zo, 0);
    if (m > 1) total += <f64>f32x4.extract_lane(sp, 1) - <f64>f32x4.extract_lane(yv, 1) * <f64>f32x4.extract_lane(zo, 1);
    if (m > 2) total += <f64>f32x4.extract_lane(sp, 2) - <f64>f32x4.extract_lane(yv, 2) * <f64>f32x4.extract_lane(zo, 2);
    if (m > 3) total += <f64>f32x4.extract_lane(sp, 3) - <f64>f32x4.extract_lane(yv, 3) * <f64>f32x4.extract_lane(zo, 3);
    d = f32x4.sub(ao, yv);
  }
  // One output: a row is right when a and y are on the same side of 0.5.
  const half = k(9);
  const same = v128.not(v128.xor(f32x4.ge(ao, half), f32x4.ge(yv, half)));
  tinyCorrect = <f64>popcnt(i32x4.bitmask(same) & ((1 << m) - 1));

  // Plain SGD (no momentum, no clipping) is applied below as each gradient is made. A step
  // whose loss is not finite is skipped (trainBatches stops there), so then nothing is.
  const sgd = field(net, NET_OPT) == OPT_SGD && load<f32>(net + (<usize>NET_F_MOMENTUM << 2)) == 0 && !(load<f32>(net + (<usize>NET_F_CLIP << 2)) > 0);
  tinyUpdated = sgd;
  if (sgd && !isFinite(total)) return total;
  const lr = load<f32>(net + (<usize>NET_F_LR << 2));
  const wd = load<f32>(net + (<usize>NET_F_WEIGHT_DECAY << 2));

  // Backward, four hidden units at a time. dW2[j] = (sum_i a_j(i) d(i)) / m and
  // db2 = (sum_i d(i)) / m; the hidden deltas D_j = ((W2[j] d) * 1) g'(z_j); then
  // dW1[j][k] = (sum_i D_j(i) x_k(i)) / m and db1[j] = (sum_i D_j(i)) / m, each summed over
  // the rows in order from +0 (a 4x4 transpose turns four units' rows into vectors over them).
  const alpha = <f32>1 / <f32>m;
  const valpha = f32x4.splat(alpha);
  let sd: f32 = 0;
  sd += f32x4.extract_lane(d, 0);
  if (m > 1) sd += f32x4.extract_lane(d, 1);
  if (m > 2) sd += f32x4.extract_lane(d, 2);
  if (m > 3) sd += f32x4.extract_lane(d, 3);
  emitOne(sgd, params, grads, lr, 0, b2, sd * alpha);
  for (let j = 0; j < H; j += 4) {
    const n = min(4, H - j);
    const pa = a1 + (<usize>j << 4);
    const pz = z1 + (<usize>j << 4);
    const pw = params + w2 + (<usize>j << 2);
    const a0 = v128.load(pa);
    const aa1 = n > 1 ? v128.load(pa, 16) : a0;
    const aa2 = n > 2 ? v128.load(pa, 32) : a0;
    const aa3 = n > 3 ? v128.load(pa, 48) : a0;
    const w0 = v128.load32_splat(pw);
    const ww1 = n > 1 ? v128.load32_splat(pw, 4) : w0;
    const ww2 = n > 2 ? v128.load32_splat(pw, 8) : w0;
    const ww3 = n > 3 ? v128.load32_splat(pw, 12) : w0;
    // dW2[j .. j + n)
    const g2 = rowSums(f32x4.mul(a0, d), f32x4.mul(aa1, d), f32x4.mul(aa2, d), f32x4.mul(aa3, d), m);
    emit(sgd, params, grads, lr, wd, w2 + (<usize>j << 2), 4, f32x4.mul(g2, valpha), n);
    // The hidden deltas.
    let d0 = f32x4.mul(f32x4.add(zero, f32x4.mul(w0, d)), one);
    let d1 = f32x4.mul(f32x4.add(zero, f32x4.mul(ww1, d)), one);
    let d2 = f32x4.mul(f32x4.add(zero, f32x4.mul(ww2, d)), one);
    let d3 = f32x4.mul(f32x4.add(zero, f32x4.mul(ww3, d)), one);
    if (hidden == ACT_SIGMOID) {
      d0 = f32x4.mul(d0, f32x4.mul(a0, f32x4.sub(one, a0)));
      d1 = f32x4.mul(d1, f32x4.mul(aa1, f32x4.sub(one, aa1)));
      d2 = f32x4.mul(d2, f32x4.mul(aa2, f32x4.sub(one, aa2)));
      d3 = f32x4.mul(d3, f32x4.mul(aa3, f32x4.sub(one, aa3)));
    } else if (hidden == ACT_TANH) {
      d0 = f32x4.mul(d0, f32x4.sub(one, f32x4.mul(a0, a0)));
      d1 = f32x4.mul(d1, f32x4.sub(one, f32x4.mul(aa1, aa1)));
      d2 = f32x4.mul(d2, f32x4.sub(one, f32x4.mul(aa2, aa2)));
      d3 = f32x4.mul(d3, f32x4.sub(one, f32x4.mul(aa3, aa3)));
    } else if (hidden == ACT_RELU) {
      const z0 = v128.load(pz);
      d0 = v128.and(d0, f32x4.gt(z0, zero));
      d1 = v128.and(d1, f32x4.gt(n > 1 ? v128.load(pz, 16) : z0, zero));
      d2 = v128.and(d2, f32x4.gt(n > 2 ? v128.load(pz, 32) : z0, zero));
      d3 = v128.and(d3, f32x4.gt(n > 3 ? v128.load(pz, 48) : z0, zero));
    }
    // Rows of the block: t0 = (D_j(0), D_j+1(0), D_j+2(0), D_j+3(0)), ...
    const t0 = transposedRow(d0, d1, d2, d3, 0);
    const t1 = transposedRow(d0, d1, d2, d3, 1);
    const t2 = transposedRow(d0, d1, d2, d3, 2);
    const t3 = transposedRow(d0, d1, d2, d3, 3);
    let sb = f32x4.add(zero, t0);
    if (m > 1) sb = f32x4.add(sb, t1);
    if (m > 2) sb = f32x4.add(sb, t2);
    if (m > 3) sb = f32x4.add(sb, t3);
    emit(sgd, params, grads, lr, 0, b1 + (<usize>j << 2), 4, f32x4.mul(sb, valpha), n);
    const gw = w1 + <usize>j * xrow;
    if (K == 2 && n == 4) {
      // Two inputs (XOR): dW1 rows j .. j + 3 are 8 consecutive floats,
      // (j, 0) (j, 1) (j + 1, 0) ...
      const s0 = f32x4.mul(inputSums(t0, t1, t2, t3, x0, x1, x2, x3, 0, m), valpha);
      const s1 = f32x4.mul(inputSums(t0, t1, t2, t3, x0, x1, x2, x3, 4, m), valpha);
      emit(sgd, params, grads, lr, wd, gw, 4, i32x4.shuffle(s0, s1, 0, 4, 1, 5), 4);
      emit(sgd, params, grads, lr, wd, gw + 16, 4, i32x4.shuffle(s0, s1, 2, 6, 3, 7), 4);
      continue;
    }
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      emit(sgd, params, grads, lr, wd, gw + o, xrow, f32x4.mul(inputSums(t0, t1, t2, t3, x0, x1, x2, x3, o, m), valpha), n);
    }
  }
  return total;
}

// Lane t: sum over the rows i < m (1-4) of t_i's lane t times input o/4 of row i (at x_i),
// from +0 in row order.
// @ts-ignore: decorator
@inline function inputSums(t0: v128, t1: v128, t2: v128, t3: v128, x0: usize, x1: usize, x2: usize, x3: usize, o: usize, m: i32): v128 {
  let s = f32x4.add(f32x4.splat(0), f32x4.mul(t0, v128.load32_splat(x0 + o)));
  if (m > 1) s = f32x4.add(s, f32x4.mul(t1, v128.load32_splat(x1 + o)));
  if (m > 2) s = f32x4.add(s, f32x4.mul(t2, v128.load32_splat(x2 + o)));
  if (m > 3) s = f32x4.add(s, f32x4.mul(t3, v128.load32_splat(x3 + o)));
  return s;
}

// Lane t: p_t(0) + p_t(1) + ... over the first m (1-4) lanes of p_t, from +0 in lane order.
// @ts-ignore: decorator
@inline function rowSums(p0: v128, p1: v128, p2: v128, p3: v128, m: i32): v128 {
  const r0 = transposedRow(p0, p1, p2, p3, 0);
  const r1 = transposedRow(p0, p1, p2, p3, 1);
  const r2 = transposedRow(p0, p1, p2, p3, 2);
  const r3 = transposedRow(p0, p1, p2, p3, 3);
  let s = f32x4.add(f32x4.splat(0), r0);
  if (m > 1) s = f32x4.add(s, r1);
  if (m > 2) s = f32x4.add(s, r2);
  if (m > 3) s = f32x4.add(s, r3);
  return s;
}

// Where a gradient goes: into the gradient block, or with `sgd` straight into its parameter
// as optimizers.ts's sgdUpdate without momentum (vector and scalar forms alike): g + wd p
// with wd the weight decay for weights and 0 for biases, then p - lr g. `at`: bytes into the
// parameter (and gradient) block.
// @ts-ignore: decorator
@inline function emitOne(sgd: bool, params: usize, grads: usize, lr: f32, wd: f32, at: usize, g: f32): void {
  if (!sgd) {
    store<f32>(grads + at, g);
    return;
  }
  const p = params + at;
  const pv = load<f32>(p);
  store<f32>(p, pv - lr * (g + wd * pv));
}

// emitOne for the first n lanes of v, the parameters at at, at + step, at + 2 step, at + 3 step.
// @ts-ignore: decorator
@inline function emit(sgd: bool, params: usize, grads: usize, lr: f32, wd: f32, at: usize, step: usize, v: v128, n: i32): void {
  if (n == 4 && step == 4) {
    if (!sgd) {
      v128.store(grads + at, v);
      return;
    }
    const p = params + at;
    const pv = v128.load(p);
    v128.store(p, f32x4.sub(pv, f32x4.mul(f32x4.splat(lr), f32x4.add(v, f32x4.mul(f32x4.splat(wd), pv)))));
    return;
  }
  emitOne(sgd, params, grads, lr, wd, at, f32x4.extract_lane(v, 0));
  if (n > 1) emitOne(sgd, params, grads, lr, wd, at + step, f32x4.extract_lane(v, 1));
  if (n > 2) emitOne(sgd, params, grads, lr, wd, at + 2 * step, f32x4.extract_lane(v, 2));
  if (n > 3) emitOne(sgd, params, grads, lr, wd, at + 3 * step, f32x4.extract_lane(v, 3));
}

/** Tests: activationForward's sigmoid (act 1) or tanh (act 2) over n floats as this path computes them. */
export function tinyActivation(act: i32, z: usize, a: usize, n: i32): void {
  const one = k(10);
  const e0 = k(0), e1 = k(1), e2 = k(2), e3 = k(3), e4 = k(4), e5 = k(5), e6 = k(6), e7 = k(7), e8 = k(8), e9 = k(9), e11 = k(11);
  const hi = k(13), lo = k(14), p0 = k(15), p1 = k(16), p2 = k(17), p3 = k(18), p4 = k(19), p5 = k(20);
  const q0 = k(21), q1 = k(22), q2 = k(23), q3 = k(24), neg = k(12);
  for (let i = 0; i < n; i += 4) {
    const v = v128.load(z + (<usize>i << 2));
    const r = act == ACT_SIGMOID
      ? vsigmoidWith(v, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11)
      : vtanhWith(v, hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, one, neg);
    v128.store(a + (<usize>i << 2), r);
  }
}
