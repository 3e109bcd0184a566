// Activations g and their derivatives g', over contiguous (rows x units) regions.
// Transcendentals use AssemblyScript's own Mathf (a software implementation compiled into the
// module), so results are the same bits in every runtime.

import {
  ACT_LINEAR, ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_SOFTPLUS, ACT_SOFTMAX,
} from '../src/abi';

const LEAKY_SLOPE: f32 = 0.01;

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

// a (rows x units) = g(z), z and a contiguous. Softmax is per row, max-shifted.
export function activationForward(act: i32, z: usize, a: usize, rows: i32, units: i32): void {
  const n = rows * units;
  switch (act) {
    case ACT_LINEAR: {
      memory.copy(a, z, <usize>n << 2);
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
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        const v = load<f32>(z + off);
        store<f32>(a + off, v > 0 ? v : v * LEAKY_SLOPE);
      }
      break;
    }
    case ACT_SIGMOID: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        store<f32>(a + off, sigmoid(load<f32>(z + off)));
      }
      break;
    }
    case ACT_TANH: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        store<f32>(a + off, Mathf.tanh(load<f32>(z + off)));
      }
      break;
    }
    case ACT_ELU: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        const v = load<f32>(z + off);
        store<f32>(a + off, v > 0 ? v : Mathf.expm1(v));
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
      assert(false, 'unknown activation');
  }
}

// d (rows x units) *= g'(z), with g' taken from z or a, whichever is exact:
// sigmoid a(1 - a) (seed 000), tanh 1 - a^2, relu [z > 0], leaky-relu z > 0 ? 1 : 0.01,
// elu z > 0 ? 1 : a + 1, softplus sigmoid(z), linear 1. Softmax is never a hidden layer, and
// its output Jacobian is applied in losses.ts.
export function activationBackward(act: i32, z: usize, a: usize, d: usize, rows: i32, units: i32): void {
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
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        if (!(load<f32>(z + off) > 0)) store<f32>(d + off, load<f32>(d + off) * LEAKY_SLOPE);
      }
      break;
    }
    case ACT_SIGMOID: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        const y = load<f32>(a + off);
        store<f32>(d + off, load<f32>(d + off) * (y * (1 - y)));
      }
      break;
    }
    case ACT_TANH: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        const y = load<f32>(a + off);
        store<f32>(d + off, load<f32>(d + off) * (1 - y * y));
      }
      break;
    }
    case ACT_ELU: {
      for (let i = 0; i < n; i++) {
        const off = <usize>i << 2;
        if (!(load<f32>(z + off) > 0)) store<f32>(d + off, load<f32>(d + off) * (load<f32>(a + off) + 1));
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
      assert(false, 'activation has no elementwise derivative');
  }
}
