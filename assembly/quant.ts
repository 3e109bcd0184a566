// Int8 inference: the forward pass of a quantized network (descriptor layout in
// src/quant-abi.ts) and its kernels, each with a scalar reference twin for the tests.
//
// A layer computes, for input rows x (f32) with scale s_x and int8 weights q_w with one scale
// s_w[n] per output unit:
//   q_x = clamp(roundEven(x * (1 / s_x)), -127, 127)                       (quantizeRows)
//   acc[i][n] = sum_k q_x[i][k] q_w[n][k]                  exact, in i32    (gemmInt8)
//   z[i][n] = f32(acc) * (s_x s_w[n]) + b[n]       two f32 roundings, in that order
//   a = g(z)                                    the float path's activationForward
// Integer sums are exact in any order, so the SIMD kernel and its twin agree to the bit.
//
// i32x4.dot_i16x8_s multiplies the operands as i16: one instruction for eight products,
// summed in pairs into four i32 lanes. Quantized inputs are written as i16 directly, and the
// int8 weights are held sign-extended to i16 in wasm memory (the file keeps them int8): a
// widening load in the loop costs a vector ALU operation per 8 weights, and the kernels are
// bound by those operations (the dot products have two ports on x64), not by the bytes they
// stream (bench/notes/int8.md, round 2). They are packed pair-interleaved for 8 output
// units, so a broadcast pair of inputs (x[k], x[k+1]) times one weight vector gives four
// units' partial sums at once, with no horizontal reduction.

import {
  QNET_LAYERS, QNET_X, QNET_Q, QNET_Y, QNET_LOSS, QNET_RESULT, QNET_HEADER_WORDS, QL_WORDS,
  QL_IN, QL_OUT, QL_ACT, QL_F_ALPHA, QL_F_INV_SCALE, QL_KP, QL_W, QL_SCALE, QL_BIAS, QL_Z, QL_A, QL_DELTA,
} from '../src/quant-abi';
import { activationForward } from './activations';
import { ACT_RELU, ACT_SOFTMAX } from '../src/abi';
import { outputLossAndDelta, correctCount } from './losses';

