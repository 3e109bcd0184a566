// f32x4 GEMM: one 4x8 register-tile microkernel (XNNPACK's 4x8 wasmsimd shape with
// load32_splat broadcasts) plus the packing routines that feed it, and a scalar reference twin.
// The epilogue, bias broadcast and 4x4 transpose of every tile here come from tiles.ts.
//
// C (M x N, row stride ldc) = alpha * A (M x K) * B (K x N) [+ bias (N)]
//   A is read through strides: A(i, k) at a + 4 * (i * rsa + k * csa), so the same kernel
//   takes A or A^T without a copy. B is packed: 8-column panels, panel p holds
//   B(k, 8p + j) at bp + 4 * (p * K * 8 + k * 8 + j), zero beyond column N.
// Rows come in 4-row tiles plus a 1-row kernel for the rest; columns past N are computed in
// the zero padding and dropped at the store.
// Summation order over k is fixed, so results do not depend on M or on the tile position.

import { epilogue, scaled, scaledBiased, epilogueScalar, withBias, biasSplat, biasVector, storeTransposed } from './tiles';

// Packs B = W^T where W is (N x K) row-major (forward pass: Z = A W^T); returns whether every
// value of W is finite (the sparse products need that of B: see gemmSparse). Full 8-row panels
// go through 4x4 register transposes (four row loads, eight shuffles, four stores per 4x4
// block); the k tail and a partial last panel are copied in scalar.
export function packTransposed(bp: usize, w: usize, N: i32, K: i32): bool {
  const rowBytes = <usize>K << 2;
  // 0 * v is +-0 for a finite v and NaN for an infinite or NaN one: the sums say whether
  // every value was finite, at two operations per four values.
  const zero = f32x4.splat(0);
  let check = zero;
  let scalarCheck: f32 = 0;
  for (let j0 = 0; j0 < N; j0 += 8) {
    const panel = bp + (<usize>j0 * K << 2);
    const cols = min(8, N - j0);
    let k = 0;
    if (cols == 8) {
      for (; k + 4 <= K; k += 4) {
        for (let h = 0; h < 2; h++) {
          const src = w + (<usize>(j0 + 4 * h) * rowBytes) + (<usize>k << 2);
          const v0 = v128.load(src);
          const v1 = v128.load(src + rowBytes);
          const v2 = v128.load(src + 2 * rowBytes);
          const v3 = v128.load(src + 3 * rowBytes);
          check = f32x4.add(check, f32x4.add(
            f32x4.add(f32x4.mul(v0, zero), f32x4.mul(v1, zero)),
            f32x4.add(f32x4.mul(v2, zero), f32x4.mul(v3, zero)),
          ));
          storeTransposed(v0, v1, v2, v3, panel + (<usize>k << 5) + (<usize>h << 4), 32, 4);
        }
      }
    }
    for (; k < K; k++) {
      const dst = panel + (<usize>k << 5);
      v128.store(dst, f32x4.splat(0));
      v128.store(dst, f32x4.splat(0), 16);
      for (let j = 0; j < cols; j++) {
        const v = load<f32>(w + ((<usize>(j0 + j) * K + k) << 2));
        scalarCheck += v * 0;
        store<f32>(dst + (<usize>j << 2), v);
      }
    }
  }
  return !v128.any_true(f32x4.ne(check, check)) && scalarCheck == scalarCheck;
}

// Packs B (K x N) row-major with row stride ldb (delta: B = W; gradient: B = A_prev).
export function packRows(bp: usize, b: usize, K: i32, N: i32, ldb: i32): void {
  for (let j0 = 0; j0 < N; j0 += 8) {
    const panel = bp + (<usize>j0 * K << 2);
    const cols = N - j0;
    if (cols >= 8) {
      for (let k = 0; k < K; k++) {
        const src = b + ((<usize>k * ldb + j0) << 2);
        const dst = panel + (<usize>k << 5);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      }
    } else {
      for (let k = 0; k < K; k++) {
        const src = b + ((<usize>k * ldb + j0) << 2);
        const dst = panel + (<usize>k << 5);
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let j = 0; j < cols; j++) {
          store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
        }
      }
    }
  }
}

// Floats a packed B (K x N) occupies.
export function packedSize(K: i32, N: i32): i32 {
  return K * ((N + 7) & ~7);
}

// The driver: 4x8 tiles over the first M & ~3 rows, the 1-row kernel for the 0-3 rows left
// (a batch of one must not pay for four aliased rows). bias = 0 for none. tile: 32 floats of
// scratch for partial stores.
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  bp: usize,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
  tile: usize,
): void {
  const M4 = M & ~3;
  if (M4 > 0) gemm4x8(M4, N, K, a, rsa, csa, bp, c, ldc, bias, alpha, tile);
  for (let i = M4; i < M; i++) {
    gemmRow(N, K, a + ((<usize>i * rsa) << 2), csa, bp, c + ((<usize>i * ldc) << 2), bias, alpha, tile);
  }
}

