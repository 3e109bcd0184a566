import {
  NET_OPT, NET_PARAMS, NET_GRADS, NET_STATE1, NET_STATE2, NET_WEIGHT_COUNT, NET_STEP, NET_NESTEROV,
  NET_F_LR, NET_F_MOMENTUM, NET_F_BETA1, NET_F_BETA2, NET_F_RHO, NET_F_EPSILON, NET_F_WEIGHT_DECAY,
  OPT_SGD, OPT_ADAM,
} from '../src/abi';

// Optimizer updates with torch.optim semantics, one flat pass over the parameter block
// [weights | biases]. L2 weight decay adds wd * p to the gradient of the weight prefix only.
// Each rule is written once, in f32x4, over a range; the scalar tail repeats the same
// formula lane by lane (same operations, same rounding).

// SGD (torch.optim.SGD, dampening 0):
//   g = grad + wd p;  buf = momentum buf + g  (buf starts at 0, so step 1 sets buf = g)
//   g = nesterov ? g + momentum buf : buf;  p -= lr g
export function sgdUpdate(
  p: usize, gr: usize, buf: usize, start: i32, end: i32,
  lr: f32, momentum: f32, nesterov: bool, wd: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vmom = f32x4.splat(momentum);
  const vwd = f32x4.splat(wd);
  const useMomentum = momentum != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const off = <usize>i << 2;
    const pv = v128.load(p + off);
    let g = f32x4.add(v128.load(gr + off), f32x4.mul(vwd, pv));
    if (useMomentum) {
      const b = f32x4.add(f32x4.mul(vmom, v128.load(buf + off)), g);
      v128.store(buf + off, b);
      g = nesterov ? f32x4.add(g, f32x4.mul(vmom, b)) : b;
    }
    v128.store(p + off, f32x4.sub(pv, f32x4.mul(vlr, g)));
  }
  for (; i < end; i++) {
    const off = <usize>i << 2;
    const pv = load<f32>(p + off);
    let g = load<f32>(gr + off) + wd * pv;
    if (useMomentum) {
      const b = momentum * load<f32>(buf + off) + g;
      store<f32>(buf + off, b);
      g = nesterov ? g + momentum * b : b;
    }
    store<f32>(p + off, pv - lr * g);
  }
}

// Adam (torch.optim.Adam, amsgrad off), t = step count after increment:
//   g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
export function adamUpdate(
  p: usize, gr: usize, m: usize, v: usize, start: i32, end: i32,
  lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, t: i32,
): void {
  const stepSize = <f32>(<f64>lr / (1 - Math.pow(<f64>b1, <f64>t)));
  const bc2sqrt = <f32>Math.sqrt(1 - Math.pow(<f64>b2, <f64>t));
  const vstep = f32x4.splat(stepSize);
  const vbc2 = f32x4.splat(bc2sqrt);
  const vb1 = f32x4.splat(b1);
  const vb2 = f32x4.splat(b2);
  const v1b1 = f32x4.splat(1 - b1);
  const v1b2 = f32x4.splat(1 - b2);
  const veps = f32x4.splat(eps);
  const vwd = f32x4.splat(wd);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const off = <usize>i << 2;
    const pv = v128.load(p + off);
    const g = f32x4.add(v128.load(gr + off), f32x4.mul(vwd, pv));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + off)), f32x4.mul(v1b1, g));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + off)), f32x4.mul(v1b2, f32x4.mul(g, g)));
    v128.store(m + off, mv);
    v128.store(v + off, vv);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc2), veps);
    v128.store(p + off, f32x4.sub(pv, f32x4.mul(vstep, f32x4.div(mv, denom))));
  }
  for (; i < end; i++) {
    const off = <usize>i << 2;
    const pv = load<f32>(p + off);
    const g = load<f32>(gr + off) + wd * pv;
    const mv = b1 * load<f32>(m + off) + (1 - b1) * g;
    const vv = b2 * load<f32>(v + off) + (1 - b2) * (g * g);
    store<f32>(m + off, mv);
    store<f32>(v + off, vv);
    const denom = Mathf.sqrt(vv) / bc2sqrt + eps;
    store<f32>(p + off, pv - stepSize * (mv / denom));
  }
}