// @ts-ignore: decorator
@inline function qfield(net: usize, i: i32): i32 {
  return load<i32>(net + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function qlayer(net: usize, l: i32, i: i32): i32 {
  return load<i32>(net + (<usize>(QNET_HEADER_WORDS + l * QL_WORDS + i) << 2));
}
// @ts-ignore: decorator
@inline function qlayerPtr(net: usize, l: i32, i: i32): usize {
  return <usize>load<u32>(net + (<usize>(QNET_HEADER_WORDS + l * QL_WORDS + i) << 2));
}
// @ts-ignore: decorator
@inline function qlayerFloat(net: usize, l: i32, i: i32): f32 {
  return load<f32>(net + (<usize>(QNET_HEADER_WORDS + l * QL_WORDS + i) << 2));
}

/**
 * Bytes of packInt8Weights' output for N outputs and K inputs: pad8(N) x pad2(K) i16. In f64,
 * exact for any valid N and K: the i32 product wrapped past 2^31 for a crafted but valid file
 * (N x K >= 2^30), which JS then took for a tiny region.
 */
export function packedInt8Bytes(N: i32, K: i32): f64 {
  return <f64>((N + 7) & ~7) * <f64>((K + 1) & ~1) * 2;
}

// W (N x K int8, row-major "out x in") -> panels of 8 output units, sign-extended to i16.
// Panel j holds, for each pair p of inputs, 16 i16: [w[8j][2p], w[8j][2p+1], w[8j+1][2p],
// w[8j+1][2p+1], ..., w[8j+7][2p+1]] (32 bytes); a panel is pad2(K) x 16 bytes. Units >= N
// and inputs >= K are 0.
export function packInt8Weights(bp: usize, w: usize, N: i32, K: i32): void {
  const Kp = (K + 1) & ~1;
  const panels = (N + 7) >> 3;
  for (let j = 0; j < panels; j++) {
    const panel = bp + <usize>j * <usize>Kp * 16;
    for (let p = 0; p < Kp >> 1; p++) {
      for (let c = 0; c < 8; c++) {
        const n = (j << 3) + c;
        for (let h = 0; h < 2; h++) {
          const k = (p << 1) + h;
          const v: i16 = n < N && k < K ? <i16>load<i8>(w + <usize>n * <usize>K + <usize>k) : 0;
          store<i16>(panel + (<usize>p << 5) + (<usize>((c << 1) + h) << 1), v);
        }
      }
    }
  }
}

// 1.5 * 2^23 and its bits: for |v| <= 2^22, v + MAGIC rounds v to an integer (ties to even,
// the float add's own rounding) held in the low mantissa bits, so subtracting MAGIC_BITS
// from the sum's bits gives it as an i32 with no conversion instruction.
const MAGIC: f32 = 12582912;
const MAGIC_BITS: i32 = 0x4b400000;

// q (rows x Kp i16, row-major) = roundEven(clamp(x (rows x K f32) * inv, -127, 127)); the
// columns K..Kp-1 are 0. The clamp is pmax then pmin with the bound first, so a NaN gives
// -127 (hidden activations are finite or +-Infinity). Returns 0 if every x is finite, else
// (and rarely for huge finite ones) 1: the sum of the products x * inv is NaN or infinite
// when an x is, so the network's input is tested in the pass that reads it anyway, for one
// add per four values; the caller confirms a 1 with firstNonFinite.
export function quantizeRows(q: usize, x: usize, rows: i32, K: i32, Kp: i32, inv: f32): i32 {
  return quantizePass(q, x, rows, K, Kp, inv, false, true);
}

/**
 * quantizeRows of relu(z), relu as activations.ts computes it (f32 max with 0, NaN kept): a
 * hidden relu layer's activation and the next layer's quantization in one pass, without
 * writing the activations. With inv finite and > 0 (quantize and the loader make sure), relu(z) * inv = pmax(z * inv, 0) (z * inv < 0 ? 0 :
 * z * inv: NaN kept, -0 stays -0, which quantizes to 0 as +0 does), one instruction where the
 * NaN-propagating max takes several on x64.
 */
export function quantizeReluRows(q: usize, z: usize, rows: i32, K: i32, Kp: i32, inv: f32): void {
  quantizePass(q, z, rows, K, Kp, inv, true, false);
}

// @ts-ignore: decorator
@inline function quantizePass(q: usize, x: usize, rows: i32, K: i32, Kp: i32, inv: f32, relu: bool, check: bool): i32 {
  const vinv = f32x4.splat(inv);
  const lo = f32x4.splat(-127);
  const hi = f32x4.splat(127);
  const magic = f32x4.splat(MAGIC);
  const bits = i32x4.splat(MAGIC_BITS);
  const zero = f32x4.splat(0);
  let sum0 = zero;
  let sum1 = zero;
  let sumScalar: f32 = 0;
  for (let i = 0; i < rows; i++) {
    const xr = x + ((<usize>i * <usize>K) << 2);
    const qr = q + ((<usize>i * <usize>Kp) << 1);
    let k = 0;
    for (; k + 8 <= K; k += 8) {
      let t0 = f32x4.mul(v128.load(xr + (<usize>k << 2)), vinv);
      let t1 = f32x4.mul(v128.load(xr + (<usize>k << 2), 16), vinv);
      if (check) {
        sum0 = f32x4.add(sum0, t0);
        sum1 = f32x4.add(sum1, t1);
      }
      if (relu) {
        t0 = f32x4.pmax(t0, zero);
        t1 = f32x4.pmax(t1, zero);
      }
      const a = f32x4.add(f32x4.pmin(hi, f32x4.pmax(lo, t0)), magic);
      const b = f32x4.add(f32x4.pmin(hi, f32x4.pmax(lo, t1)), magic);
      v128.store(qr + (<usize>k << 1), i16x8.narrow_i32x4_s(i32x4.sub(a, bits), i32x4.sub(b, bits)));
    }
    for (; k < K; k++) {
      let v = load<f32>(xr + (<usize>k << 2));
      if (check) sumScalar += v * inv;
      if (relu) v = max<f32>(v, 0);
      store<i16>(qr + (<usize>k << 1), <i16>quantizeOne(v, inv));
    }
    for (; k < Kp; k++) store<i16>(qr + (<usize>k << 1), 0);
  }
  if (!check) return 0;
  // Finite sums have x - x = 0; NaN and infinite ones give NaN.
  const sum = f32x4.add(sum0, sum1);
  const d = f32x4.sub(sum, sum);
  return v128.any_true(f32x4.ne(d, d)) || sumScalar - sumScalar != 0 ? 1 : 0;
}

// The scalar rule of quantizeRows: pmax(lo, v) = lo < v ? v : lo, pmin(hi, v) = v < hi ? v : hi.
// @ts-ignore: decorator
@inline function quantizeOne(x: f32, inv: f32): i32 {
  const v = x * inv;
  const c1: f32 = <f32>-127 < v ? v : <f32>-127;
  const c2: f32 = c1 < <f32>127 ? c1 : <f32>127;
  return <i32>nearest<f32>(c2);
}

// The dequantizing epilogue of four outputs: f32(acc) * scale + bias.
// @ts-ignore: decorator
@inline function dequant(acc: v128, scale: v128, bias: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), bias);
}

