// Small steps: a batch of 2 to SMALL_ROWS rows through a network whose every layer is at most
// SMALL_WIDTH units wide (XOR, tabular nets trained on tiny batches). There gemm.ts's
// packing, tile epilogues and thread checks cost more than the few hundred multiply-adds, and
// a layer of 1-16 units fills few lanes of a tile. Here the batch rows are the lanes: hidden
// layers keep Z, A and Delta transposed, (units x mp) with mp = m rounded up to 4 (every
// activation region has room for 256 rows or more), so a unit's values for four rows are one
// f32x4 and W is read in place, never packed. With one row, more rows or wider layers the
// gemm.ts kernels win (bench/RESULTS.md), so network.ts chooses the layout once per pass
// (isSmall) and its product() sends every product of a pass in lanes to smallProduct here.
//
// Same bits as gemm.ts: every element is summed from +0 over its inner index in ascending
// order, then multiplied by alpha, then the bias is added if there is one (never + 0), as in
// the 4x8, 1-row and narrow kernels (lanes are independent elements and there is no FMA).
// Sums over the batch rows (dW, db) add them in row order. Activations are elementwise, so
// their layout does not matter. So a network gives the same results whichever path each call
// takes (a test compares them with this path switched off), and calls may mix paths freely.
// The lanes past row m hold whatever the regions held; they are computed and never read into
// a result.

import {
  NET_LAYERS, NET_X, NET_PACK, NET_PACK_BYTES, NET_INPUT, LAYER_IN, LAYER_OUT, LAYER_Z, LAYER_DELTA,
} from '../src/abi';
import { field, ptr, layerField, layerPtr } from './layout';
import { epilogue, biasSplat, transposedRow } from './tiles';

/** Widest layer (inputs or units) that takes this path. */
export const SMALL_WIDTH = 16;
/** Most rows per call that take this path. */
export const SMALL_ROWS = 4;

let enabled = true;
let steps = 0;

/** Tests and benchmarks: 0 sends every call through gemm.ts. Returns the previous setting. */
export function setSmallPath(on: i32): i32 {
  const was = enabled ? 1 : 0;
  enabled = on != 0;
  return was;
}

/** Tests: forward passes (training steps included) that took this path so far. */
export function smallPathCalls(): i32 {
  return steps;
}

/** Counts a pass of tiny.ts's fused step, which is this path's too. */
export function noteSmallPass(): void {
  steps++;
}

/** Whether m rows through this network take this path (one row has gemm.ts's 1-row kernel,
 * where lanes here would be three quarters idle). */
export function isSmall(net: usize, m: i32): bool {
  if (!enabled || m > SMALL_ROWS || m < 2) return false;
  const L = field(net, NET_LAYERS);
  for (let l = 0; l < L; l++) {
    if (layerField(net, l, LAYER_IN) > SMALL_WIDTH || layerField(net, l, LAYER_OUT) > SMALL_WIDTH) return false;
  }
  return true;
}

// The input rows (m x K, row-major) transposed to (K x mp).
function transposeInput(dst: usize, src: usize, m: i32, K: i32, mp: i32): void {
  for (let i = 0; i < m; i++) {
    const row = src + ((<usize>i * K) << 2);
    for (let k = 0; k < K; k++) store<f32>(dst + ((<usize>k * mp + i) << 2), load<f32>(row + (<usize>k << 2)));
  }
}

