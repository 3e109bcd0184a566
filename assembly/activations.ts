// Activations g and their derivatives g', over contiguous (rows x units) regions.
// Transcendentals are computed in this module (Mathf is AssemblyScript's software libm; the
// f32x4 exp below is plain arithmetic, no FMA), so results are the same bits in every runtime.

import {
  ACT_LINEAR, ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_SOFTPLUS, ACT_SOFTMAX,
} from '../src/abi';

// @ts-ignore: decorator
@inline
export function sigmoid(z: f32): f32 {
  // Two branches so exp never overflows: for z < 0, e^z / (1 + e^z).
  if (z >= 0) return 1 / (1 + Mathf.exp(-z));
  const e = Mathf.exp(z);
  return e / (1 + e);
}

// softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), finite for every z.
// @ts-ignore: decorator
@inline
export function softplus(z: f32): f32 {
  return max(z, <f32>0) + Mathf.log1p(Mathf.exp(-Mathf.abs(z)));
}

// The constants of the four-lane functions, as data: V8 builds a v128.const with several
// instructions at every use inside a loop, where a broadcast load from here is one.
// (Immutable; every instance writes the same bytes when it starts.)
const K = memory.data<f32>([
  -87.3, 88, 1.44269504, 0.693359375, -2.12194440e-4, // 0-4: exp range and ln2 split
  1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, // 5-10: Taylor coefficients of e^r
  12582912.0, -1, 9, -9, // 11-14: 1.5 * 2^23; tanh's clamps
  // 15-20: tanh's numerator x (P0 + P1 x^2 + ... + P5 x^10), 21-24: its denominator in x^2
  1.0, 0.12922503054141998, 0.002924134721979499, 9.295426934841089e-06,
  -1.285419948260369e-08, 1.8418773450878945e-11,
  1.0, 0.4625580310821533, 0.023777367547154427, 0.00022854750568512827,
  // 25-31: 2 and the series of atanh, for log1p in vsoftplus
  2, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13,
]);

/** Constant i of K, broadcast to four lanes (tiny.ts loads the ones it needs once per step). */
// @ts-ignore: decorator
@inline
export function k(i: i32): v128 {
  return v128.load32_splat(K + (<usize>i << 2));
}

// e^x for four lanes: x = n ln2 + r with |r| <= ln2/2, e^r by its degree-6 Taylor polynomial
// (truncation error < 2e-7 relative), 2^n put straight into the exponent bits. x is clamped to
// [-87.3, 88] so 2^n stays a normal float: results below ~1e-38 flush to ~1e-38, none overflow.
// @ts-ignore: decorator
@inline
function vexp(x: v128): v128 {
  return vexpWith(x, k(0), k(1), k(2), k(3), k(4), k(5), k(6), k(7), k(8), k(9), k(10), k(11));
}

// vexp with its constants passed in (K's 0-11), so a loop or a step can load them once.
// @ts-ignore: decorator
@inline
function vexpWith(
  x: v128, e0: v128, e1: v128, e2: v128, e3: v128, e4: v128,
  e5: v128, e6: v128, e7: v128, e8: v128, e9: v128, one: v128, e11: v128,
): v128 {
  // pmin/pmax are single minps/maxps instructions where min/max need a NaN/-0 dance; for a
  // clamp to non-zero bounds they agree (a NaN x stays NaN either way).
  const xc = f32x4.pmin(f32x4.pmax(x, e0), e1);
  const n = f32x4.nearest(f32x4.mul(xc, e2));
  // ln2 split in two so n * LN2_HI is exact: r keeps full precision.
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, e3)), f32x4.mul(n, e4));
  let p = f32x4.add(e6, f32x4.mul(r, e5));
  p = f32x4.add(e7, f32x4.mul(r, p));
  p = f32x4.add(e8, f32x4.mul(r, p));
  p = f32x4.add(e9, f32x4.mul(r, p));
  p = f32x4.add(one, f32x4.mul(r, p));
  p = f32x4.add(one, f32x4.mul(r, p));
  // 2^n: n is an integer in [-126, 127], so n + 1.5 * 2^23 holds n in its low mantissa bits
  // (exact); subtracting that constant's bits gives n as an i32 without the costly trunc_sat.
  const ni = i32x4.sub(f32x4.add(n, e11), i32x4.splat(0x4b400000));
  const scale = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// sigmoid(z) = 1 / (1 + e^-z) on four lanes (seed 000).