// 4x8 register tiles; M is a multiple of 4.
function gemm4x8(
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  bp: usize,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
  tile: usize,
): void {
  const valpha = f32x4.splat(alpha);
  const astep = <usize>csa << 2;
  for (let j0 = 0; j0 < N; j0 += 8) {
    const panel = bp + (<usize>j0 * K << 2);
    const fullCols = N - j0 >= 8;
    // A partial panel adds its bias in scalar after the spill (its bias vector would read
    // past the bias).
    const hasBias = bias != 0 && fullCols;
    let vb0 = f32x4.splat(0);
    let vb1 = vb0;
    if (hasBias) {
      vb0 = biasVector(bias, j0);
      vb1 = biasVector(bias, j0 + 4);
    }
    for (let i0 = 0; i0 < M; i0 += 4) {
      let a0 = a + ((<usize>i0 * rsa) << 2);
      let a1 = a + ((<usize>(i0 + 1) * rsa) << 2);
      let a2 = a + ((<usize>(i0 + 2) * rsa) << 2);
      let a3 = a + ((<usize>(i0 + 3) * rsa) << 2);
      let pb = panel;
      let vacc0x0123 = f32x4.splat(0);
      let vacc0x4567 = f32x4.splat(0);
      let vacc1x0123 = f32x4.splat(0);
      let vacc1x4567 = f32x4.splat(0);
      let vacc2x0123 = f32x4.splat(0);
      let vacc2x4567 = f32x4.splat(0);
      let vacc3x0123 = f32x4.splat(0);
      let vacc3x4567 = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        const vb0123 = v128.load(pb);
        const vb4567 = v128.load(pb, 16);
        const va0 = v128.load32_splat(a0);
        const va1 = v128.load32_splat(a1);
        const va2 = v128.load32_splat(a2);
        const va3 = v128.load32_splat(a3);
        vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va0, vb0123));
        vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va0, vb4567));
        vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va1, vb0123));
        vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va1, vb4567));
        vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(va2, vb0123));
        vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(va2, vb4567));
        vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(va3, vb0123));
        vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(va3, vb4567));
        pb += 32;
        a0 += astep;
        a1 += astep;
        a2 += astep;
        a3 += astep;
      }
      // The epilogue (tiles.ts), its bias test once per tile.
      if (hasBias) {
        vacc0x0123 = scaledBiased(vacc0x0123, valpha, vb0);
        vacc0x4567 = scaledBiased(vacc0x4567, valpha, vb1);
        vacc1x0123 = scaledBiased(vacc1x0123, valpha, vb0);
        vacc1x4567 = scaledBiased(vacc1x4567, valpha, vb1);
        vacc2x0123 = scaledBiased(vacc2x0123, valpha, vb0);
        vacc2x4567 = scaledBiased(vacc2x4567, valpha, vb1);
        vacc3x0123 = scaledBiased(vacc3x0123, valpha, vb0);
        vacc3x4567 = scaledBiased(vacc3x4567, valpha, vb1);
      } else {
        vacc0x0123 = scaled(vacc0x0123, valpha);
        vacc0x4567 = scaled(vacc0x4567, valpha);
        vacc1x0123 = scaled(vacc1x0123, valpha);
        vacc1x4567 = scaled(vacc1x4567, valpha);
        vacc2x0123 = scaled(vacc2x0123, valpha);
        vacc2x4567 = scaled(vacc2x4567, valpha);
        vacc3x0123 = scaled(vacc3x0123, valpha);
        vacc3x4567 = scaled(vacc3x4567, valpha);
      }
      const c0 = c + ((<usize>i0 * ldc + j0) << 2);
      const rowBytes = <usize>ldc << 2;
      if (fullCols) {
        v128.store(c0, vacc0x0123);
        v128.store(c0, vacc0x4567, 16);
        v128.store(c0 + rowBytes, vacc1x0123);
        v128.store(c0 + rowBytes, vacc1x4567, 16);
        v128.store(c0 + 2 * rowBytes, vacc2x0123);
        v128.store(c0 + 2 * rowBytes, vacc2x4567, 16);
        v128.store(c0 + 3 * rowBytes, vacc3x0123);
        v128.store(c0 + 3 * rowBytes, vacc3x4567, 16);
      } else {
        // Column tail: spill the tile, copy the valid columns, add their bias in scalar.
        v128.store(tile, vacc0x0123);
        v128.store(tile, vacc0x4567, 16);
        v128.store(tile, vacc1x0123, 32);
        v128.store(tile, vacc1x4567, 48);
        v128.store(tile, vacc2x0123, 64);
        v128.store(tile, vacc2x4567, 80);
        v128.store(tile, vacc3x0123, 96);
        v128.store(tile, vacc3x4567, 112);
        const cols = N - j0;
        for (let r = 0; r < 4; r++) {
          const dst = c0 + <usize>r * rowBytes;
          const src = tile + (<usize>r << 5);
          for (let j = 0; j < cols; j++) {
            store<f32>(dst + (<usize>j << 2), withBias(load<f32>(src + (<usize>j << 2)), bias, j0 + j));
          }
        }
      }
    }
  }
}

