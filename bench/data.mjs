// The benchmarks' synthetic inputs, shared so that every side of a comparison trains on the
// same numbers: uniform [0, 1) from a fixed LCG, and labels cycling through the classes.

/** rows x cols floats in [0, 1), the same for the same seed. */
export function data(rows, cols, seed) {
  const a = new Float32Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32;
  }
  return a;
}

/** Class labels (i * 7) mod classes. */
export function labels(rows, classes) {
  return Int32Array.from({ length: rows }, (_, i) => (i * 7) % classes);
}