// Out(j, i) = alpha * sum_k Coef(j, k) * In(k, i) + bias[j] (bias 0: none), i < mp in lanes.
//   Coef(j, k) at coef + 4 (j rsc + k csc); In(k, i) at src + 4 (k mp + i);
//   Out(j, i) at dst + 4 (j dsj + i dsi). dsi = 1 stores whole vectors (padding lanes too),
//   otherwise the rows below m lane by lane.
// Four output rows j at a time share each In vector (four independent chains).
export function lanesProduct(
  N: i32, K: i32,
  coef: usize, rsc: i32, csc: i32,
  src: usize, mp: i32,
  dst: usize, dsj: i32, dsi: i32, m: i32,
  bias: usize, alpha: f32,
): void {
  const valpha = f32x4.splat(alpha);
  const cstep = <usize>csc << 2;
  const crow = <usize>rsc << 2;
  const sstep = <usize>mp << 2;
  const N4 = N & ~3;
  let j = 0;
  for (; j < N4; j += 4) {
    const c0 = coef + <usize>j * crow;
    let b0 = f32x4.splat(0);
    let b1 = b0;
    let b2 = b0;
    let b3 = b0;
    if (bias != 0) {
      b0 = biasSplat(bias, j);
      b1 = biasSplat(bias, j + 1);
      b2 = biasSplat(bias, j + 2);
      b3 = biasSplat(bias, j + 3);
    }
    for (let c = 0; c < mp; c += 4) {
      let pc = c0;
      let ps = src + (<usize>c << 2);
      let acc0 = f32x4.splat(0);
      let acc1 = acc0;
      let acc2 = acc0;
      let acc3 = acc0;
      for (let k = 0; k < K; k++) {
        const v = v128.load(ps);
        acc0 = f32x4.add(acc0, f32x4.mul(v128.load32_splat(pc), v));
        acc1 = f32x4.add(acc1, f32x4.mul(v128.load32_splat(pc + crow), v));
        acc2 = f32x4.add(acc2, f32x4.mul(v128.load32_splat(pc + 2 * crow), v));
        acc3 = f32x4.add(acc3, f32x4.mul(v128.load32_splat(pc + 3 * crow), v));
        pc += cstep;
        ps += sstep;
      }
      const hasBias = bias != 0;
      storeRows(dst, j, c, dsj, dsi, m, epilogue(acc0, valpha, b0, hasBias));
      storeRows(dst, j + 1, c, dsj, dsi, m, epilogue(acc1, valpha, b1, hasBias));
      storeRows(dst, j + 2, c, dsj, dsi, m, epilogue(acc2, valpha, b2, hasBias));
      storeRows(dst, j + 3, c, dsj, dsi, m, epilogue(acc3, valpha, b3, hasBias));
    }
  }
  for (; j < N; j++) {
    const c0 = coef + <usize>j * crow;
    const b0 = bias != 0 ? biasSplat(bias, j) : f32x4.splat(0);
    for (let c = 0; c < mp; c += 4) {
      let pc = c0;
      let ps = src + (<usize>c << 2);
      let acc = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(pc), v128.load(ps)));
        pc += cstep;
        ps += sstep;
      }
      storeRows(dst, j, c, dsj, dsi, m, epilogue(acc, valpha, b0, bias != 0));
    }
  }
}

// Lanes c..c+3 of output row j: one store when they are contiguous, else the rows below m.
// @ts-ignore: decorator
@inline
function storeRows(dst: usize, j: i32, c: i32, dsj: i32, dsi: i32, m: i32, v: v128): void {
  const p = dst + ((<usize>j * dsj + <usize>c * dsi) << 2);
  if (dsi == 1) {
    v128.store(p, v);
  } else {
    const step = <usize>dsi << 2;
    const rows = m - c;
    store<f32>(p, f32x4.extract_lane(v, 0));
    if (rows > 1) store<f32>(p + step, f32x4.extract_lane(v, 1));
    if (rows > 2) store<f32>(p + 2 * step, f32x4.extract_lane(v, 2));
    if (rows > 3) store<f32>(p + 3 * step, f32x4.extract_lane(v, 3));
  }
}