// One row of C (c: N floats) = alpha * a-row (K values, stride csa) * packed B + bias.
// Two panels (16 columns) at a time with k unrolled by two: four accumulator chains, each
// still summing its columns' k in order, as the 4x8 tiles do. (Four panels at a time lose at
// K = 512, where four panel streams 16 KB apart collide in L1: bench/RESULTS.md, "Figures
// moved from the core's comments".)
function gemmRow(N: i32, K: i32, ar: usize, csa: i32, bp: usize, cr: usize, bias: usize, alpha: f32, tile: usize): void {
  const astep = <usize>csa << 2;
  const panelBytes = <usize>K << 5;
  const panels = (N + 7) >> 3;
  const K2 = K & ~1;
  let p = 0;
  for (; p + 2 <= panels; p += 2) {
    let p0 = bp + <usize>p * panelBytes;
    let p1 = p0 + panelBytes;
    let pa = ar;
    let vacc0x0123 = f32x4.splat(0);
    let vacc0x4567 = f32x4.splat(0);
    let vacc1x0123 = f32x4.splat(0);
    let vacc1x4567 = f32x4.splat(0);
    let k = 0;
    for (; k < K2; k += 2) {
      let va = v128.load32_splat(pa);
      vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va, v128.load(p0)));
      vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va, v128.load(p0, 16)));
      vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va, v128.load(p1)));
      vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va, v128.load(p1, 16)));
      va = v128.load32_splat(pa + astep);
      vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va, v128.load(p0, 32)));
      vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va, v128.load(p0, 48)));
      vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va, v128.load(p1, 32)));
      vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va, v128.load(p1, 48)));
      p0 += 64;
      p1 += 64;
      pa += astep << 1;
    }
    if (k < K) {
      const va = v128.load32_splat(pa);
      vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va, v128.load(p0)));
      vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va, v128.load(p0, 16)));
      vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va, v128.load(p1)));
      vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va, v128.load(p1, 16)));
    }
    storePanel(vacc0x0123, vacc0x4567, cr, p * 8, N, bias, alpha, tile);
    storePanel(vacc1x0123, vacc1x4567, cr, p * 8 + 8, N, bias, alpha, tile);
  }
  if (p < panels) {
    let pb = bp + <usize>p * panelBytes;
    let pa = ar;
    let vacc0x0123 = f32x4.splat(0);
    let vacc0x4567 = f32x4.splat(0);
    for (let k = 0; k < K; k++) {
      const va = v128.load32_splat(pa);
      vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va, v128.load(pb)));
      vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va, v128.load(pb, 16)));
      pb += 32;
      pa += astep;
    }
    storePanel(vacc0x0123, vacc0x4567, cr, p * 8, N, bias, alpha, tile);
  }
}

// Stores columns j0..j0+7 of one row (those below N): alpha * acc + bias, as the 4x8 epilogue.
// @ts-ignore: decorator
@inline
function storePanel(lo: v128, hi: v128, cr: usize, j0: i32, N: i32, bias: usize, alpha: f32, tile: usize): void {
  const valpha = f32x4.splat(alpha);
  const dst = cr + (<usize>j0 << 2);
  if (N - j0 >= 8) {
    if (bias != 0) {
      v128.store(dst, scaledBiased(lo, valpha, biasVector(bias, j0)));
      v128.store(dst, scaledBiased(hi, valpha, biasVector(bias, j0 + 4)), 16);
    } else {
      v128.store(dst, scaled(lo, valpha));
      v128.store(dst, scaled(hi, valpha), 16);
    }
  } else {
    // Scaled here, biased column by column below.
    v128.store(tile, scaled(lo, valpha));
    v128.store(tile, scaled(hi, valpha), 16);
    for (let j = 0; j < N - j0; j++) {
      store<f32>(dst + (<usize>j << 2), withBias(load<f32>(tile + (<usize>j << 2)), bias, j0 + j));
    }
  }
}

// Scalar reference twin of gemm on unpacked B (K x N, row stride ldb), same k order.
export function gemmReference(
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(a + ((<usize>i * rsa + <usize>k * csa) << 2)) *
          load<f32>(b + ((<usize>k * ldb + j) << 2));
      }
      store<f32>(c + ((<usize>i * ldc + j) << 2), epilogueScalar(acc, alpha, bias, j));
    }
  }
}

