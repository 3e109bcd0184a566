// Types for bench/mnist.js (plain ESM so `npm run demo` runs without a TypeScript step).
export interface MnistSplit {
  xTrain: Float32Array;
  yTrain: Int32Array;
  xTest: Float32Array;
  yTest: Int32Array;
  counts: number[];
}
export function loadMnist(options?: { trainFraction?: number }): MnistSplit;
