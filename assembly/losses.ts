// Loss values and output deltas delta^L = dC_i/dz^L per sample i (the 1/m of the batch mean is
// applied later, in the gradient GEMM). Conventions (DESIGN section 3):
//   mse:  C_i = 1/2 ||a - y||^2            (seed 000), dC/da = a - y
//   bce:  C_i = -sum_k y log a + (1-y) log(1-a)       dC/da = (a - y) / (a (1 - a))
//   cce:  C_i = -sum_k y_k log a_k                    dC/da = -y / a
// Fused (seed 003): sigmoid + bce and softmax + cce give delta^L = a - y, never through the
// division above; their losses come from z (log-sigmoid, log-softmax) so saturated outputs
// stay finite. Otherwise delta^L = dC/da * g'(z), with the softmax Jacobian for softmax:
// delta_k = a_k (g_k - sum_j a_j g_j).

import { ACT_SIGMOID, ACT_SOFTMAX, LOSS_MSE, LOSS_BCE, LOSS_CCE } from '../src/abi';
import { activationBackward, vsoftplus, loadTail } from './activations';

const CLAMP: f32 = 1e-7;

// z, a, y, d: (rows x units); alpha: the output layer's activation parameter (activations.ts).
// Returns the summed (not averaged) loss over the rows.
export function outputLossAndDelta(
  loss: i32, act: i32, alpha: f32, z: usize, a: usize, y: usize, d: usize, rows: i32, units: i32,
): f64 {
  const n = rows * units;
  let total: f64 = 0;
  if (loss == LOSS_MSE) {
    for (let i = 0; i < n; i++) {
      const off = <usize>i << 2;
      const diff = load<f32>(a + off) - load<f32>(y + off);
      total += 0.5 * <f64>diff * <f64>diff;
      store<f32>(d + off, diff);
    }
  } else if (loss == LOSS_BCE && act == ACT_SIGMOID) {
    // -[y log s(z) + (1-y) log(1 - s(z))] = softplus(z) - y z, four samples at a time (the
    // tail as a partly filled vector); the f64 sum takes the lanes in order.
    for (let i = 0; i < n; i += 4) {
      const off = <usize>i << 2;
      const rem = n - i;
      const zv = rem >= 4 ? v128.load(z + off) : loadTail(z + off, rem);
      const yv = rem >= 4 ? v128.load(y + off) : loadTail(y + off, rem);
      const sp = vsoftplus(zv);
      total += <f64>f32x4.extract_lane(sp, 0) - <f64>f32x4.extract_lane(yv, 0) * <f64>f32x4.extract_lane(zv, 0);
      if (rem > 1) total += <f64>f32x4.extract_lane(sp, 1) - <f64>f32x4.extract_lane(yv, 1) * <f64>f32x4.extract_lane(zv, 1);
      if (rem > 2) total += <f64>f32x4.extract_lane(sp, 2) - <f64>f32x4.extract_lane(yv, 2) * <f64>f32x4.extract_lane(zv, 2);
      if (rem > 3) total += <f64>f32x4.extract_lane(sp, 3) - <f64>f32x4.extract_lane(yv, 3) * <f64>f32x4.extract_lane(zv, 3);
    }
    for (let i = 0; i < n; i++) {
      const off = <usize>i << 2;
      store<f32>(d + off, load<f32>(a + off) - load<f32>(y + off));
    }
    return total;
  } else if (loss == LOSS_CCE && act == ACT_SOFTMAX) {
    for (let r = 0; r < rows; r++) {
      const zr = z + ((<usize>r * units) << 2);
      let mx = load<f32>(zr);
      for (let j = 1; j < units; j++) mx = max(mx, load<f32>(zr + (<usize>j << 2)));
      let sum: f64 = 0;
      for (let j = 0; j < units; j++) sum += <f64>Mathf.exp(load<f32>(zr + (<usize>j << 2)) - mx);
      const lse = <f64>mx + Math.log(sum);
      for (let j = 0; j < units; j++) {
        const off = (<usize>(r * units + j)) << 2;
        const yj = load<f32>(y + off);
        // -y_j log softmax_j = y_j (lse - z_j); skipping y_j = 0 keeps 0 * inf out.
        if (yj != 0) total += <f64>yj * (lse - <f64>load<f32>(z + off));
        store<f32>(d + off, load<f32>(a + off) - yj);
      }
    }
    return total;
  } else if (loss == LOSS_BCE) {
    for (let i = 0; i < n; i++) {
      const off = <usize>i << 2;
      const ai = min(max(load<f32>(a + off), CLAMP), 1 - CLAMP);
      const yi = load<f32>(y + off);
      total -= <f64>yi * Math.log(ai) + (1 - <f64>yi) * Math.log(1 - <f64>ai);
      store<f32>(d + off, (ai - yi) / (ai * (1 - ai)));
    }
  } else {
    assert(loss == LOSS_CCE, 'unknown loss');
    for (let i = 0; i < n; i++) {
      const off = <usize>i << 2;
      const ai = max(load<f32>(a + off), CLAMP);
      const yi = load<f32>(y + off);
      if (yi != 0) total -= <f64>yi * Math.log(ai);
      store<f32>(d + off, -yi / ai);
    }
  }
  // Unfused: d holds dC/da; multiply by g'(z).
  if (act == ACT_SOFTMAX) {
    for (let r = 0; r < rows; r++) {
      const ar = a + ((<usize>r * units) << 2);
      const dr = d + ((<usize>r * units) << 2);
      let dot: f32 = 0;
      for (let j = 0; j < units; j++) dot += load<f32>(ar + (<usize>j << 2)) * load<f32>(dr + (<usize>j << 2));
      for (let j = 0; j < units; j++) {
        const p = dr + (<usize>j << 2);
        store<f32>(p, load<f32>(ar + (<usize>j << 2)) * (load<f32>(p) - dot));
      }
    }
  } else {
    activationBackward(act, alpha, z, a, d, rows, units);
  }
  return total;
}