// ---- narrow outputs: C^T tiles ----------------------------------------------------------------
// For a C with few columns (a classifier's 10 outputs, a regression's 1), 8-column panels
// waste most lanes: N = 10 computes 16 columns. Here the vectors run down the rows instead:
// C^T = B^T A^T, with A packed in 8-row panels (packTransposed(ap, A, M, K): ap holds
// A(8p + r, k) at ap + 4 * (p * K * 8 + k * 8 + r)) and B^T read in place through strides
// (Bt(j, k) at bt + 4 * (j * rsb + k * csb); for Z = A W^T, Bt = W, rsb = K, csb = 1). A tile is
// 8 rows x 4 columns of C (eight accumulators, as in the 4x8 kernel), stored through 4x4
// register transposes; leftover columns go in pairs, then alone. Each element still sums k in
// order and is scaled, then biased, exactly as gemm does: the same bits.
export function gemmNarrow(
  M: i32, N: i32, K: i32,
  bt: usize, rsb: i32, csb: i32,
  ap: usize,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
  tile: usize,
): void {
  const valpha = f32x4.splat(alpha);
  const bstep = <usize>csb << 2;
  const rowBytes = <usize>ldc << 2;
  for (let i0 = 0; i0 < M; i0 += 8) {
    const panel = ap + (<usize>i0 * K << 2);
    const rows = min(8, M - i0);
    const c0 = c + <usize>i0 * rowBytes;
    let j0 = 0;
    for (; j0 + 4 <= N; j0 += 4) {
      let b0 = bt + ((<usize>j0 * rsb) << 2);
      let b1 = b0 + (<usize>rsb << 2);
      let b2 = b1 + (<usize>rsb << 2);
      let b3 = b2 + (<usize>rsb << 2);
      let pa = panel;
      let vacc0lo = f32x4.splat(0);
      let vacc0hi = f32x4.splat(0);
      let vacc1lo = f32x4.splat(0);
      let vacc1hi = f32x4.splat(0);
      let vacc2lo = f32x4.splat(0);
      let vacc2hi = f32x4.splat(0);
      let vacc3lo = f32x4.splat(0);
      let vacc3hi = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        const va0123 = v128.load(pa);
        const va4567 = v128.load(pa, 16);
        const vb0 = v128.load32_splat(b0);
        const vb1 = v128.load32_splat(b1);
        const vb2 = v128.load32_splat(b2);
        const vb3 = v128.load32_splat(b3);
        vacc0lo = f32x4.add(vacc0lo, f32x4.mul(vb0, va0123));
        vacc0hi = f32x4.add(vacc0hi, f32x4.mul(vb0, va4567));
        vacc1lo = f32x4.add(vacc1lo, f32x4.mul(vb1, va0123));
        vacc1hi = f32x4.add(vacc1hi, f32x4.mul(vb1, va4567));
        vacc2lo = f32x4.add(vacc2lo, f32x4.mul(vb2, va0123));
        vacc2hi = f32x4.add(vacc2hi, f32x4.mul(vb2, va4567));
        vacc3lo = f32x4.add(vacc3lo, f32x4.mul(vb3, va0123));
        vacc3hi = f32x4.add(vacc3hi, f32x4.mul(vb3, va4567));
        pa += 32;
        b0 += bstep;
        b1 += bstep;
        b2 += bstep;
        b3 += bstep;
      }
      // vaccJlo holds C(i0..i0+3, j0+J): the epilogue with column j0+J's bias in every lane,
      // then a 4x4 transpose to rows.
      const hasBias = bias != 0;
      let bv0 = f32x4.splat(0);
      let bv1 = bv0;
      let bv2 = bv0;
      let bv3 = bv0;
      if (hasBias) {
        bv0 = biasSplat(bias, j0);
        bv1 = biasSplat(bias, j0 + 1);
        bv2 = biasSplat(bias, j0 + 2);
        bv3 = biasSplat(bias, j0 + 3);
      }
      const dst = c0 + (<usize>j0 << 2);
      storeTransposed(
        epilogue(vacc0lo, valpha, bv0, hasBias), epilogue(vacc1lo, valpha, bv1, hasBias),
        epilogue(vacc2lo, valpha, bv2, hasBias), epilogue(vacc3lo, valpha, bv3, hasBias),
        dst, rowBytes, rows,
      );
      if (rows > 4) {
        storeTransposed(
          epilogue(vacc0hi, valpha, bv0, hasBias), epilogue(vacc1hi, valpha, bv1, hasBias),
          epilogue(vacc2hi, valpha, bv2, hasBias), epilogue(vacc3hi, valpha, bv3, hasBias),
          dst + 4 * rowBytes, rowBytes, rows - 4,
        );
      }
    }
  }
  // The last N % 4 columns, two at a time over 16 rows (two panels): eight accumulator chains,
  // so the adds pipeline as in the main tiles. A lone last panel uses the first four.
  for (let j0 = N & ~3; j0 < N; j0 += 2) {
    const cols = min(2, N - j0);
    const b0start = bt + ((<usize>j0 * rsb) << 2);
    const b1start = cols == 2 ? b0start + (<usize>rsb << 2) : b0start;
    for (let i0 = 0; i0 < M; i0 += 16) {
      let pa = ap + (<usize>i0 * K << 2);
      const second = i0 + 8 < M;
      const pa1off = <usize>K << 5; // the next panel
      let b0 = b0start;
      let b1 = b1start;
      let v0lo = f32x4.splat(0);
      let v0hi = f32x4.splat(0);
      let v1lo = f32x4.splat(0);
      let v1hi = f32x4.splat(0);
      let w0lo = f32x4.splat(0);
      let w0hi = f32x4.splat(0);
      let w1lo = f32x4.splat(0);
      let w1hi = f32x4.splat(0);
      if (second) {
        for (let k = 0; k < K; k++) {
          const va0123 = v128.load(pa);
          const va4567 = v128.load(pa, 16);
          const vc0123 = v128.load(pa + pa1off);
          const vc4567 = v128.load(pa + pa1off, 16);
          const vb0 = v128.load32_splat(b0);
          const vb1 = v128.load32_splat(b1);
          v0lo = f32x4.add(v0lo, f32x4.mul(vb0, va0123));
          v0hi = f32x4.add(v0hi, f32x4.mul(vb0, va4567));
          v1lo = f32x4.add(v1lo, f32x4.mul(vb1, va0123));
          v1hi = f32x4.add(v1hi, f32x4.mul(vb1, va4567));
          w0lo = f32x4.add(w0lo, f32x4.mul(vb0, vc0123));
          w0hi = f32x4.add(w0hi, f32x4.mul(vb0, vc4567));
          w1lo = f32x4.add(w1lo, f32x4.mul(vb1, vc0123));
          w1hi = f32x4.add(w1hi, f32x4.mul(vb1, vc4567));
          pa += 32;
          b0 += bstep;
          b1 += bstep;
        }
      } else {
        for (let k = 0; k < K; k++) {
          const va0123 = v128.load(pa);
          const va4567 = v128.load(pa, 16);
          const vb0 = v128.load32_splat(b0);
          const vb1 = v128.load32_splat(b1);
          v0lo = f32x4.add(v0lo, f32x4.mul(vb0, va0123));
          v0hi = f32x4.add(v0hi, f32x4.mul(vb0, va4567));
          v1lo = f32x4.add(v1lo, f32x4.mul(vb1, va0123));
          v1hi = f32x4.add(v1hi, f32x4.mul(vb1, va4567));
          pa += 32;
          b0 += bstep;
          b1 += bstep;
        }
      }
      // tile: column j0 rows i0..i0+15 at 0..15, column j0+1 at 16..31.
      v128.store(tile, f32x4.mul(v0lo, valpha));
      v128.store(tile, f32x4.mul(v0hi, valpha), 16);
      v128.store(tile, f32x4.mul(w0lo, valpha), 32);
      v128.store(tile, f32x4.mul(w0hi, valpha), 48);
      v128.store(tile, f32x4.mul(v1lo, valpha), 64);
      v128.store(tile, f32x4.mul(v1hi, valpha), 80);
      v128.store(tile, f32x4.mul(w1lo, valpha), 96);
      v128.store(tile, f32x4.mul(w1hi, valpha), 112);
      const rows = min(16, M - i0);
      for (let j = 0; j < cols; j++) {
        const dst = c + <usize>i0 * rowBytes + (<usize>(j0 + j) << 2);
        for (let r = 0; r < rows; r++) {
          store<f32>(dst + <usize>r * rowBytes, withBias(load<f32>(tile + (<usize>(j * 16 + r) << 2)), bias, j0 + j));
        }
      }
    }
  }
}