// @ts-ignore: decorator
@inline
function vsigmoid(z: v128): v128 {
  return vsigmoidWith(z, k(0), k(1), k(2), k(3), k(4), k(5), k(6), k(7), k(8), k(9), k(10), k(11));
}

// vsigmoid with its constants passed in (K's 0-11, as vexpWith takes them).
// @ts-ignore: decorator
@inline
export function vsigmoidWith(
  z: v128, e0: v128, e1: v128, e2: v128, e3: v128, e4: v128,
  e5: v128, e6: v128, e7: v128, e8: v128, e9: v128, one: v128, e11: v128,
): v128 {
  return f32x4.div(one, f32x4.add(one, vexpWith(f32x4.neg(z), e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, one, e11)));
}

// tanh on four lanes: x P(x^2) / Q(x^2) on x clamped to [-9, 9], an (11, 6) rational with
// P(0) = Q(0) = 1 (so tanh(x) = x for tiny x) fitted to relative error 6.1e-8 (iteratively
// reweighted least squares: bench/fit-tanh.py). In f32, checked on every float in [0, 10]:
// under 3.9e-7 relative (3.86e-7, 6.4 ulp at most), 1 from 9 on, odd bit for bit, not
// strictly monotonic between neighbouring floats; test/small.test.ts checks a dense grid to
// 4e-7. The result is clamped to [-1, 1]. 25 operations against ~45 for 1 - 2 / (e^2x + 1)
// with a series near 0, and no exp; odd, so the sign needs no care.
// @ts-ignore: decorator
@inline
function vtanh(z: v128): v128 {
  return vtanhWith(z, k(13), k(14), k(15), k(16), k(17), k(18), k(19), k(20), k(21), k(22), k(23), k(24), k(10), k(12));
}

// vtanh with its constants passed in, so a loop can load them once (V8 does not hoist the
// broadcast loads out of a loop that stores): K's 13-24, then 1 and -1 for the clamp.
// @ts-ignore: decorator
@inline
export function vtanhWith(
  z: v128, hi: v128, lo: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, one: v128, neg: v128,
): v128 {
  const x = f32x4.pmax(f32x4.pmin(z, hi), lo);
  // Estrin's scheme in y = x^2: pairs, then the powers y^2 and y^4. The numerator is 5
  // dependent operations deep where Horner's form would be 11, and a loop of tanh is bound by
  // that latency more than by its operation count (bench/RESULTS.md, "Figures moved from the
  // core's comments").
  const y = f32x4.mul(x, x);
  const y2 = f32x4.mul(y, y);
  const y4 = f32x4.mul(y2, y2);
  const p01 = f32x4.add(p0, f32x4.mul(p1, y));
  const p23 = f32x4.add(p2, f32x4.mul(p3, y));
  const p45 = f32x4.add(p4, f32x4.mul(p5, y));
  const p = f32x4.add(f32x4.add(p01, f32x4.mul(p23, y2)), f32x4.mul(p45, y4));
  const q = f32x4.add(f32x4.add(q0, f32x4.mul(q1, y)), f32x4.mul(f32x4.add(q2, f32x4.mul(q3, y)), y2));
  const t = f32x4.div(f32x4.mul(x, p), q);
  return f32x4.pmax(f32x4.pmin(t, one), neg);
}

