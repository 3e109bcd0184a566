// Input validation inside the core: the index of the first value that is NaN or +/-Infinity
// (exponent bits all ones) among n floats at p, or -1. Four lanes per step; the scalar scan
// only runs to locate a bad value. (Here rather than in JS, where the same scan cost a
// noticeable part of a prediction: bench/RESULTS.md, "Figures moved from the core's comments".)
export function firstNonFinite(p: usize, n: i32): i32 {
  const mask = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = v128.and(v128.load(p + (<usize>i << 2)), mask);
    const b = v128.and(v128.load(p + (<usize>i << 2), 16), mask);
    if (v128.any_true(v128.or(i32x4.eq(a, mask), i32x4.eq(b, mask)))) break;
  }
  for (; i < n; i++) {
    if ((load<u32>(p + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}