// ---- sparse A: products that skip A's zeros -----------------------------------------------
// ReLU layers leave about half of their activations and of their deltas exactly zero, and
// data such as MNIST digits is mostly zeros. A product whose A operand has many zeros can
// skip them: C(i, j) = alpha * (sum over k with A(i, k) != 0 of A(i, k) B(k, j)) [+ bias(j)].
// Same bits as gemm where B is finite (network.ts makes sure: the weights are checked as they
// are packed, and activations before they are used as B): a skipped term is then +-0, and
// where B holds an infinity the dense sum is NaN and this one is not. Adding +-0 to a sum that started
// at +0 never changes it (x + -0 = x, and such a sum is never -0: round to nearest gives +0
// for an exact cancellation). The kept terms are added in ascending k from +0, then scaled,
// then biased, as in the 4x8 tile.
//
// B is read through two byte strides: B(k, j) at b + k * kb + (j >> 3) * pb + 4 * (j & 7).
// Row-major B with row stride ldb (read in place): kb = 4 ldb, pb = 32. 8-column panels as
// packRows/packTransposed write them: kb = 32, pb = 32 K.
//
// sparseRows writes A's nonzeros by row (CSR) to `list`, in chunks of SPARSE_KC values of k,
// so that the part of B a chunk reads stays in L1 while every row of A reads it:
//   u32 C = ceil(K / SPARSE_KC) at list; then u32 bound(i, c) at list + 4 (1 + i (C + 1) + c),
//   c = 0..C, the first entry of row i's chunk c (bound(i, C): the row's end); then, from
//   list + sparseHeaderBytes(M, K) (8-aligned), entries of (u32 k * kb, f32 A(i, k)).
// Each row has one spare slot after its last entry, which the branch-free fill may write and
// nothing reads. So the list takes sparseListBytes(M, K, nonzeros).

/** k values per chunk of a sparse list: 128 rows of a 24-column block of B are 12 KB packed,
 * 16 KB row-major (two cache lines a row), so a chunk's block stays in L1. */
export const SPARSE_KC = 128;

// @ts-ignore: decorator
@inline function sparseChunks(K: i32): i32 {
  return max(1, (K + SPARSE_KC - 1) / SPARSE_KC);
}
// Bytes before the entries: C, then M (C + 1) bounds, rounded up to 8 bytes.
// @ts-ignore: decorator
@inline function listHeaderBytes(M: i32, C: i32): i64 {
  return 4 * ((2 + <i64>M * <i64>(C + 1)) & ~1);
}
// @ts-ignore: decorator
@inline export function sparseHeaderBytes(M: i32, K: i32): i64 {
  return listHeaderBytes(M, sparseChunks(K));
}