// Stores 8 outputs c0 (units 0-3), c1 (4-7) of one row at c, only the first `cols`.
// @ts-ignore: decorator
@inline function storeRow8(c: usize, c0: v128, c1: v128, cols: i32): void {
  if (cols >= 8) {
    v128.store(c, c0);
    v128.store(c, c1, 16);
    return;
  }
  let lo = c0;
  let at = c;
  let left = cols;
  if (left >= 4) {
    v128.store(at, c0);
    lo = c1;
    at += 16;
    left -= 4;
  }
  if (left & 2) {
    v128.store64_lane(at, lo, 0);
    lo = v128.shuffle<i64>(lo, lo, 1, 1);
    at += 8;
  }
  if (left & 1) v128.store32_lane(at, lo, 0);
}

// Rows per block of gemmInt8: a block's quantized inputs (64 x 784 i16 = 100 KB for MNIST)
// stay in L2 while every weight panel passes over them.
const ROW_BLOCK = 64;

// C (M x N f32, row stride N) = (A (M x Kp i16, row stride Kp) times the packed weights bp)
// dequantized with scale and bias (pad8(N) f32 each). Blocks of ROW_BLOCK rows; in a block,
// each 8-unit panel runs tiles of 4 rows (per pair of inputs: 4 broadcasts of an (x[k],
// x[k+1]) pair, 2 weight vectors, 8 dot products), then the rows left one by one.
export function gemmInt8(M: i32, N: i32, Kp: i32, a: usize, bp: usize, scale: usize, bias: usize, c: usize): void {
  for (let i0 = 0; i0 < M; i0 += ROW_BLOCK) {
    const rows = min(ROW_BLOCK, M - i0);
    const ab = a + ((<usize>i0 * <usize>Kp) << 1);
    const cb = c + ((<usize>i0 * <usize>N) << 2);
    const tiled = rows & ~3;
    // A last panel of 1-4 units (a classifier's 10 outputs: 8 + 2) takes the 4-unit tile.
    const full = N & 7 && (N & 7) <= 4 ? N >> 3 : (N + 7) >> 3;
    for (let j = 0; j < full; j++) {
      for (let i = 0; i < tiled; i += 4) tile4x8(ab + ((<usize>i * <usize>Kp) << 1), bp, Kp, N, j, scale, bias, cb + ((<usize>i * <usize>N) << 2));
    }
    if (full << 3 < N) {
      for (let i = 0; i < tiled; i += 4) tile4x4(ab + ((<usize>i * <usize>Kp) << 1), bp, Kp, N, full, scale, bias, cb + ((<usize>i * <usize>N) << 2));
    }
    for (let i = tiled; i < rows; i++) row1(ab + ((<usize>i * <usize>Kp) << 1), bp, Kp, N, scale, bias, cb + ((<usize>i * <usize>N) << 2));
  }
}