// Row sums of a 4 x 4 block, four at once: lane t of the result is s[t] + p_t[0] + p_t[1] +
// ... (the first `rows` lanes of p_t, added in that order). The 4x4 transpose turns the lanes
// of each p_t into one lane of four vectors, so the adds are f32x4 and keep the row order.
// @ts-ignore: decorator
@inline
function addTransposed(s: v128, p0: v128, p1: v128, p2: v128, p3: v128, rows: i32): v128 {
  const r0 = transposedRow(p0, p1, p2, p3, 0);
  const r1 = transposedRow(p0, p1, p2, p3, 1);
  const r2 = transposedRow(p0, p1, p2, p3, 2);
  const r3 = transposedRow(p0, p1, p2, p3, 3);
  s = f32x4.add(s, r0);
  if (rows > 1) s = f32x4.add(s, r1);
  if (rows > 2) s = f32x4.add(s, r2);
  if (rows > 3) s = f32x4.add(s, r3);
  return s;
}

// Lane t: sum over i < m of X_t(i) * Y(i), from +0 in row order (rows of lanes).
// @ts-ignore: decorator
@inline
function dotBlock(x0: usize, x1: usize, x2: usize, x3: usize, y: usize, m: i32): v128 {
  let s = f32x4.splat(0);
  for (let c = 0; c < m; c += 4) {
    const off = <usize>c << 2;
    const vy = v128.load(y + off);
    s = addTransposed(
      s,
      f32x4.mul(v128.load(x0 + off), vy), f32x4.mul(v128.load(x1 + off), vy),
      f32x4.mul(v128.load(x2 + off), vy), f32x4.mul(v128.load(x3 + off), vy),
      m - c,
    );
  }
  return s;
}

// The first n lanes of v to p, p + step, p + 2 step, p + 3 step.
// @ts-ignore: decorator
@inline
function storeSome(p: usize, step: usize, v: v128, n: i32): void {
  if (n == 4 && step == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p + step, f32x4.extract_lane(v, 1));
  if (n > 2) store<f32>(p + 2 * step, f32x4.extract_lane(v, 2));
  if (n > 3) store<f32>(p + 3 * step, f32x4.extract_lane(v, 3));
}

// Out(j, k) = alpha * sum_{i < m} D(j, i) A(k, i), rows of mp lanes; Out row-major (N x K).
// (dW = (1/m) Delta^T A_prev, with Delta and A_prev transposed.) Blocks of four k for one j,
// or of four j for one k when there are fewer than four k; a short block repeats its first
// row and drops those lanes.
export function lanesDots(N: i32, K: i32, d: usize, a: usize, mp: i32, m: i32, out: usize, alpha: f32): void {
  const rowBytes = <usize>mp << 2;
  const valpha = f32x4.splat(alpha);
  if (K >= 4 || N < 4) {
    for (let j = 0; j < N; j++) {
      const dj = d + <usize>j * rowBytes;
      for (let k = 0; k < K; k += 4) {
        dotFour(a + <usize>k * rowBytes, rowBytes, min(4, K - k), dj, m, valpha, out + ((<usize>j * K + k) << 2), 4);
      }
    }
  } else {
    for (let k = 0; k < K; k++) {
      const ak = a + <usize>k * rowBytes;
      for (let j = 0; j < N; j += 4) {
        dotFour(d + <usize>j * rowBytes, rowBytes, min(4, N - j), ak, m, valpha, out + ((<usize>j * K + k) << 2), <usize>K << 2);
      }
    }
  }
}

// alpha times the dot products of rows x .. x + (n - 1) rows (n <= 4; a short block repeats
// the first row and drops those lanes) with row y, over the first m lanes, stored step apart.
// @ts-ignore: decorator
@inline
function dotFour(x: usize, rowBytes: usize, n: i32, y: usize, m: i32, valpha: v128, out: usize, step: usize): void {
  const x1 = n > 1 ? x + rowBytes : x;
  const x2 = n > 2 ? x + 2 * rowBytes : x;
  const x3 = n > 3 ? x + 3 * rowBytes : x;
  storeSome(out, step, f32x4.mul(dotBlock(x, x1, x2, x3, y, m), valpha), n);
}

