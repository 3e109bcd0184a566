// The core's clock, measured: a chain of dependent one-cycle integer operations (add, xor),
// sixteen per iteration, which V8 compiles to sixteen addl/xorl on one register. Cycles per
// second = 16 * iterations / seconds. With it, bench/run.js states the SIMD128 arithmetic limit
// at the clock the machine really runs (a VM reports its base clock, not the one it boosts to):
// two f32x4 multiply and two f32x4 add pipes, 16 flop per cycle. bench/run.js compiles this
// file with asc at bench time; it is not part of the package (AssemblyScript, so
// tsconfig.json leaves bench/probes out).
export function chain(iterations: i32, y: i32, z: i32): i32 {
  let x = iterations;
  for (let i = 0; i < iterations; i++) {
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
    x = (x + y) ^ z;
  }
  return x;
}