// softplus(z) = max(z, 0) + log1p(e^-|z|) on four lanes, with log1p(u) for u in (0, 1] as
// 2 atanh(s) = 2 s (1 + s^2/3 + ... + s^12/13), s = u / (2 + u) <= 1/3: within 4e-7 relative
// of softplus (checked against numpy's logaddexp on a dense grid). Used for the loss of a
// sigmoid output, a reported value, four samples per exp and division.
// @ts-ignore: decorator
@inline
export function vsoftplus(z: v128): v128 {
  const u = vexp(f32x4.neg(f32x4.abs(z)));
  const sv = f32x4.div(u, f32x4.add(k(25), u));
  const s2 = f32x4.mul(sv, sv);
  let p = f32x4.add(k(30), f32x4.mul(s2, k(31)));
  p = f32x4.add(k(29), f32x4.mul(s2, p));
  p = f32x4.add(k(28), f32x4.mul(s2, p));
  p = f32x4.add(k(27), f32x4.mul(s2, p));
  p = f32x4.add(k(26), f32x4.mul(s2, p));
  p = f32x4.add(k(10), f32x4.mul(s2, p));
  const l = f32x4.mul(f32x4.mul(k(25), sv), p);
  return f32x4.add(f32x4.pmax(z, f32x4.splat(0)), l);
}

// The tail of a region (1-3 floats) as a partly filled vector, and back: the tail goes through
// the same four-lane arithmetic as the body, so every element gets identical results wherever
// it sits (a batch and its rows one by one agree bit for bit).
// @ts-ignore: decorator
@inline
export function loadTail(p: usize, rem: i32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}
// @ts-ignore: decorator
@inline
function storeTail(p: usize, v: v128, rem: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (rem > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (rem > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// a (rows x units) = g(z), z and a contiguous. Softmax is per row, max-shifted. alpha is the
// layer's parameter (LAYER_F_ALPHA): leaky-relu's slope for z <= 0, elu's scale of e^z - 1;
// the other activations ignore it.
export function activationForward(act: i32, alpha: f32, z: usize, a: usize, rows: i32, units: i32): void {
  const n = rows * units;
  switch (act) {
    case ACT_LINEAR: {
      // memory.copy is a call into the runtime; short regions are cheaper copied here.
      if (n > 64) {
        memory.copy(a, z, <usize>n << 2);
      } else {
        for (let i = 0; i < n; i++) store<u32>(a + (<usize>i << 2), load<u32>(z + (<usize>i << 2)));
      }
      break;
    }
    case ACT_RELU: {
      const zero = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(a + off, f32x4.max(v128.load(z + off), zero));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        store<f32>(a + off, max(load<f32>(z + off), <f32>0));
      }
      break;
    }
    case ACT_LEAKY_RELU: {
      // z > 0 ? z : z * alpha: the lanes select as the tail branches (a NaN z gives NaN).
      const zero = f32x4.splat(0);
      const valpha = f32x4.splat(alpha);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const v = v128.load(z + off);
        v128.store(a + off, v128.bitselect(v, f32x4.mul(v, valpha), f32x4.gt(v, zero)));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        const v = load<f32>(z + off);
        store<f32>(a + off, v > 0 ? v : v * alpha);
      }
      break;
    }
    case ACT_SIGMOID: {
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(a + (<usize>i << 2), vsigmoid(v128.load(z + (<usize>i << 2))));
      if (i < n) storeTail(a + (<usize>i << 2), vsigmoid(loadTail(z + (<usize>i << 2), n - i)), n - i);
      break;
    }
    case ACT_TANH: {
      const hi = k(13), lo = k(14), q0 = k(21), q1 = k(22), q2 = k(23), q3 = k(24);
      const p0 = k(15), p1 = k(16), p2 = k(17), p3 = k(18), p4 = k(19), p5 = k(20);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const v = vtanhWith(v128.load(z + (<usize>i << 2)), hi, lo, p0, p1, p2, p3, p4, p5, q0, q1, q2, q3, k(10), k(12));
        v128.store(a + (<usize>i << 2), v);
      }
      if (i < n) storeTail(a + (<usize>i << 2), vtanh(loadTail(z + (<usize>i << 2), n - i)), n - i);
      break;
    }
    case ACT_ELU: {
      // alpha (e^z - 1) through the libm's expm1, exact near 0 where e^z - 1 cancels (a
      // four-lane form would need its own expm1).
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        const v = load<f32>(z + off);
        store<f32>(a + off, v > 0 ? v : alpha * Mathf.expm1(v));
      }
      break;
    }
    case ACT_SOFTPLUS: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        store<f32>(a + off, softplus(load<f32>(z + off)));
      }
      break;
    }
    case ACT_SOFTMAX: {
      for (let r = 0; r < rows; r++) {
        const zr = z + ((<usize>r * units) << 2);
        const ar = a + ((<usize>r * units) << 2);
        let mx = load<f32>(zr);
        for (let j = 1; j < units; j++) mx = max(mx, load<f32>(zr + (<usize>j << 2)));
        let sum: f32 = 0;
        for (let j = 0; j < units; j++) {
          const e = Mathf.exp(load<f32>(zr + (<usize>j << 2)) - mx);
          store<f32>(ar + (<usize>j << 2), e);
          sum += e;
        }
        const inv: f32 = 1 / sum;
        for (let j = 0; j < units; j++) {
          const p = ar + (<usize>j << 2);
          store<f32>(p, load<f32>(p) * inv);
        }
      }
      break;
    }
    default:
      // An unknown code is a bug in TS's plan: trap in every build (an assert would vanish in
      // the release build and leave z's region silently unchanged).
      unreachable();
  }
}