// Out(j, k) = alpha * sum_{i < m} D(j, i) A[i][k]: the same sums as lanesDots, with A
// row-major (m x K, row stride K) and D's values broadcast one at a time. Four k per f32x4
// and four j sharing each A load, summed over i in row order; the last K % 4 in scalar.
// No transposes, so it wins once a layer has four inputs or more.
export function outerDots(N: i32, K: i32, d: usize, mp: i32, a: usize, m: i32, out: usize, alpha: f32): void {
  const drow = <usize>mp << 2;
  const arow = <usize>K << 2;
  const K4 = K & ~3;
  const valpha = f32x4.splat(alpha);
  for (let j = 0; j < N; j += 4) {
    const n = min(4, N - j);
    const d0 = d + <usize>j * drow;
    const d1 = n > 1 ? d0 + drow : d0;
    const d2 = n > 2 ? d0 + 2 * drow : d0;
    const d3 = n > 3 ? d0 + 3 * drow : d0;
    const oj = out + ((<usize>j * K) << 2);
    for (let k = 0; k < K4; k += 4) {
      let pa = a + (<usize>k << 2);
      let acc0 = f32x4.splat(0);
      let acc1 = acc0;
      let acc2 = acc0;
      let acc3 = acc0;
      for (let i = 0; i < m; i++) {
        const va = v128.load(pa);
        const off = <usize>i << 2;
        acc0 = f32x4.add(acc0, f32x4.mul(v128.load32_splat(d0 + off), va));
        acc1 = f32x4.add(acc1, f32x4.mul(v128.load32_splat(d1 + off), va));
        acc2 = f32x4.add(acc2, f32x4.mul(v128.load32_splat(d2 + off), va));
        acc3 = f32x4.add(acc3, f32x4.mul(v128.load32_splat(d3 + off), va));
        pa += arow;
      }
      const o = oj + (<usize>k << 2);
      v128.store(o, f32x4.mul(acc0, valpha));
      if (n > 1) v128.store(o + arow, f32x4.mul(acc1, valpha));
      if (n > 2) v128.store(o + 2 * arow, f32x4.mul(acc2, valpha));
      if (n > 3) v128.store(o + 3 * arow, f32x4.mul(acc3, valpha));
    }
    for (let k = K4; k < K; k++) {
      for (let t = 0; t < n; t++) {
        const dt = d0 + <usize>t * drow;
        let s: f32 = 0;
        for (let i = 0; i < m; i++) s += load<f32>(dt + (<usize>i << 2)) * load<f32>(a + ((<usize>i * K + k) << 2));
        store<f32>(oj + ((<usize>t * K + k) << 2), s * alpha);
      }
    }
  }
}