/** Bytes of list sparseRows needs for A (M x K) holding `nonzeros` nonzeros (in i64: a big
 * layer's list can pass 2^31 bytes, and must then be refused, not wrap around). */
// @ts-ignore: decorator
@inline export function sparseListBytes(M: i32, K: i32, nonzeros: i32): i64 {
  return sparseHeaderBytes(M, K) + 8 * (<i64>nonzeros + <i64>M);
}

/** Nonzeros among n floats at p. */
export function countNonzero(p: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = i32x4.sub(acc, f32x4.ne(v128.load(p + (<usize>i << 2)), zero));
  let count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) count += i32(load<f32>(p + (<usize>i << 2)) != 0);
  return count;
}

// Writes the entry (off, v) at index e and returns e + keep: an entry not kept (v = +-0) is
// overwritten by the next one, or lies in its row's spare slot.
// @ts-ignore: decorator
@inline function listEntry(entries: usize, e: usize, off: usize, v: f32, keep: i32): usize {
  const q = entries + (e << 3);
  store<u32>(q, <u32>off);
  store<f32>(q, v, 4);
  return e + <usize>keep;
}

/**
 * Lists the nonzeros of A (M x K) by row, A(i, k) at a + 4 (i K + k), or with `transposed`
 * at a + 4 (k M + i) (A^T stored row-major, e.g. dW's Delta^T). Returns the number of
 * nonzeros, or -1 when the list would take more than `maxBytes` (then nothing past the
 * list's header was written). Three passes, of which the first and last split by rows over
 * threads (threads.ts parallelSparseRows): count each row's nonzeros per chunk of k, turn
 * the counts into where each row and chunk starts, fill the entries.
 */
export function sparseRows(list: usize, a: usize, M: i32, K: i32, transposed: bool, kb: i32, maxBytes: i32): i32 {
  if (sparseHeaderBytes(M, K) > <i64>maxBytes) return -1;
  sparseCount(list, a, M, K, transposed, 0, M);
  const nonzeros = sparseStarts(list, M, K, maxBytes);
  if (nonzeros >= 0) sparseFill(list, a, M, K, transposed, kb, 0, M);
  return nonzeros;
}

/** Pass 1, rows [i0, i1) (i0 a multiple of 4): row i's nonzeros in chunk c into bound(i, c + 1). */
export function sparseCount(list: usize, a: usize, M: i32, K: i32, transposed: bool, i0: i32, i1: i32): void {
  const C = sparseChunks(K);
  const bounds = list + 4;
  const rowWords = <usize>(C + 1) << 2;
  for (let c = 0; c < C; c++) {
    const k0 = c * SPARSE_KC;
    const k1 = min(K, k0 + SPARSE_KC);
    let i = i0;
    if (transposed) {
      // Four rows in the lanes, down A^T's rows.
      const zero = f32x4.splat(0);
      for (; i + 4 <= i1; i += 4) {
        let acc = i32x4.splat(0);
        let p = a + ((<usize>k0 * M + i) << 2);
        for (let k = k0; k < k1; k++) {
          acc = i32x4.sub(acc, f32x4.ne(v128.load(p), zero));
          p += <usize>M << 2;
        }
        const slot = bounds + <usize>i * rowWords + (<usize>(c + 1) << 2);
        store<i32>(slot, i32x4.extract_lane(acc, 0));
        store<i32>(slot + rowWords, i32x4.extract_lane(acc, 1));
        store<i32>(slot + 2 * rowWords, i32x4.extract_lane(acc, 2));
        store<i32>(slot + 3 * rowWords, i32x4.extract_lane(acc, 3));
      }
      for (; i < i1; i++) {
        let count = 0;
        for (let k = k0; k < k1; k++) count += i32(load<f32>(a + ((<usize>k * M + i) << 2)) != 0);
        store<i32>(bounds + <usize>i * rowWords + (<usize>(c + 1) << 2), count);
      }
    } else {
      for (; i < i1; i++) {
        store<i32>(bounds + <usize>i * rowWords + (<usize>(c + 1) << 2), countNonzero(a + ((<usize>i * K + k0) << 2), k1 - k0));
      }
    }
  }
}

/** Pass 2: the counts become starts: bound(i, 0) where row i starts, bound(i, c + 1) where its
 * chunk c starts (pass 3 advances it to where chunk c ends). Returns the nonzeros, or -1 if
 * the list would take more than maxBytes. */
export function sparseStarts(list: usize, M: i32, K: i32, maxBytes: i32): i32 {
  const C = sparseChunks(K);
  const bounds = list + 4;
  const rowWords = <usize>(C + 1) << 2;
  let nonzeros = 0;
  for (let i = 0; i < M; i++) {
    const row = bounds + <usize>i * rowWords;
    for (let c = 1; c <= C; c++) nonzeros += load<i32>(row + (<usize>c << 2));
  }
  if (sparseListBytes(M, K, nonzeros) > <i64>maxBytes) return -1;
  store<u32>(list, C);
  let start = 0;
  for (let i = 0; i < M; i++) {
    const row = bounds + <usize>i * rowWords;
    store<i32>(row, start);
    for (let c = 0; c < C; c++) {
      const slot = row + (<usize>(c + 1) << 2);
      const count = load<i32>(slot);
      store<i32>(slot, start);
      start += count;
    }
    start++; // the spare slot
  }
  return nonzeros;
}

