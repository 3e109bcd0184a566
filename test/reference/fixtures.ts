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

/** |a - b| <= tol * max(1, |b|), with a message naming where it failed. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, where: string): void {
  if (actual.length !== expected.length) throw new Error(`${where}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) {
      throw new Error(`${where}[${i}]: got ${a}, expected ${b} (|diff| ${Math.abs(a - b)}, tolerance ${tol} relative)`);
    }
  }
}