// Rows 0-3 of a (stride Kp i16) times panel j: outputs 8j..8j+7 of 4 rows of c (stride N).
// @ts-ignore: decorator
@inline function tile4x8(a: usize, bp: usize, Kp: i32, N: i32, j: i32, scale: usize, bias: usize, c: usize): void {
  const rowA = <usize>Kp << 1;
  const rowC = <usize>N << 2;
  let b = bp + <usize>j * <usize>Kp * 16;
  const end = b + <usize>Kp * 16;
  let x = a;
  let c00 = i32x4.splat(0), c01 = i32x4.splat(0);
  let c10 = i32x4.splat(0), c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0), c21 = i32x4.splat(0);
  let c30 = i32x4.splat(0), c31 = i32x4.splat(0);
  while (b < end) {
    const w0 = v128.load(b);
    const w1 = v128.load(b, 16);
    const x0 = v128.load32_splat(x);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, w0));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, w1));
    const x1 = v128.load32_splat(x + rowA);
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x1, w0));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x1, w1));
    const x2 = v128.load32_splat(x + 2 * rowA);
    c20 = i32x4.add(c20, i32x4.dot_i16x8_s(x2, w0));
    c21 = i32x4.add(c21, i32x4.dot_i16x8_s(x2, w1));
    const x3 = v128.load32_splat(x + 3 * rowA);
    c30 = i32x4.add(c30, i32x4.dot_i16x8_s(x3, w0));
    c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x3, w1));
    b += 32;
    x += 4;
  }
  const cols = min(8, N - (j << 3));
  const s0 = v128.load(scale + (<usize>j << 5));
  const s1 = v128.load(scale + (<usize>j << 5), 16);
  const b0 = v128.load(bias + (<usize>j << 5));
  const b1 = v128.load(bias + (<usize>j << 5), 16);
  const cj = c + (<usize>j << 5);
  storeRow8(cj, dequant(c00, s0, b0), dequant(c01, s1, b1), cols);
  storeRow8(cj + rowC, dequant(c10, s0, b0), dequant(c11, s1, b1), cols);
  storeRow8(cj + 2 * rowC, dequant(c20, s0, b0), dequant(c21, s1, b1), cols);
  storeRow8(cj + 3 * rowC, dequant(c30, s0, b0), dequant(c31, s1, b1), cols);
}

// tile4x8 for a panel j whose units past the first 4 are padding: one weight vector per pair.
// @ts-ignore: decorator
@inline function tile4x4(a: usize, bp: usize, Kp: i32, N: i32, j: i32, scale: usize, bias: usize, c: usize): void {
  const rowA = <usize>Kp << 1;
  const rowC = <usize>N << 2;
  let b = bp + <usize>j * <usize>Kp * 16;
  const end = b + <usize>Kp * 16;
  let x = a;
  let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  while (b < end) {
    const w = v128.load(b);
    c0 = i32x4.add(c0, i32x4.dot_i16x8_s(v128.load32_splat(x), w));
    c1 = i32x4.add(c1, i32x4.dot_i16x8_s(v128.load32_splat(x + rowA), w));
    c2 = i32x4.add(c2, i32x4.dot_i16x8_s(v128.load32_splat(x + 2 * rowA), w));
    c3 = i32x4.add(c3, i32x4.dot_i16x8_s(v128.load32_splat(x + 3 * rowA), w));
    b += 32;
    x += 4;
  }
  const cols = N - (j << 3);
  const s0 = v128.load(scale + (<usize>j << 5));
  const b0 = v128.load(bias + (<usize>j << 5));
  const cj = c + (<usize>j << 5);
  const none = i32x4.splat(0);
  storeRow8(cj, dequant(c0, s0, b0), none, cols);
  storeRow8(cj + rowC, dequant(c1, s0, b0), none, cols);
  storeRow8(cj + 2 * rowC, dequant(c2, s0, b0), none, cols);
  storeRow8(cj + 3 * rowC, dequant(c3, s0, b0), none, cols);
}

