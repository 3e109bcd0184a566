// Register-tile helpers shared by every kernel family (gemm.ts's 4x8, 1-row, narrow and sparse
// tiles; small.ts's lane kernels): the epilogue, the bias broadcast and the 4x4 transpose,
// each written once. All inline: a kernel pays nothing for calling them.

// The epilogue of every product: alpha * acc, then + bias only where there is one. Never + 0:
// that would turn a -0 (a tiny negative sum scaled by alpha) into +0, which the scalar
// reference does not. Scaling comes first: alpha applies to the product only.
// (With hasBias a variable this costs an add and a select per vector; a tile with few k
// steps tests it once and uses the two halves below.)
// @ts-ignore: decorator
@inline export function epilogue(acc: v128, valpha: v128, vbias: v128, hasBias: bool): v128 {
  const v = scaled(acc, valpha);
  return hasBias ? f32x4.add(v, vbias) : v;
}
// @ts-ignore: decorator
@inline export function scaled(acc: v128, valpha: v128): v128 {
  return f32x4.mul(acc, valpha);
}
// @ts-ignore: decorator
@inline export function scaledBiased(acc: v128, valpha: v128, vbias: v128): v128 {
  return f32x4.add(f32x4.mul(acc, valpha), vbias);
}

// The scalar epilogue, for tails: alpha * acc + bias[j] (no add without a bias).
// @ts-ignore: decorator
@inline export function epilogueScalar(acc: f32, alpha: f32, bias: usize, j: i32): f32 {
  return withBias(acc * alpha, bias, j);
}

// A scaled value (a tile spilled after its vector epilogue without bias) + bias[j], if any.
// @ts-ignore: decorator
@inline export function withBias(v: f32, bias: usize, j: i32): f32 {
  return bias != 0 ? v + load<f32>(bias + (<usize>j << 2)) : v;
}

// Bias broadcast: bias[j] in all four lanes, for tiles whose lanes run down the rows of C
// (narrow, lanes). Callers test for a bias once per tile.
// @ts-ignore: decorator
@inline export function biasSplat(bias: usize, j: i32): v128 {
  return v128.load32_splat(bias + (<usize>j << 2));
}

// bias[j .. j + 3], for tiles whose lanes run along the rows of C (callers test for a bias
// once per tile).
// @ts-ignore: decorator
@inline export function biasVector(bias: usize, j: i32): v128 {
  return v128.load(bias + (<usize>j << 2));
}

// The 4x4 transpose: row r (0-3, a constant once inlined) of the transpose of the block whose
// rows are p0..p3, i.e. lane r of each. Two rounds of shuffles: zip p0 with p1 and p2 with p3
// (low or high halves), then take the low or high 64 bits of each zip. Callers ask for all
// four rows; the zips they share are computed once after inlining (eight shuffles a block).
// @ts-ignore: decorator
@inline export function transposedRow(p0: v128, p1: v128, p2: v128, p3: v128, r: i32): v128 {
  const a = r < 2 ? i32x4.shuffle(p0, p1, 0, 4, 1, 5) : i32x4.shuffle(p0, p1, 2, 6, 3, 7);
  const b = r < 2 ? i32x4.shuffle(p2, p3, 0, 4, 1, 5) : i32x4.shuffle(p2, p3, 2, 6, 3, 7);
  return (r & 1) == 0 ? i32x4.shuffle(a, b, 0, 1, 4, 5) : i32x4.shuffle(a, b, 2, 3, 6, 7);
}

// The first `rows` (1-4) rows of the transpose of the block p0..p3, stored rowBytes apart.
// @ts-ignore: decorator
@inline export function storeTransposed(p0: v128, p1: v128, p2: v128, p3: v128, dst: usize, rowBytes: usize, rows: i32): void {
  // All four rows first, so the shared zips are computed once (not inside each branch).
  const r0 = transposedRow(p0, p1, p2, p3, 0);
  const r1 = transposedRow(p0, p1, p2, p3, 1);
  const r2 = transposedRow(p0, p1, p2, p3, 2);
  const r3 = transposedRow(p0, p1, p2, p3, 3);
  v128.store(dst, r0);
  if (rows > 1) v128.store(dst + rowBytes, r1);
  if (rows > 2) v128.store(dst + 2 * rowBytes, r2);
  if (rows > 3) v128.store(dst + 3 * rowBytes, r3);
}