// RMSprop (torch.optim.RMSprop, centered off, momentum 0; rho is torch's alpha):
//   g = grad + wd p;  v = rho v + (1 - rho) g^2;  p -= lr g / (sqrt(v) + eps)
export function rmspropUpdate(
  p: usize, gr: usize, v: usize, start: i32, end: i32,
  lr: f32, rho: f32, eps: f32, wd: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho);
  const v1rho = f32x4.splat(1 - rho);
  const veps = f32x4.splat(eps);
  const vwd = f32x4.splat(wd);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const off = <usize>i << 2;
    const pv = v128.load(p + off);
    const g = f32x4.add(v128.load(gr + off), f32x4.mul(vwd, pv));
    const vv = f32x4.add(f32x4.mul(vrho, v128.load(v + off)), f32x4.mul(v1rho, f32x4.mul(g, g)));
    v128.store(v + off, vv);
    const denom = f32x4.add(f32x4.sqrt(vv), veps);
    v128.store(p + off, f32x4.sub(pv, f32x4.div(f32x4.mul(vlr, g), denom)));
  }
  for (; i < end; i++) {
    const off = <usize>i << 2;
    const pv = load<f32>(p + off);
    const g = load<f32>(gr + off) + wd * pv;
    const vv = rho * load<f32>(v + off) + (1 - rho) * (g * g);
    store<f32>(v + off, vv);
    store<f32>(p + off, pv - (lr * g) / (Mathf.sqrt(vv) + eps));
  }
}

// The network's optimizer over parameters [lo, hi) of its block: the weight prefix
// [0, NET_WEIGHT_COUNT) with weight decay, the biases without. NET_STEP already counts this
// step. Any split of [0, count) into ranges gives the same bits as one call.
export function optimizerRange(net: usize, lo: i32, hi: i32): void {
  const p = <usize>load<u32>(net + (<usize>NET_PARAMS << 2));
  const g = <usize>load<u32>(net + (<usize>NET_GRADS << 2));
  const s1 = <usize>load<u32>(net + (<usize>NET_STATE1 << 2));
  const s2 = <usize>load<u32>(net + (<usize>NET_STATE2 << 2));
  const nw = load<i32>(net + (<usize>NET_WEIGHT_COUNT << 2));
  const lr = load<f32>(net + (<usize>NET_F_LR << 2));
  const wd = load<f32>(net + (<usize>NET_F_WEIGHT_DECAY << 2));
  const eps = load<f32>(net + (<usize>NET_F_EPSILON << 2));
  const kind = load<i32>(net + (<usize>NET_OPT << 2));
  const mid = min(max(nw, lo), hi); // [lo, mid) decays, [mid, hi) does not
  if (kind == OPT_SGD) {
    const mom = load<f32>(net + (<usize>NET_F_MOMENTUM << 2));
    const nesterov = load<i32>(net + (<usize>NET_NESTEROV << 2)) != 0;
    sgdUpdate(p, g, s1, lo, mid, lr, mom, nesterov, wd);
    sgdUpdate(p, g, s1, mid, hi, lr, mom, nesterov, 0);
  } else if (kind == OPT_ADAM) {
    const t = load<i32>(net + (<usize>NET_STEP << 2));
    const b1 = load<f32>(net + (<usize>NET_F_BETA1 << 2));
    const b2 = load<f32>(net + (<usize>NET_F_BETA2 << 2));
    adamUpdate(p, g, s1, s2, lo, mid, lr, b1, b2, eps, wd, t);
    adamUpdate(p, g, s1, s2, mid, hi, lr, b1, b2, eps, 0, t);
  } else {
    const rho = load<f32>(net + (<usize>NET_F_RHO << 2));
    rmspropUpdate(p, g, s1, lo, mid, lr, rho, eps, wd);
    rmspropUpdate(p, g, s1, mid, hi, lr, rho, eps, 0);
  }
}