// One row of a times every panel, two panels (16 units) per pass: batch 1's kernel. Each
// broadcast pair feeds four weight vectors (four plain loads: with int8 panels, four widening
// loads made it 1.2x slower, bench/notes/int8.md round 2).
function row1(a: usize, bp: usize, Kp: i32, N: i32, scale: usize, bias: usize, c: usize): void {
  const panels = (N + 7) >> 3;
  const panelBytes = <usize>Kp * 16;
  let j = 0;
  for (; j + 2 <= panels; j += 2) {
    let b = bp + <usize>j * panelBytes;
    const end = b + panelBytes;
    let x = a;
    let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
    while (b < end) {
      const x0 = v128.load32_splat(x);
      c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x0, v128.load(b)));
      c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x0, v128.load(b, 16)));
      c2 = i32x4.add(c2, i32x4.dot_i16x8_s(x0, v128.load(b + panelBytes)));
      c3 = i32x4.add(c3, i32x4.dot_i16x8_s(x0, v128.load(b + panelBytes, 16)));
      b += 32;
      x += 4;
    }
    const o = <usize>j << 5;
    storeRow8(c + o, dequant(c0, v128.load(scale + o), v128.load(bias + o)), dequant(c1, v128.load(scale + o, 16), v128.load(bias + o, 16)), min(8, N - (j << 3)));
    storeRow8(c + o + 32, dequant(c2, v128.load(scale + o, 32), v128.load(bias + o, 32)), dequant(c3, v128.load(scale + o, 48), v128.load(bias + o, 48)), min(8, N - (j << 3) - 8));
  }
  if (j < panels) {
    let b = bp + <usize>j * panelBytes;
    const end = b + panelBytes;
    let x = a;
    let c0 = i32x4.splat(0), c1 = i32x4.splat(0);
    while (b < end) {
      const x0 = v128.load32_splat(x);
      c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x0, v128.load(b)));
      c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x0, v128.load(b, 16)));
      b += 32;
      x += 4;
    }
    const o = <usize>j << 5;
    storeRow8(c + o, dequant(c0, v128.load(scale + o), v128.load(bias + o)), dequant(c1, v128.load(scale + o, 16), v128.load(bias + o, 16)), N - (j << 3));
  }
}

// The reference twin of gemmInt8, from the unpacked int8 weights w (N x K): one scalar i32
// sum per output in k order, then the same two f32 roundings.
export function gemmInt8Reference(M: i32, N: i32, K: i32, Kp: i32, a: usize, w: usize, scale: usize, bias: usize, c: usize): void {
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      let acc: i32 = 0;
      for (let k = 0; k < K; k++) {
        acc += <i32>load<i16>(a + ((<usize>i * <usize>Kp + <usize>k) << 1)) * <i32>load<i8>(w + <usize>n * <usize>K + <usize>k);
      }
      const z = <f32>acc * load<f32>(scale + (<usize>n << 2)) + load<f32>(bias + (<usize>n << 2));
      store<f32>(c + ((<usize>i * <usize>N + <usize>n) << 2), z);
    }
  }
}

// The reference twin of quantizeRows, one value at a time.
export function quantizeRowsReference(q: usize, x: usize, rows: i32, K: i32, Kp: i32, inv: f32): void {
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < Kp; k++) {
      const v = k < K ? quantizeOne(load<f32>(x + ((<usize>i * <usize>K + <usize>k) << 2)), inv) : 0;
      store<i16>(q + ((<usize>i * <usize>Kp + <usize>k) << 1), <i16>v);
    }
  }
}

