// Loads the PyTorch float64 fixtures in test/fixtures (copied from ../shared/fixtures).
import { readFileSync, readdirSync } from 'node:fs';
import type { Act, LossName, OptimizerConfig } from './oracle.js';

export interface Fixture {
  name: string;
  inputSize: number;
  layers: { units: number; activation: Act }[];
  loss: LossName;
  batch: number;
  weights: number[][];
  biases: number[][];
  x: number[];
  y: number[];
  labels: number[] | null;
  output: number[];
  lossValue: number;
  gradWeights: number[][];
  gradBiases: number[][];
  steps: { optimizer: OptimizerConfig; count: number; losses: number[]; weightsAfter: number[][]; biasesAfter: number[][] }[];
}

const dir = new URL('../fixtures/', import.meta.url);

export const FIXTURES: Fixture[] = readdirSync(dir)
  // (training-features.json holds the training controls' references: test/training-fixtures.test.ts)
  .filter((f) => f.endsWith('.json') && f !== 'training-features.json')
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture);

/**
 * Each element within tol of the tensor's own scale plus a tenth of that relative to itself:
 * |a - b| <= tol * max_k |b_k| + (tol / 10) * |b|. (The former max(1, |b|) floor was an absolute
 * 1e-4 for values under 1, which let a 1% error in gradients that peak at 0.01 pass.)
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, where: string): void {
  if (actual.length !== expected.length) throw new Error(`${where}: length ${actual.length}, expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const allowed = tol * scale + (tol / 10) * Math.abs(b);
    if (!(Math.abs(a - b) <= allowed)) {
      throw new Error(`${where}[${i}]: got ${a}, expected ${b} (|diff| ${Math.abs(a - b)}, allowed ${allowed}: ${tol} of the tensor's largest |value| ${scale})`);
    }
  }
}
