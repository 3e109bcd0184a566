"""Fits the rational tanh of assembly/activations.ts (vtanhWith) and checks it in float32.

tanh(x) ~= x P(x^2) / Q(x^2) on [-9, 9], P of degree 5 and Q of degree 3 in x^2, with
P(0) = Q(0) = 1 so that tanh(x) = x exactly for tiny x. Minimises the maximum relative error by
iteratively reweighted least squares against mpmath's tanh, then evaluates the float32
coefficients the way the kernel does (Estrin's scheme in y = x^2) and prints the float32
error, the largest output (the kernel clamps to [-1, 1]) and the coefficients to paste.
Needs numpy and mpmath. The kernel's own exhaustive check (every float in [0, 10]) is in
bench/RESULTS.md.
"""
import numpy as np, mpmath

mpmath.mp.dps = 30
C = 9.0
NP, NQ = 5, 3
xs = np.unique(np.concatenate([np.linspace(1e-3, C, 40000), np.geomspace(1e-7, 1e-3, 500)]))
t = np.array([float(mpmath.tanh(mpmath.mpf(x))) for x in xs])
s = (xs / C) ** 2
Qprev = np.ones_like(xs)
w = np.ones_like(xs)
best = None
for it in range(300):
    # p0 = q0 = 1:  x sum_{k>=1} p_k s^k - t sum_{k>=1} q_k s^k = t - x
    A = np.concatenate([np.stack([xs * s**k for k in range(1, NP + 1)], 1),
                        np.stack([-t * s**k for k in range(1, NQ + 1)], 1)], 1)
    sc = np.sqrt(w) / (t * Qprev)
    sol, *_ = np.linalg.lstsq(A * sc[:, None], (t - xs) * sc, rcond=None)
    p = np.concatenate([[1.0], sol[:NP]])
    q = np.concatenate([[1.0], sol[NP:]])
    Q = np.polyval(q[::-1], s)
    P = np.polyval(p[::-1], s)
    err = np.abs(xs * P / Q - t) / t
    if best is None or err.max() < best[0]:
        best = (err.max(), p.copy(), q.copy())
    Qprev = Q
    if it >= 20:
        w = w * err
        w /= w.sum()
print('f64 max rel err', best[0])
_, p, q = best
# The fit ran in s = (x/C)^2; fold 1/C^2 into the coefficients for y = x^2.
f = np.float32
P = [f(p[k] / C ** (2 * k)) for k in range(NP + 1)]
Q = [f(q[k] / C ** (2 * k)) for k in range(NQ + 1)]
x = np.concatenate([xs, np.linspace(0, C, 200001)]).astype(np.float32)
y = x * x
y2 = y * y
y4 = y2 * y2
pp = (P[0] + P[1] * y) + (P[2] + P[3] * y) * y2 + (P[4] + P[5] * y) * y4
qq = (Q[0] + Q[1] * y) + (Q[2] + Q[3] * y) * y2
r = (x * pp) / qq
tt = np.tanh(x.astype(np.float64))
nz = tt > 0
ulp = np.spacing(tt.astype(np.float32)).astype(np.float64)
print('f32 max rel err', np.max(np.abs(r[nz] - tt[nz]) / tt[nz]), 'max ulps', np.max(np.abs(r - tt) / ulp),
      'max out', r.max())
print('P', [repr(float(v)) for v in P])
print('Q', [repr(float(v)) for v in Q])