// ---- softmax, four rows at a time ---------------------------------------------------------
// activations.ts's softmax (per row: the max, e_j = Mathf.exp(z_j - max) summed in j order,
// then e_j * (1 / sum)) with the rows in the four lanes: the same operations in the same order
// for each row, so the same bits, without its per-row chains of dependent scalar operations.
// Mathf.exp is AssemblyScript's expf_lut (musl's exp2f table method, in f64), ported here
// lane for lane; lanes outside its main range (|x| >= 88, NaN, infinities) take Mathf.exp.
// (The standard library picks expf_lut when shrinkLevel is 0, as every target in
// asconfig.json has it; a size-optimised build would get another exp and other bits.)

// musl's exp2f_data_tab (std/assembly/util/math.ts EXP2F_DATA_TAB): 2^(i/32) bits - (i << 47).
const EXP2F_TAB = memory.data<u64>([
  0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
  0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
  0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
  0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
  0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
  0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
  0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
  0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540,
]);

// expf_lut's main path on two lanes (f64).
// @ts-ignore: decorator
@inline function exp2Lanes(xd: v128): v128 {
  const shift = f64x2.splat(reinterpret<f64>(0x4338000000000000));
  const z = f64x2.mul(f64x2.splat(reinterpret<f64>(0x3FF71547652B82FE) * 32), xd);
  const kd = f64x2.add(z, shift);
  const r = f64x2.sub(z, f64x2.sub(kd, shift));
  const k0 = i64x2.extract_lane(kd, 0);
  const k1 = i64x2.extract_lane(kd, 1);
  let t = i64x2.replace_lane(i64x2.splat(load<u64>(EXP2F_TAB + (<usize>(k0 & 31) << 3))), 1, load<u64>(EXP2F_TAB + (<usize>(k1 & 31) << 3)));
  t = i64x2.add(t, i64x2.shl(kd, 47));
  const c0 = f64x2.splat(reinterpret<f64>(0x3FAC6AF84B912394) / 32 / 32 / 32);
  const c1 = f64x2.splat(reinterpret<f64>(0x3FCEBFCE50FAC4F3) / 32 / 32);
  const c2 = f64x2.splat(reinterpret<f64>(0x3FE62E42FF0C52D6) / 32);
  const zz = f64x2.add(f64x2.mul(c0, r), c1);
  let y = f64x2.add(f64x2.mul(c2, r), f64x2.splat(1));
  y = f64x2.add(y, f64x2.mul(zz, f64x2.mul(r, r)));
  return f64x2.mul(y, t);
}

// Mathf.exp of four lanes.
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  // expf_lut's special cases: (bits >> 20 & 0x7FF) >= 0x42B.
  const ux = v128.and(i32x4.shr_u(x, 20), i32x4.splat(0x7FF));
  if (v128.any_true(i32x4.ge_u(ux, i32x4.splat(0x42B)))) {
    let e = f32x4.splat(Mathf.exp(f32x4.extract_lane(x, 0)));
    e = f32x4.replace_lane(e, 1, Mathf.exp(f32x4.extract_lane(x, 1)));
    e = f32x4.replace_lane(e, 2, Mathf.exp(f32x4.extract_lane(x, 2)));
    return f32x4.replace_lane(e, 3, Mathf.exp(f32x4.extract_lane(x, 3)));
  }
  const lo = f32x4.demote_f64x2_zero(exp2Lanes(f64x2.promote_low_f32x4(x)));
  const hi = f32x4.demote_f64x2_zero(exp2Lanes(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3))));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

// Element j of four rows (row stride `stride` bytes) in the lanes, and back.
// @ts-ignore: decorator
@inline function gather4(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}
// @ts-ignore: decorator
@inline function scatter4(p: usize, stride: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + stride, v, 1);
  v128.store32_lane(p + 2 * stride, v, 2);
  v128.store32_lane(p + 3 * stride, v, 3);
}