// d (rows x units) *= g'(z), with g' taken from z or a, whichever is exact:
// sigmoid a(1 - a) (seed 000), tanh 1 - a^2, relu [z > 0], leaky-relu z > 0 ? 1 : alpha,
// elu z > 0 ? 1 : a + alpha (= alpha e^z), softplus sigmoid(z), linear 1. Softmax is never a
// hidden layer, and its output Jacobian is applied in losses.ts. alpha: as activationForward.
export function activationBackward(act: i32, alpha: f32, z: usize, a: usize, d: usize, rows: i32, units: i32): void {
  const n = rows * units;
  switch (act) {
    case ACT_LINEAR: break;
    case ACT_RELU: {
      const zero = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const mask = f32x4.gt(v128.load(z + off), zero);
        v128.store(d + off, v128.and(v128.load(d + off), mask));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        if (!(load<f32>(z + off) > 0)) store<f32>(d + off, 0);
      }
      break;
    }
    case ACT_LEAKY_RELU: {
      // d where z > 0, else d * alpha.
      const zero = f32x4.splat(0);
      const valpha = f32x4.splat(alpha);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const dv = v128.load(d + off);
        v128.store(d + off, v128.bitselect(dv, f32x4.mul(dv, valpha), f32x4.gt(v128.load(z + off), zero)));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        if (!(load<f32>(z + off) > 0)) store<f32>(d + off, load<f32>(d + off) * alpha);
      }
      break;
    }
    case ACT_SIGMOID: {
      // Four lanes and a scalar tail with the same operations: d * (a * (1 - a)).
      const one = k(10);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const y = v128.load(a + off);
        v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.mul(y, f32x4.sub(one, y))));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        const y = load<f32>(a + off);
        store<f32>(d + off, load<f32>(d + off) * (y * (1 - y)));
      }
      break;
    }
    case ACT_TANH: {
      // d * (1 - a^2), as for sigmoid.
      const one = k(10);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const y = v128.load(a + off);
        v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.sub(one, f32x4.mul(y, y))));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        const y = load<f32>(a + off);
        store<f32>(d + off, load<f32>(d + off) * (1 - y * y));
      }
      break;
    }
    case ACT_ELU: {
      // d where z > 0, else d * (a + alpha).
      const zero = f32x4.splat(0);
      const valpha = f32x4.splat(alpha);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const dv = v128.load(d + off);
        const below = f32x4.mul(dv, f32x4.add(v128.load(a + off), valpha));
        v128.store(d + off, v128.bitselect(dv, below, f32x4.gt(v128.load(z + off), zero)));
      }
      for (; i < n; i++) {
        const off = <usize>i << 2;
        if (!(load<f32>(z + off) > 0)) store<f32>(d + off, load<f32>(d + off) * (load<f32>(a + off) + alpha));
      }
      break;
    }
    case ACT_SOFTPLUS: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        store<f32>(d + off, load<f32>(d + off) * sigmoid(load<f32>(z + off)));
      }
      break;
    }
    default:
      unreachable(); // no elementwise derivative (softmax), or an unknown code: a bug, in every build
  }
}
