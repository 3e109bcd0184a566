// Products for small networks: every layer at most SMALL_WIDTH units wide (XOR, most tabular
// nets). Their products are a few hundred multiply-adds, where gemm.ts's packing, tile
// epilogues and thread checks cost more than the arithmetic. Here each product is one pass
// over unpacked operands.
//
// Same bits as gemm.ts: every element is summed from +0 over k in ascending order, then
// multiplied by alpha, then the bias is added, exactly as in the 4x8, 1-row and narrow
// kernels (lanes are independent elements, and there is no FMA). So a network gives the same
// results whichever path runs (a test compares them with this path switched off).

import { NET_LAYERS, LAYER_IN, LAYER_OUT } from '../src/abi';
import { field, layerField } from './layout';

/** Widest layer (inputs or units) that takes this path. */
export const SMALL_WIDTH = 32;

let enabled = true;

/** Tests and benchmarks: 0 sends every network through gemm.ts. Returns the previous setting. */
export function setSmallPath(on: i32): i32 {
  const was = enabled ? 1 : 0;
  enabled = on != 0;
  return was;
}

/** Whether every layer of the network is at most SMALL_WIDTH wide (and the path is on). */
export function isSmall(net: usize): bool {
  if (!enabled) return false;
  const L = field(net, NET_LAYERS);
  for (let l = 0; l < L; l++) {
    if (layerField(net, l, LAYER_IN) > SMALL_WIDTH || layerField(net, l, LAYER_OUT) > SMALL_WIDTH) return false;
  }
  return true;
}

// W^T (K x N, row-major, row stride N) from W (N x K, row-major), for the forward product.
export function transposeSmall(wt: usize, w: usize, N: i32, K: i32): void {
  for (let k = 0; k < K; k++) {
    const dst = wt + ((<usize>k * N) << 2);
    let src = w + (<usize>k << 2);
    const step = <usize>K << 2;
    for (let j = 0; j < N; j++) {
      store<f32>(dst + (<usize>j << 2), load<f32>(src));
      src += step;
    }
  }
}

// C (M x N) = alpha * A (M x K) * B (K x N) + bias (N, or 0 for none).
//   A(i, k) at a + 4 (i rsa + k csa); B(k, j) at b + 4 (k rsb + j): contiguous along j;
//   C(i, j) at c + 4 (i rsc + j csc).
// Columns go four at a time as f32x4 lanes, four rows at a time (four independent chains);
// the last N % 4 columns in scalar, four rows at a time as well.
export function smallProduct(
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32,
  c: usize, rsc: i32, csc: i32,
  bias: usize, alpha: f32,
): void {
  const valpha = f32x4.splat(alpha);
  const astep = <usize>csa << 2;
  const arow = <usize>rsa << 2;
  const bstep = <usize>rsb << 2;
  const crow = <usize>rsc << 2;
  const ccol = <usize>csc << 2;
  const M4 = M & ~3;
  const N4 = N & ~3;
  for (let j0 = 0; j0 < N4; j0 += 4) {
    const vbias = bias != 0 ? v128.load(bias + (<usize>j0 << 2)) : f32x4.splat(0);
    const bcol = b + (<usize>j0 << 2);
    const ccol0 = c + <usize>j0 * ccol;
    let i = 0;
    for (; i < M4; i += 4) {
      let pa = a + <usize>i * arow;
      let pb = bcol;
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let acc2 = f32x4.splat(0);
      let acc3 = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        const vb = v128.load(pb);
        acc0 = f32x4.add(acc0, f32x4.mul(v128.load32_splat(pa), vb));
        acc1 = f32x4.add(acc1, f32x4.mul(v128.load32_splat(pa + arow), vb));
        acc2 = f32x4.add(acc2, f32x4.mul(v128.load32_splat(pa + 2 * arow), vb));
        acc3 = f32x4.add(acc3, f32x4.mul(v128.load32_splat(pa + 3 * arow), vb));
        pa += astep;
        pb += bstep;
      }
      const pc = ccol0 + <usize>i * crow;
      storeLanes(pc, f32x4.add(f32x4.mul(acc0, valpha), vbias), ccol);
      storeLanes(pc + crow, f32x4.add(f32x4.mul(acc1, valpha), vbias), ccol);
      storeLanes(pc + 2 * crow, f32x4.add(f32x4.mul(acc2, valpha), vbias), ccol);
      storeLanes(pc + 3 * crow, f32x4.add(f32x4.mul(acc3, valpha), vbias), ccol);
    }
    for (; i < M; i++) {
      let pa = a + <usize>i * arow;
      let pb = bcol;
      let acc = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
        pa += astep;
        pb += bstep;
      }
      storeLanes(ccol0 + <usize>i * crow, f32x4.add(f32x4.mul(acc, valpha), vbias), ccol);
    }
  }
  for (let j = N4; j < N; j++) {
    const bj: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
    const bcol = b + (<usize>j << 2);
    const cj = c + <usize>j * ccol;
    let i = 0;
    for (; i < M4; i += 4) {
      let pa = a + <usize>i * arow;
      let pb = bcol;
      let s0: f32 = 0;
      let s1: f32 = 0;
      let s2: f32 = 0;
      let s3: f32 = 0;
      for (let k = 0; k < K; k++) {
        const vb = load<f32>(pb);
        s0 += load<f32>(pa) * vb;
        s1 += load<f32>(pa + arow) * vb;
        s2 += load<f32>(pa + 2 * arow) * vb;
        s3 += load<f32>(pa + 3 * arow) * vb;
        pa += astep;
        pb += bstep;
      }
      const pc = cj + <usize>i * crow;
      store<f32>(pc, s0 * alpha + bj);
      store<f32>(pc + crow, s1 * alpha + bj);
      store<f32>(pc + 2 * crow, s2 * alpha + bj);
      store<f32>(pc + 3 * crow, s3 * alpha + bj);
    }
    for (; i < M; i++) {
      let pa = a + <usize>i * arow;
      let pb = bcol;
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += astep;
        pb += bstep;
      }
      store<f32>(cj + <usize>i * crow, s * alpha + bj);
    }
  }
}

// Four lanes to C(i, j0..j0+3): one store when the columns are contiguous, else four.
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, step: usize): void {
  if (step == 4) {
    v128.store(p, v);
  } else {
    store<f32>(p, f32x4.extract_lane(v, 0));
    store<f32>(p + step, f32x4.extract_lane(v, 1));
    store<f32>(p + 2 * step, f32x4.extract_lane(v, 2));
    store<f32>(p + 3 * step, f32x4.extract_lane(v, 3));
  }
}