/** activationForward's softmax of the rows x units z into a, same bits, four rows at a time. */
export function softmaxRows(z: usize, a: usize, rows: i32, units: i32): void {
  const stride = <usize>units << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const zr = z + <usize>r * stride;
    const ar = a + <usize>r * stride;
    let mx = gather4(zr, stride);
    for (let j = 1; j < units; j++) mx = f32x4.max(mx, gather4(zr + (<usize>j << 2), stride));
    let sum = f32x4.splat(0);
    for (let j = 0; j < units; j++) {
      const e = exp4(f32x4.sub(gather4(zr + (<usize>j << 2), stride), mx));
      scatter4(ar + (<usize>j << 2), stride, e);
      sum = f32x4.add(sum, e);
    }
    const inv = f32x4.div(f32x4.splat(1), sum);
    for (let j = 0; j < units; j++) {
      const p = ar + (<usize>j << 2);
      scatter4(p, stride, f32x4.mul(gather4(p, stride), inv));
    }
  }
  if (r < rows) activationForward(ACT_SOFTMAX, 0, z + <usize>r * stride, a + <usize>r * stride, rows - r, units);
}

/**
 * Forward pass of the m rows in the input region: each layer's Z, and its A where a later step
 * reads it (a relu layer followed by another feeds the next layer's quantization straight
 * from Z: quantizeReluRows). Returns quantizeRows' flag for the input: 1 if it may hold a NaN
 * or an infinity (the caller confirms with firstNonFinite), else 0.
 */
export function forwardQuantized(net: usize, m: i32): i32 {
  const L = qfield(net, QNET_LAYERS);
  const q = <usize>load<u32>(net + (<usize>QNET_Q << 2));
  const x = <usize>load<u32>(net + (<usize>QNET_X << 2));
  const flag = quantizeRows(q, x, m, qlayer(net, 0, QL_IN), qlayer(net, 0, QL_KP), qlayerFloat(net, 0, QL_F_INV_SCALE));
  for (let l = 0; l < L; l++) {
    const N = qlayer(net, l, QL_OUT);
    const Kp = qlayer(net, l, QL_KP);
    const z = qlayerPtr(net, l, QL_Z);
    const act = qlayer(net, l, QL_ACT);
    gemmInt8(m, N, Kp, q, qlayerPtr(net, l, QL_W), qlayerPtr(net, l, QL_SCALE), qlayerPtr(net, l, QL_BIAS), z);
    if (l + 1 < L && act == ACT_RELU) {
      quantizeReluRows(q, z, m, N, qlayer(net, l + 1, QL_KP), qlayerFloat(net, l + 1, QL_F_INV_SCALE));
      continue;
    }
    const a = qlayerPtr(net, l, QL_A);
    if (act == ACT_SOFTMAX) softmaxRows(z, a, m, N);
    else activationForward(act, qlayerFloat(net, l, QL_F_ALPHA), z, a, m, N);
    if (l + 1 < L) quantizePass(q, a, m, N, qlayer(net, l + 1, QL_KP), qlayerFloat(net, l + 1, QL_F_INV_SCALE), false, false);
  }
  return flag;
}

/**
 * Forward pass, then the loss (summed over the m rows, the float path's definitions, from
 * losses.ts) and the correct count against the targets in the Y region, as two f64 at
 * QNET_RESULT; returns forwardQuantized's flag.
 */
export function evaluateQuantized(net: usize, m: i32): i32 {
  const flag = forwardQuantized(net, m);
  const last = qfield(net, QNET_LAYERS) - 1;
  const N = qlayer(net, last, QL_OUT);
  const a = qlayerPtr(net, last, QL_A);
  const y = <usize>load<u32>(net + (<usize>QNET_Y << 2));
  const loss = outputLossAndDelta(
    qfield(net, QNET_LOSS), qlayer(net, last, QL_ACT), qlayerFloat(net, last, QL_F_ALPHA),
    qlayerPtr(net, last, QL_Z), a, y, qlayerPtr(net, last, QL_DELTA), m, N,
  );
  const result = net + (<usize>QNET_RESULT << 2);
  store<f64>(result, loss);
  store<f64>(result, correctCount(qfield(net, QNET_LOSS), a, y, m, N), 8);
  return flag;
}