// dW and db of a layer with fewer than four inputs (K <= 3):
//   Out(j, k) = alpha * sum_{i < m} D(j, i) A(k, i),  db(j) = alpha * sum_{i < m} D(j, i),
// D and A transposed (rows of mp lanes), Out row-major (N x K). Four units at a time: each 4x4
// block of D is transposed once, its rows i becoming vectors over the four units, and serves
// the bias sums and every k, where lanesDots and lanesSums transpose a block K + 1 times.
// The same products, summed from +0 in row order, then times alpha: the same bits.
export function unitDots(N: i32, K: i32, d: usize, a: usize, mp: i32, m: i32, out: usize, db: usize, alpha: f32): void {
  const rowBytes = <usize>mp << 2;
  const step = <usize>K << 2;
  const valpha = f32x4.splat(alpha);
  const a1 = a + rowBytes;
  const a2 = a + 2 * rowBytes;
  for (let j = 0; j < N; j += 4) {
    const n = min(4, N - j);
    const d0 = d + <usize>j * rowBytes;
    const d1 = n > 1 ? d0 + rowBytes : d0;
    const d2 = n > 2 ? d0 + 2 * rowBytes : d0;
    const d3 = n > 3 ? d0 + 3 * rowBytes : d0;
    let sb = f32x4.splat(0);
    let s0 = sb;
    let s1 = sb;
    let s2 = sb;
    for (let c = 0; c < m; c += 4) {
      const off = <usize>c << 2;
      const p0 = v128.load(d0 + off);
      const p1 = v128.load(d1 + off);
      const p2 = v128.load(d2 + off);
      const p3 = v128.load(d3 + off);
      const r0 = transposedRow(p0, p1, p2, p3, 0);
      const r1 = transposedRow(p0, p1, p2, p3, 1);
      const r2 = transposedRow(p0, p1, p2, p3, 2);
      const r3 = transposedRow(p0, p1, p2, p3, 3);
      const rows = m - c;
      // Rows c .. c + 3 of the block, each D(j .. j + 3, i), added in row order.
      let r = r0;
      let ai = off;
      sb = f32x4.add(sb, r);
      s0 = f32x4.add(s0, f32x4.mul(r, v128.load32_splat(a + ai)));
      if (K > 1) s1 = f32x4.add(s1, f32x4.mul(r, v128.load32_splat(a1 + ai)));
      if (K > 2) s2 = f32x4.add(s2, f32x4.mul(r, v128.load32_splat(a2 + ai)));
      if (rows > 1) {
        r = r1;
        ai = off + 4;
        sb = f32x4.add(sb, r);
        s0 = f32x4.add(s0, f32x4.mul(r, v128.load32_splat(a + ai)));
        if (K > 1) s1 = f32x4.add(s1, f32x4.mul(r, v128.load32_splat(a1 + ai)));
        if (K > 2) s2 = f32x4.add(s2, f32x4.mul(r, v128.load32_splat(a2 + ai)));
      }
      if (rows > 2) {
        r = r2;
        ai = off + 8;
        sb = f32x4.add(sb, r);
        s0 = f32x4.add(s0, f32x4.mul(r, v128.load32_splat(a + ai)));
        if (K > 1) s1 = f32x4.add(s1, f32x4.mul(r, v128.load32_splat(a1 + ai)));
        if (K > 2) s2 = f32x4.add(s2, f32x4.mul(r, v128.load32_splat(a2 + ai)));
      }
      if (rows > 3) {
        r = r3;
        ai = off + 12;
        sb = f32x4.add(sb, r);
        s0 = f32x4.add(s0, f32x4.mul(r, v128.load32_splat(a + ai)));
        if (K > 1) s1 = f32x4.add(s1, f32x4.mul(r, v128.load32_splat(a1 + ai)));
        if (K > 2) s2 = f32x4.add(s2, f32x4.mul(r, v128.load32_splat(a2 + ai)));
      }
    }
    storeSome(db + (<usize>j << 2), 4, f32x4.mul(sb, valpha), n);
    const o = out + ((<usize>j * K) << 2);
    s0 = f32x4.mul(s0, valpha);
    s1 = f32x4.mul(s1, valpha);
    if (K == 2 && n == 4) {
      // Out rows j .. j + 3 are 8 consecutive floats: (j, 0) (j, 1) (j + 1, 0) ...
      v128.store(o, i32x4.shuffle(s0, s1, 0, 4, 1, 5));
      v128.store(o, i32x4.shuffle(s0, s1, 2, 6, 3, 7), 16);
    } else {
      storeSome(o, step, s0, n);
      if (K > 1) storeSome(o + 4, step, s1, n);
      if (K > 2) storeSome(o + 8, step, f32x4.mul(s2, valpha), n);
    }
  }
}

// A transposed region (K x mp) back to rows (m x K).
function untranspose(dst: usize, src: usize, m: i32, K: i32, mp: i32): void {
  for (let k = 0; k < K; k++) {
    const row = src + ((<usize>k * mp) << 2);
    for (let i = 0; i < m; i++) store<f32>(dst + ((<usize>i * K + k) << 2), load<f32>(row + (<usize>i << 2)));
  }
}