/** Pass 3, rows [i0, i1): each row's entries in k order, from bound(i, c + 1) (left at chunk
 * c's end, the next chunk's start). */
export function sparseFill(list: usize, a: usize, M: i32, K: i32, transposed: bool, kb: i32, i0: i32, i1: i32): void {
  const C = sparseChunks(K);
  const bounds = list + 4;
  const rowWords = <usize>(C + 1) << 2;
  const entries = list + <usize>sparseHeaderBytes(M, K);
  const step = <usize>kb;
  if (!transposed) {
    const zero = f32x4.splat(0);
    for (let i = i0; i < i1; i++) {
      const row = bounds + <usize>i * rowWords;
      let p = a + (<usize>i * K << 2);
      let off: usize = 0;
      for (let c = 0; c < C; c++) {
        const slot = row + (<usize>(c + 1) << 2);
        let e = <usize>load<u32>(slot);
        let k = c * SPARSE_KC;
        const end = min(K, k + SPARSE_KC);
        // Four at a time: a quad of zeros (most of an MNIST digit's border) costs one test.
        for (; k + 4 <= end; k += 4) {
          const v = v128.load(p);
          const mask = i32x4.bitmask(f32x4.ne(v, zero));
          if (mask != 0) {
            e = listEntry(entries, e, off, f32x4.extract_lane(v, 0), mask & 1);
            e = listEntry(entries, e, off + step, f32x4.extract_lane(v, 1), (mask >> 1) & 1);
            e = listEntry(entries, e, off + 2 * step, f32x4.extract_lane(v, 2), (mask >> 2) & 1);
            e = listEntry(entries, e, off + 3 * step, f32x4.extract_lane(v, 3), mask >> 3);
          }
          off += step << 2;
          p += 16;
        }
        for (; k < end; k++) {
          const v = load<f32>(p);
          e = listEntry(entries, e, off, v, <i32>(v != 0));
          off += step;
          p += 4;
        }
        store<u32>(slot, <u32>e);
      }
    }
    return;
  }
  // Transposed: one pass down A^T's rows, each value to its row's cursor.
  let off: usize = 0;
  for (let k = 0; k < K; k++) {
    const src = a + (<usize>k * M << 2);
    const cursors = bounds + (<usize>(k / SPARSE_KC + 1) << 2);
    for (let i = i0; i < i1; i++) {
      const v = load<f32>(src + (<usize>i << 2));
      const cur = cursors + <usize>i * rowWords;
      store<u32>(cur, <u32>listEntry(entries, <usize>load<u32>(cur), off, v, <i32>(v != 0)));
    }
    off += step;
  }
}

/**
 * C (M x N, row stride ldc) = alpha * A B [+ bias] from sparseRows' list of A (B's strides
 * above; bias = 0 for none). 24 columns (three panels, six accumulators) at a time, then 16,
 * 4 and 1. Inside a column block the k chunks go in order and the rows inside
 * them, so that chunk of the block of B stays in L1 while every row reads it; a row's sum
 * waits in C between chunks (a float32 stored and reloaded exactly: the same bits).
 * (Not eight accumulators: they spill on V8 x64, which issues all eight B loads of an entry
 * before the multiplies, and an accumulator kept on the stack makes a store-load chain.)
 */