// Summed per-sample accuracy (rule in src/engine.ts): bce counts the fraction of outputs on
// the right side of 0.5; otherwise several outputs compare argmax, one output thresholds.
export function correctCount(loss: i32, a: usize, y: usize, rows: i32, units: i32): f64 {
  let correct: f64 = 0;
  if (units == 1) {
    // One output: four rows per compare; the count is an integer, so the sum is exact in
    // any order.
    const half = f32x4.splat(0.5);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const off = <usize>r << 2;
      const same = v128.not(v128.xor(f32x4.ge(v128.load(a + off), half), f32x4.ge(v128.load(y + off), half)));
      correct += <f64>popcnt(i32x4.bitmask(same));
    }
    for (; r < rows; r++) {
      const off = <usize>r << 2;
      if ((load<f32>(a + off) >= 0.5) == (load<f32>(y + off) >= 0.5)) correct += 1;
    }
    return correct;
  }
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>r * units) << 2);
    const yr = y + ((<usize>r * units) << 2);
    if (loss == LOSS_BCE || units == 1) {
      let hits = 0;
      for (let j = 0; j < units; j++) {
        const off = <usize>j << 2;
        if ((load<f32>(ar + off) >= 0.5) == (load<f32>(yr + off) >= 0.5)) hits++;
      }
      correct += <f64>hits / <f64>units;
    } else {
      let ia = 0;
      let iy = 0;
      for (let j = 1; j < units; j++) {
        const off = <usize>j << 2;
        if (load<f32>(ar + off) > load<f32>(ar + (<usize>ia << 2))) ia = j;
        if (load<f32>(yr + off) > load<f32>(yr + (<usize>iy << 2))) iy = j;
      }
      if (ia == iy) correct += 1;
    }
  }
  return correct;
}