// db[j] = alpha * sum_{i < m} D(j, i), in row order; four units at a time.
function lanesSums(N: i32, d: usize, mp: i32, m: i32, db: usize, alpha: f32): void {
  const rowBytes = <usize>mp << 2;
  const valpha = f32x4.splat(alpha);
  for (let j = 0; j < N; j += 4) {
    const n = min(4, N - j);
    const d0 = d + <usize>j * rowBytes;
    const d1 = n > 1 ? d0 + rowBytes : d0;
    const d2 = n > 2 ? d0 + 2 * rowBytes : d0;
    const d3 = n > 3 ? d0 + 3 * rowBytes : d0;
    let s = f32x4.splat(0);
    for (let c = 0; c < m; c += 4) {
      const off = <usize>c << 2;
      s = addTransposed(s, v128.load(d0 + off), v128.load(d1 + off), v128.load(d2 + off), v128.load(d3 + off), m - c);
    }
    storeSome(db + (<usize>j << 2), 4, f32x4.mul(s, valpha), n);
  }
}

// ---- a pass in lanes: where its operands live, and its products --------------------------

/** Rows of a batch of m in lanes: m rounded up to 4. */
// @ts-ignore: decorator
@inline export function lanesRows(m: i32): i32 {
  return (m + 3) & ~3;
}

/** Starts a pass of m rows in lanes: the input rows transposed to (inputs x mp) at the start of
 * the packing scratch (TS sizes it for pad8(rows) x inputs), where they stay for the pass. */
// @ts-ignore: decorator
@inline export function beginLanes(net: usize, m: i32): void {
  steps++;
  transposeInput(ptr(net, NET_PACK), ptr(net, NET_X), m, field(net, NET_INPUT), lanesRows(m));
}

/** The output layer's Delta (m x units, rows, as the loss writes it) in lanes: one unit
 * already is; otherwise transposed into the output layer's Z region, which nothing reads
 * after the loss. Returns where it is. */
// @ts-ignore: decorator
@inline export function outputDeltaLanes(net: usize, m: i32): usize {
  const last = field(net, NET_LAYERS) - 1;
  const units = layerField(net, last, LAYER_OUT);
  const delta = layerPtr(net, last, LAYER_DELTA);
  if (units == 1) return delta;
  const z = layerPtr(net, last, LAYER_Z);
  transposeInput(z, delta, m, units, lanesRows(m));
  return z;
}

/**
 * network.ts's product() in lanes when the batch rows are the inner index (dW and db):
 * C (M x N) = alpha A B and sums (M) = alpha A 1, summed over the K = m rows. A stored (M x mp)
 * as itself (Delta^T); B^T (N x mp), the layer's input in lanes (for the first layer, the
 * input's transposed copy at the scratch's start). Four rows of A (units) and four columns of
 * B (inputs) or more: B by rows and outerDots, cheaper than lanesDots's transposes once four
 * units share each load; fewer than four inputs: unitDots, with the sums fused; else lanesDots.
 */
// @ts-ignore: decorator
@inline export function smallDots(net: usize, M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, sums: usize, alpha: f32): void {
  const mp = lanesRows(K);
  if (M >= 4 && N >= 4) {
    // B by rows: the batch input's own rows, or a hidden layer's A transposed back into the
    // scratch after the input's transposed copy (there is room: TS sizes the scratch for
    // pad8(rows) x inputs of every layer, at least twice what the two take).
    const input = ptr(net, NET_PACK);
    let rows = ptr(net, NET_X);
    if (b != input) {
      rows = input + ((<usize>field(net, NET_INPUT) * mp) << 2);
      assert(<i64>(field(net, NET_INPUT) * mp + K * N) * 4 <= <i64>field(net, NET_PACK_BYTES));
      untranspose(rows, b, K, N, mp);
    }
    outerDots(M, N, a, mp, rows, K, c, alpha);
    lanesSums(M, a, mp, K, sums, alpha);
  } else if (N < 4) {
    unitDots(M, N, a, b, mp, K, c, sums, alpha);
  } else {
    lanesDots(M, N, a, b, mp, K, c, alpha);
    lanesSums(M, a, mp, K, sums, alpha);
  }
}