export function gemmSparse(
  M: i32, N: i32,
  list: usize,
  b: usize, pb: i32,
  c: usize, ldc: i32,
  bias: usize, alpha: f32,
): void {
  const C = <i32>load<u32>(list);
  const bounds = list + 4;
  const rowWords = <usize>(C + 1) << 2;
  const entries = list + <usize>listHeaderBytes(M, C);
  const valpha = f32x4.splat(alpha);
  const pstep = <usize>pb;
  const rowBytes = <usize>ldc << 2;
  // Blocks of 24 columns, and 16 for what they leave of whole panels: N = 128 is 4 x 24 +
  // 2 x 16, not 5 x 24 and eight columns for the one-accumulator tail, whose single add
  // chain is far slower per flop.
  let j0 = 0;
  const rest = N % 24;
  const wide = N - rest - (rest == 8 && N >= 32 ? 24 : 0);
  for (; j0 < wide; j0 += 24) sparseBlock(24, M, C, bounds, rowWords, entries, b + <usize>(j0 >> 3) * pstep, pstep, c + (<usize>j0 << 2), rowBytes, valpha, bias, bias + (<usize>j0 << 2));
  for (; j0 + 16 <= N; j0 += 16) sparseBlock(16, M, C, bounds, rowWords, entries, b + <usize>(j0 >> 3) * pstep, pstep, c + (<usize>j0 << 2), rowBytes, valpha, bias, bias + (<usize>j0 << 2));
  // Column tails, every chunk at once: four columns per vector (j0 is a multiple of 4, so
  // they share a panel), then one by one.
  for (; j0 + 4 <= N; j0 += 4) {
    const bj = b + <usize>(j0 >> 3) * pstep + (<usize>(j0 & 7) << 2);
    for (let i = 0; i < M; i++) {
      const bound = bounds + <usize>i * rowWords;
      let vacc = f32x4.splat(0);
      for (let e = entries + (<usize>load<u32>(bound) << 3), end = entries + (<usize>load<u32>(bound + rowWords - 4) << 3); e < end; e += 8) {
        vacc = f32x4.add(vacc, f32x4.mul(v128.load32_splat(e, 4), v128.load(bj + <usize>load<u32>(e))));
      }
      storeScaled(c + <usize>i * rowBytes + (<usize>j0 << 2), vacc, valpha, bias, bias + (<usize>j0 << 2));
    }
  }
  for (; j0 < N; j0++) {
    const bj = b + <usize>(j0 >> 3) * pstep + (<usize>(j0 & 7) << 2);
    for (let i = 0; i < M; i++) {
      const bound = bounds + <usize>i * rowWords;
      let acc: f32 = 0;
      for (let e = entries + (<usize>load<u32>(bound) << 3), end = entries + (<usize>load<u32>(bound + rowWords - 4) << 3); e < end; e += 8) {
        acc += load<f32>(e, 4) * load<f32>(bj + <usize>load<u32>(e));
      }
      store<f32>(c + <usize>i * rowBytes + (<usize>j0 << 2), epilogueScalar(acc, alpha, bias, j0));
    }
  }
}

// Columns [0, W) of C's rows (W = 24 or 16, a constant once inlined; rows rowBytes apart
// from c) from the list, k chunk by k chunk: B's panels at bj, bj + pstep, bj + 2 pstep.
// @ts-ignore: decorator
@inline
function sparseBlock(
  W: i32, M: i32, C: i32, bounds: usize, rowWords: usize, entries: usize,
  bj: usize, pstep: usize, c: usize, rowBytes: usize, valpha: v128, bias: usize, pbias: usize,
): void {
  for (let ch = 0; ch < C; ch++) {
    const lastChunk = ch == C - 1;
    for (let i = 0; i < M; i++) {
      const bound = bounds + <usize>i * rowWords + (<usize>ch << 2);
      const dst = c + <usize>i * rowBytes;
      let vacc0 = f32x4.splat(0);
      let vacc1 = vacc0;
      let vacc2 = vacc0;
      let vacc3 = vacc0;
      let vacc4 = vacc0;
      let vacc5 = vacc0;
      if (ch > 0) {
        vacc0 = v128.load(dst);
        vacc1 = v128.load(dst, 16);
        vacc2 = v128.load(dst, 32);
        vacc3 = v128.load(dst, 48);
        if (W == 24) {
          vacc4 = v128.load(dst, 64);
          vacc5 = v128.load(dst, 80);
        }
      }
      for (let e = entries + (<usize>load<u32>(bound) << 3), end = entries + (<usize>load<u32>(bound, 4) << 3); e < end; e += 8) {
        const va = v128.load32_splat(e, 4);
        const p0 = bj + <usize>load<u32>(e);
        const p1 = p0 + pstep;
        vacc0 = f32x4.add(vacc0, f32x4.mul(va, v128.load(p0)));
        vacc1 = f32x4.add(vacc1, f32x4.mul(va, v128.load(p0, 16)));
        vacc2 = f32x4.add(vacc2, f32x4.mul(va, v128.load(p1)));
        vacc3 = f32x4.add(vacc3, f32x4.mul(va, v128.load(p1, 16)));
        if (W == 24) {
          const p2 = p1 + pstep;
          vacc4 = f32x4.add(vacc4, f32x4.mul(va, v128.load(p2)));
          vacc5 = f32x4.add(vacc5, f32x4.mul(va, v128.load(p2, 16)));
        }
      }
      if (lastChunk) {
        storeScaled(dst, vacc0, valpha, bias, pbias);
        storeScaled(dst + 16, vacc1, valpha, bias, pbias + 16);
        storeScaled(dst + 32, vacc2, valpha, bias, pbias + 32);
        storeScaled(dst + 48, vacc3, valpha, bias, pbias + 48);
        if (W == 24) {
          storeScaled(dst + 64, vacc4, valpha, bias, pbias + 64);
          storeScaled(dst + 80, vacc5, valpha, bias, pbias + 80);
        }
      } else {
        v128.store(dst, vacc0);
        v128.store(dst, vacc1, 16);
        v128.store(dst, vacc2, 32);
        v128.store(dst, vacc3, 48);
        if (W == 24) {
          v128.store(dst, vacc4, 64);
          v128.store(dst, vacc5, 80);
        }
      }
    }
  }
}

// The epilogue of four columns, their bias vector at pbias (tiles.ts).
// @ts-ignore: decorator
@inline
function storeScaled(dst: usize, acc: v128, valpha: v128, bias: usize, pbias: usize): void {
  v128.store(dst, bias != 0 ? scaledBiased(acc, valpha, v128.load(pbias)) : scaled(acc, valpha));
}
