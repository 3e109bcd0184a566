// The seeded PRNG, the same algorithm and bits as src/random.ts: xoshiro128** over a state of
// four u32 at `state` (in the network descriptor's RNG region, so nothing here is static).

// @ts-ignore: decorator
@inline
function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

export function nextU32(state: usize): u32 {
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

// Uniform integer in [0, n), unbiased by rejection, as Random.int in src/random.ts.
export function intBelow(state: usize, n: u32): u32 {
  const limit = <u64>0x100000000 - (<u64>0x100000000 % <u64>n);
  let v: u32;
  do v = nextU32(state);
  while (<u64>v >= limit);
  return v % n;
}

// Fisher-Yates shuffle of n u32 at `a`, as Random.shuffle.
export function shuffle(state: usize, a: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = intBelow(state, <u32>(i + 1));
    const pi = a + (<usize>i << 2);
    const pj = a + (<usize>j << 2);
    const t = load<u32>(pi);
    store<u32>(pi, load<u32>(pj));
    store<u32>(pj, t);
  }
}

// dst[i] = f32((2u - 1) * bound) for count uniforms u = (next >>> 8) * 2^-24, computed in f64
// exactly as Random.fillSymmetric in src/random.ts, so both give the same bits.
export function fillSymmetric(state: usize, dst: usize, count: i32, bound: f64): void {
  for (let i = 0; i < count; i++) {
    const u = <f64>(nextU32(state) >>> 8) * 5.9604644775390625e-8; // 2^-24
    store<f32>(dst + (<usize>i << 2), <f32>((2 * u - 1) * bound));
  }
}
