// Scores computed by the CLI itself, in float64, from predictions: the regression figures the
// library does not report (mae, r2), and mse in the target's own units.

export interface RegressionScores {
  mse: number;
  mae: number;
  /** 1 - SSE / SST; 0 for a constant prediction of the mean, negative when worse than that. */
  r2: number;
}

/** Scores of predictions p against targets y (same length). */
export function regressionScores(p: ArrayLike<number>, y: ArrayLike<number>): RegressionScores {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = p[i] - y[i];
    sse += e * e;
    sae += Math.abs(e);
    sst += (y[i] - mean) ** 2;
  }
  // A constant target has no variance to explain: r2 is 1 for a perfect fit, else 0 (as sklearn's r2_score with force_finite).
  const r2 = sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
  return { mse: sse / n, mae: sae / n, r2 };
}

/** Index of the largest of `width` outputs in row r of a flat matrix. */
export function argMax(out: Float32Array, r: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (out[r * width + j] > out[r * width + best]) best = j;
  return best;
}
